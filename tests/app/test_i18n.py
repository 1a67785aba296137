"""English and Simplified Chinese: language negotiation, the person's own setting, translated
pages and errors, dates in the viewer's language, and a complete, current Chinese catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from qspace import i18n
from qspace.models import Account, Item
from tests.support.factories import PASSWORD, make_space, make_status
from tests.support.web import login, post_form

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "qspace" / "locale" / "messages.pot"
ZH_PO = ROOT / "qspace" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


def _msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id if isinstance(m.id, str) else "\x00".join(m.id) for m in catalog if m.id}


async def test_front_page_speaks_chinese_to_a_chinese_browser(client: httpx.AsyncClient) -> None:
    """Ensures Accept-Language zh-CN gets the front page and its chrome in Chinese."""
    page = await client.get("/", headers=CHINESE)
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "local.test 上的空间" in page.text
    assert ">登录</a>" in page.text and ">注册</a>" in page.text
    assert "Spaces on" not in page.text and ">Log in<" not in page.text


async def test_english_and_unknown_languages_get_english(client: httpx.AsyncClient) -> None:
    """Ensures `en`, an unsupported language and no header at all get English pages."""
    for headers in (ENGLISH, {"Accept-Language": "fr-FR,de;q=0.8"}, {}):
        page = await client.get("/", headers=headers)
        assert '<html lang="en">' in page.text
        assert "Spaces on local.test" in page.text and ">Log in</a>" in page.text
        assert "上的空间" not in page.text


async def test_login_page_and_failed_login_in_chinese(client: httpx.AsyncClient, db) -> None:
    """Ensures the login form and a refused login's ServiceError message are in Chinese."""
    await make_space("alice")
    client.headers.update(CHINESE)
    form = await client.get("/login")
    assert "<h1>登录</h1>" in form.text and "账户名" in form.text and "密码" in form.text
    refused = await post_form(client, "/login", {"username": "alice", "password": "wrong" * 3})
    assert refused.status_code == 403
    assert "账户名或密码错误。" in refused.text
    assert "Wrong account name or password." not in refused.text


async def test_space_page_in_chinese(client: httpx.AsyncClient, db) -> None:
    """Ensures a space's module titles and empty texts are translated, its content is not."""
    space = await make_space("alice")
    await make_status(space, text="Hello from Alice")
    page = await client.get("/@alice", headers=CHINESE)
    assert page.status_code == 200
    assert "留言板" in page.text and "说说" in page.text
    assert "还没有留言，来抢沙发吧！" in page.text
    assert "Hello from Alice" in page.text  # people's own words stay as written
    english = await client.get("/@alice", headers=ENGLISH)
    assert "Guestbook" in english.text and "No messages yet. Be the first!" in english.text


async def test_not_found_page_in_chinese(client: httpx.AsyncClient, db) -> None:
    """Ensures a 404 page shows the service's reason and its links in Chinese."""
    page = await client.get("/@nobody", headers=CHINESE)
    assert page.status_code == 404
    assert "没有这个空间。" in page.text and "返回首页" in page.text
    assert '<html lang="zh-CN">' in page.text
    english = await client.get("/@nobody", headers=ENGLISH)
    assert "No such space." in english.text and "Back to the front page" in english.text


async def test_settings_page_in_chinese(client: httpx.AsyncClient, db) -> None:
    """Ensures the space settings, including the audience and policy choices, are translated."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    page = await client.get("/settings/space", headers=CHINESE)
    assert page.status_code == 200
    assert "我的空间设置" in page.text and "谁可以评论" in page.text
    assert '<option value="">跟随浏览器</option>' in page.text
    # Stored values stay English; only what people read is translated.
    assert '<option value="everyone" selected>所有人</option>' in page.text
    assert 'name="policy_comment"' in page.text


async def test_account_language_overrides_the_browser(client: httpx.AsyncClient, db) -> None:
    """Ensures the "locale" setting is stored and wins over Accept-Language, both ways."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    saved = await post_form(
        client, "/settings/space/options", {"locale": "zh_CN"}, token_from="/settings/space"
    )
    assert saved.status_code == 303
    assert (await Account.get(username="alice")).locale == "zh_CN"
    page = await client.get("/", headers=ENGLISH)
    assert '<html lang="zh-CN">' in page.text and "local.test 上的空间" in page.text
    await post_form(
        client, "/settings/space/options", {"locale": "en"}, token_from="/settings/space"
    )
    page = await client.get("/", headers=CHINESE)
    assert '<html lang="en">' in page.text and "Spaces on local.test" in page.text


async def test_dates_and_plurals_follow_the_language(client: httpx.AsyncClient, db) -> None:
    """Ensures dates are written the viewer's way (Babel) and counts use the plural rules."""
    space = await make_space("alice")
    status = await make_status(space, text="dated")
    moment = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    await Item.filter(id=status.id).update(published_at=moment, like_count=2)
    path = f"/@alice/status/{status.id}"
    english = (await client.get(path, headers=ENGLISH)).text
    chinese = (await client.get(path, headers=CHINESE)).text
    assert "3/5/24" in english and "2 likes" in english
    assert "2024年3月5日" in chinese and "2 个赞" in chinese
    assert "2 likes" not in chinese
    await Item.filter(id=status.id).update(like_count=1)
    assert "1 like<" in (await client.get(path, headers=ENGLISH)).text


def test_code_outside_a_request_speaks_english() -> None:
    """Ensures the CLI and jobs (no request locale) get the English text."""
    assert i18n.current_locale() == "en"
    assert i18n.gettext("No such space.") == "No such space."
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.gettext("No such space.") == "没有这个空间。"
    finally:
        i18n.reset_locale(token)
    assert i18n.gettext("No such space.") == "No such space."


def test_every_message_has_a_chinese_translation() -> None:
    """Ensures each msgid of the template catalog has a non-empty, non-fuzzy zh_CN entry."""
    with ZH_PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    assert catalog.num_plurals == 1
    assert not catalog.obsolete
    translated = {m.id if isinstance(m.id, str) else "\x00".join(m.id): m for m in catalog if m.id}
    untranslated = []
    for msgid in _msgids(POT):
        message = translated.get(msgid)
        strings = () if message is None else message.string
        forms = (strings,) if isinstance(strings, str) else tuple(strings)
        if message is None or message.fuzzy or len(forms) != 1 or not all(forms):
            untranslated.append(msgid)
    assert untranslated == []
    assert [m.id for m, errors in catalog.check() if errors] == []  # same %(name)s placeholders


def test_catalog_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Ensures `make messages` would find no new or removed strings (run it, then translate)."""
    fresh = tmp_path / "messages.pot"
    # The same extraction as the Makefile's `messages` target.
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "N_",
            "-o",
            str(fresh),
            str(ROOT),
        ]
    )
    assert _msgids(fresh) == _msgids(POT)
    assert _msgids(ZH_PO) == _msgids(POT)
