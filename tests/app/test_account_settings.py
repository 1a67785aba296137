"""Account settings: password change, two-factor setup, sessions, export, deletion."""

from __future__ import annotations

import io
import re

import httpx
import pyotp

from qspace.models import Account, Actor, Item, Media, Session, Space
from qspace.services import export, items
from qspace.services.export import read_export
from tests.support.factories import PASSWORD, URLS, make_space, make_status
from tests.support.web import login, post_form

SETTINGS = "/settings/account"


async def test_settings_need_login(client, db):
    """Ensures the settings page sends anonymous visitors to the login page."""
    response = await client.get(SETTINGS)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings/account"


async def test_password_change_needs_the_current_password_and_ends_other_sessions(app, db):
    """Ensures a password change checks the old password and logs out other devices."""
    await make_space("alice")
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="https://local.test") as phone,
        httpx.AsyncClient(transport=transport, base_url="https://local.test") as laptop,
    ):
        await login(phone, "alice", PASSWORD)
        await login(laptop, "alice", PASSWORD)
        new = "a brand new password"
        bad = await post_form(
            laptop,
            "/settings/password",
            {"current_password": "wrong", "new_password": new, "new_password_confirm": new},
            token_from=SETTINGS,
        )
        assert bad.status_code == 403
        short = await post_form(
            laptop,
            "/settings/password",
            {
                "current_password": PASSWORD,
                "new_password": "short",
                "new_password_confirm": "short",
            },
            token_from=SETTINGS,
        )
        assert short.status_code == 400 and "at least 10" in short.text
        ok = await post_form(
            laptop,
            "/settings/password",
            {"current_password": PASSWORD, "new_password": new, "new_password_confirm": new},
            token_from=SETTINGS,
        )
        assert ok.status_code == 303
        assert (await laptop.get(SETTINGS)).status_code == 200
        assert (await phone.get(SETTINGS)).status_code == 303
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as other:
        assert (
            await post_form(other, "/login", {"username": "alice", "password": PASSWORD})
        ).status_code == 403
        await login(other, "alice", new)


async def test_two_factor_setup_needs_a_confirming_code(client, db):
    """Ensures 2FA turns on only after a correct code, shows ten recovery codes once."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    page = await client.get("/settings/2fa")
    assert "<svg" in page.text  # the QR code, inline
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert f"secret={secret}" in page.text.replace("&amp;", "&")
    wrong = await post_form(client, "/settings/2fa/enable", {"code": "000000"}, token_from=SETTINGS)
    assert wrong.status_code == 400
    assert not (await Account.get(username="alice")).totp_enabled
    ok = await post_form(
        client, "/settings/2fa/enable", {"code": pyotp.TOTP(secret).now()}, token_from=SETTINGS
    )
    assert ok.status_code == 200
    assert len(re.findall(r"<li><code>[0-9a-f]{6}-[0-9a-f]{6}</code></li>", ok.text)) == 10
    account = await Account.get(username="alice")
    assert account.totp_enabled and account.totp_secret == secret


async def test_two_factor_disable_needs_password_and_code(client, db):
    """Ensures turning 2FA off requires both the password and a valid code."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    page = await client.get("/settings/2fa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    totp = pyotp.TOTP(secret)
    ok = await post_form(client, "/settings/2fa/enable", {"code": totp.now()}, token_from=SETTINGS)
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", ok.text)
    refused = await post_form(
        client,
        "/settings/2fa/disable",
        {"password": "wrong", "code": codes[0]},
        token_from=SETTINGS,
    )
    assert refused.status_code == 403
    refused = await post_form(
        client,
        "/settings/2fa/disable",
        {"password": PASSWORD, "code": "999999"},
        token_from=SETTINGS,
    )
    assert refused.status_code == 403
    assert (await Account.get(username="alice")).totp_enabled
    done = await post_form(
        client,
        "/settings/2fa/disable",
        {"password": PASSWORD, "code": codes[1]},
        token_from=SETTINGS,
    )
    assert done.status_code == 303
    assert not (await Account.get(username="alice")).totp_enabled


async def test_log_out_all_sessions_ends_every_session(app, db):
    """Ensures "log out all sessions" ends this and every other session of the account."""
    await make_space("alice")
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="https://local.test") as a,
        httpx.AsyncClient(transport=transport, base_url="https://local.test") as b,
    ):
        await login(a, "alice", PASSWORD)
        await login(b, "alice", PASSWORD)
        response = await post_form(a, "/settings/sessions/end-all", {}, token_from=SETTINGS)
        assert response.status_code == 303
        assert (await a.get(SETTINGS)).status_code == 303
        assert (await b.get(SETTINGS)).status_code == 303
    assert await Session.filter(account_id__isnull=False).count() == 0


async def test_export_round_trips_every_item_count(client, db):
    """Ensures the export zip holds every item the owner wrote, counted per kind, read back."""
    space = await make_space("alice")
    for i in range(3):
        await make_status(space, f"status {i}")
    await make_status(space, "friends only", audience="friends")
    await make_status(space, "just me", audience="private")
    await items.publish_blog_post(URLS, space, title="One", markdown="body", audience="public")
    await items.publish_blog_post(URLS, space, title="Draft", markdown="wip", draft=True)
    other = await make_space("bob")
    await make_status(other, "not alice's")
    await login(client, "alice", PASSWORD)
    response = await client.get("/settings/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    summary = read_export(io.BytesIO(response.content))
    assert summary.space == "alice"
    assert summary.items == {"blog": 2, "status": 5}
    stored = await Item.filter(author__space__name="alice").count()
    assert sum(summary.items.values()) == stored
    texts = {a["object"]["qspace:source"] for a in summary.activities}
    assert "just me" in texts and "not alice's" not in texts
    audiences = {a["object"]["qspace:audience"] for a in summary.activities}
    assert audiences == {"public", "friends", "private"}
    # Non-public items are not addressed to the public in the export either.
    for activity in summary.activities:
        if activity["object"]["qspace:audience"] != "public":
            assert activity["object"]["to"] == []


async def test_export_is_only_for_the_owner(client, db):
    """Ensures the export needs a login and only ever contains the viewer's own space."""
    await make_space("alice")
    bob = await make_space("bob")
    await make_status(bob, "bob's secret", audience="private")
    assert (await client.get("/settings/export")).status_code == 303
    await login(client, "alice", PASSWORD)
    summary = read_export(io.BytesIO((await client.get("/settings/export")).content))
    assert summary.space == "alice" and summary.items == {}


async def test_delete_account_removes_space_items_and_sessions(client, db):
    """Ensures account deletion needs the password and the name, then removes local data."""
    space = await make_space("alice")
    await make_space("admin_keeper", owner=None)
    await make_status(space, "bye")
    await login(client, "alice", PASSWORD)
    refused = await post_form(
        client, "/settings/delete", {"password": PASSWORD, "confirm": "bob"}, token_from=SETTINGS
    )
    assert refused.status_code == 400
    assert await Space.filter(name="alice").exists()
    done = await post_form(
        client, "/settings/delete", {"password": PASSWORD, "confirm": "alice"}, token_from=SETTINGS
    )
    assert done.status_code == 303
    assert not await Account.filter(username="alice").exists()
    assert not await Space.filter(name="alice").exists()
    # The actor stays as an emptied tombstone (its key signs the Delete sent elsewhere).
    assert (await Actor.get(username="alice")).deleted_at is not None
    assert await Item.all().count() == 0
    assert (await client.get("/@alice")).status_code == 404
    assert await Space.filter(name="admin_keeper").exists()


async def test_write_export_lists_media_files(db, tmp_path):
    """Ensures media files stored for the space are put into the archive."""
    space = await make_space("alice")
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "abc-original.jpg").write_bytes(b"jpegbytes")
    await Media.create(
        owner=space,
        mime="image/jpeg",
        capability="cap1",
        variants={"original": {"path": "ab/abc-original.jpg", "mime": "image/jpeg"}},
    )
    with await export.write_export(space, URLS, tmp_path) as archive:
        summary = read_export(archive)
    assert summary.media_files == 1


async def test_deleting_an_account_sends_delete_of_the_actor_to_remote_servers(client, db):
    """Ensures followers elsewhere are sent a Delete of the actor, signable after deletion."""
    from qspace.models import Delivery, Follow, FollowState, OutgoingActivity, ServerState

    space = await make_space("alice")
    await make_space("keeper", owner=None)
    remote = await Actor.create(
        ap_id="https://remote.test/users/rita",
        username="rita",
        domain="remote.test",
        is_local=False,
        inbox="https://remote.test/users/rita/inbox",
        shared_inbox="https://remote.test/inbox",
    )
    await Follow.create(follower=remote, followed_id=space.actor_id, state=FollowState.ACCEPTED)
    await login(client, "alice", PASSWORD)
    await post_form(
        client, "/settings/delete", {"password": PASSWORD, "confirm": "alice"}, token_from=SETTINGS
    )
    delete = await OutgoingActivity.get(type="Delete")
    assert delete.payload["object"] == delete.payload["actor"] == "https://local.test/@alice"
    assert await Delivery.filter(
        activity_id=delete.id, inbox_url="https://remote.test/inbox"
    ).exists()
    key = await client._transport.app.state.services.keys.key_for(space.actor_id)
    assert key.key_id == "https://local.test/@alice#main-key"
    assert await ServerState.filter(key=f"retired_key:{space.actor_id}").exists()
    # The name is never handed out again.
    from qspace.services import spaces
    from qspace.services.errors import Conflict

    owner = await Account.get(username="keeper")
    try:
        await spaces.create_space(URLS, owner=owner, name="alice")
    except Conflict:
        pass
    else:
        raise AssertionError("a deleted space's name was reused")
