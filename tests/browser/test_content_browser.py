"""In a real browser: a day in a space (status with photos, blog, album, comment, like,
guestbook), and every bundled skin at phone and desktop widths. Screenshots are artifacts."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.support.servers import ServerProcess, free_port, qspace

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def server(tmp_path):
    port = free_port()
    data = tmp_path / "server"
    pw = tmp_path / "pw"
    pw.write_text("alice's long password\n")
    result = qspace(
        "init",
        "--data-dir",
        str(data),
        "--domain",
        f"127.0.0.1:{port}",
        "--scheme",
        "http",
        "--admin",
        "alice",
        "--password-file",
        str(pw),
    )
    assert result.returncode == 0, result.stderr
    bob_pw = tmp_path / "bob"
    bob_pw.write_text("bob's long password\n")
    server = ServerProcess(data, port)
    made = server.cli(
        "space", "create", "bob", "--display-name", "Bob", "--password-file", str(bob_pw)
    )
    assert made.returncode == 0, made.stderr
    server.start()
    yield server
    server.stop()


def photo(tmp_path, name: str, color: tuple[int, int, int]) -> str:
    path = tmp_path / name
    Image.new("RGB", (640, 480), color).save(path, "JPEG")
    return str(path)


def log_in(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"**/@{name}")


def test_a_day_in_a_space(browser, server, tmp_path, artifacts):
    """Ensures posting, blogging, an album, comments, likes and a guestbook work in chromium."""
    base = server.base_url
    page = browser.new_page(viewport=DESKTOP)
    try:
        log_in(page, base, "alice", "alice's long password")
        # A status update with two photos.
        page.fill("#status-text", "Sunny day at the lake #summer")
        page.set_input_files(
            "input[name=photos]",
            [photo(tmp_path, "a.jpg", (200, 80, 40)), photo(tmp_path, "b.jpg", (40, 120, 200))],
        )
        page.click("#compose button[type=submit]")
        page.wait_for_url(f"{base}/@alice")
        assert page.locator("#statuses .qs-photos img").count() == 2
        # A blog post.
        page.goto(f"{base}/@alice/blog/new")
        page.fill("input[name=title]", "Trip notes")
        page.fill("textarea[name=body]", "## Day one\n\nWe **swam**.")
        page.click("form[action='/@alice/blog'] button[type=submit]")
        page.wait_for_url("**/@alice/blog/trip-notes")
        assert page.locator(".qs-prose h2").inner_text() == "Day one"
        # An album with one photo.
        page.goto(f"{base}/@alice/albums/new")
        page.fill("input[name=title]", "Lake")
        page.click("form[action='/@alice/albums/new'] button[type=submit]")
        page.wait_for_url("**/@alice/albums/*")
        page.set_input_files("input[name=photos]", [photo(tmp_path, "c.jpg", (20, 160, 60))])
        page.click("form[action$='/photos'] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("img").count() >= 1
        page.goto(f"{base}/@alice")
        page.context.clear_cookies()

        # Bob comments, likes and signs alice's guestbook.
        log_in(page, base, "bob", "bob's long password")
        page.goto(f"{base}/@alice")
        page.locator("#statuses .qs-meta a").first.click()
        page.wait_for_url("**/@alice/status/*")
        page.fill("#comment-form textarea[name=text]", "Looks lovely!")
        page.click("#comment-form button[type=submit]")
        page.wait_for_selector("text=Looks lovely!")
        page.locator("form[action$='/like'] button").first.click()
        page.wait_for_selector("text=1 like")
        page.goto(f"{base}/@alice")
        page.fill(".qs-guestbook-form textarea[name=text]", "Hi Alice, nice space!")
        page.click(".qs-guestbook-form button[type=submit]")
        page.wait_for_url("**/@alice/guestbook")
        assert page.is_visible("text=Hi Alice, nice space!")
        page.context.clear_cookies()

        # The space page as a visitor sees it, at both widths.
        page.goto(f"{base}/@alice")
        assert page.is_visible("text=Sunny day at the lake")
        page.screenshot(path=str(artifacts / "space-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/@alice")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways on a phone"
        page.screenshot(path=str(artifacts / "space-375.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize("skin", ["default", "retro", "midnight"])
def test_each_bundled_skin_at_phone_and_desktop_width(browser, server, artifacts, skin):
    """Ensures each skin renders the space with the chrome visible and no sideways scroll."""
    base = server.base_url
    page = browser.new_page(viewport=DESKTOP)
    try:
        log_in(page, base, "alice", "alice's long password")
        page.goto(f"{base}/settings/look")
        page.check(f"input[name=theme][value={skin}]")
        page.click("form[action='/settings/look/theme'] button[type=submit]")
        page.wait_for_url("**/settings/look?done=theme")
        page.goto(f"{base}/@alice")
        assert page.get_attribute(".space-root", "data-theme") == skin
        for size, label in ((DESKTOP, "1280"), (PHONE, "375")):
            page.set_viewport_size(size)
            page.goto(f"{base}/@alice")
            # The visitor's own controls stay visible whatever the skin does.
            assert page.is_visible(".qs-chrome a.qs-home")
            assert page.is_visible(".qs-plain-toggle")
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
            page.screenshot(path=str(artifacts / f"skin-{skin}-{label}.png"), full_page=True)
        page.click(".qs-plain-toggle")
        page.wait_for_url("**plain=1")
        assert page.locator("link[href*='style.css']").count() == 0
    finally:
        page.close()
