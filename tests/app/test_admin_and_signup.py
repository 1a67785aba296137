"""Admin pages and sign-up: registration modes, invites, creating and disabling accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from qspace.models import Account, Invite, Space
from qspace.services import admin
from tests.support.factories import PASSWORD, make_space
from tests.support.web import login, post_form

NEW_PASSWORD = "a good long password"


async def admin_client(client: httpx.AsyncClient) -> None:
    await make_space("chief")
    await Account.filter(username="chief").update(is_admin=True)
    await login(client, "chief", PASSWORD)


async def make_invite(client: httpx.AsyncClient) -> str:
    response = await post_form(client, "/admin/invites", {"note": "for carol"}, token_from="/admin")
    assert response.status_code == 200
    link = re.search(r'id="new-invite">([^<]+)<', response.text).group(1)
    return link.split("invite=", 1)[1]


async def signup(app, data: dict[str, str], query: str = "") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as visitor:
        form = await visitor.get(f"/signup{query}")
        if form.status_code != 200:
            return form
        return await post_form(visitor, "/signup", data, token_from=f"/signup{query}")


async def test_admin_page_is_hidden_from_non_admins(client, db):
    """Ensures people who aren't admins get 404 on the admin page."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    assert (await client.get("/admin")).status_code == 404


async def test_closed_registration_refuses_signup(app, db):
    """Ensures the default closed mode shows no sign-up form and creates nothing."""
    response = await signup(app, {"username": "eve", "password": NEW_PASSWORD})
    assert response.status_code == 403
    assert "closed" in response.text
    assert not await Account.filter(username="eve").exists()


async def test_invite_signs_up_once_and_logs_in(app, client, db, settings):
    """Ensures an invite link creates one account with its space and then stops working."""
    await admin.set_registration_mode("invite")
    await admin_client(client)
    token = await make_invite(client)
    data = {
        "username": "carol",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "invite": token,
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as visitor:
        await visitor.get(f"/signup?invite={token}")
        done = await post_form(visitor, "/signup", data, token_from=f"/signup?invite={token}")
        assert done.status_code == 303 and done.headers["location"] == "/@carol"
        assert (await visitor.get("/settings/account")).status_code == 200
    assert await Space.filter(name="carol").exists()
    invite = await Invite.get()
    assert (
        invite.used_at is not None and invite.used_by_id == (await Account.get(username="carol")).id
    )
    again = await signup(app, {**data, "username": "dave"}, f"?invite={token}")
    assert again.status_code == 404
    assert not await Account.filter(username="dave").exists()


async def test_invite_mode_needs_an_invite_and_expired_ones_fail(app, client, db):
    """Ensures invite mode refuses sign-ups without a valid, unexpired invite."""
    await admin.set_registration_mode("invite")
    await admin_client(client)
    assert (await signup(app, {})).status_code == 403
    token = await make_invite(client)
    await Invite.all().update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert (await signup(app, {}, f"?invite={token}")).status_code == 404


async def test_open_registration_and_input_errors(app, db):
    """Ensures open mode signs people up, and bad names or mismatched passwords are explained."""
    await admin.set_registration_mode("open")
    mismatch = await signup(
        app, {"username": "erin", "password": NEW_PASSWORD, "password_confirm": "other"}
    )
    assert mismatch.status_code == 400 and "differ" in mismatch.text
    bad = await signup(
        app, {"username": "Erin!", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert bad.status_code == 400 and "lowercase" in bad.text
    ok = await signup(
        app, {"username": "erin", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert ok.status_code == 303
    taken = await signup(
        app, {"username": "erin", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert taken.status_code == 409
    assert await Account.filter(username="erin").count() == 1


async def test_admin_sets_registration_mode(client, db, settings):
    """Ensures the mode chosen on the admin page overrides the config file."""
    await admin_client(client)
    assert await admin.registration_mode(settings) == "closed"
    await post_form(client, "/admin/registration", {"mode": "open"}, token_from="/admin")
    assert await admin.registration_mode(settings) == "open"
    bad = await post_form(client, "/admin/registration", {"mode": "anyone"}, token_from="/admin")
    assert bad.status_code == 400
    assert await admin.registration_mode(settings) == "open"


async def test_admin_creates_and_disables_accounts(app, client, db):
    """Ensures the admin can create an account (with its space) and disable it."""
    await admin_client(client)
    created = await post_form(
        client,
        "/admin/accounts",
        {"username": "frank", "password": NEW_PASSWORD},
        token_from="/admin",
    )
    assert created.status_code == 303
    frank = await Account.get(username="frank")
    assert await Space.filter(owner_id=frank.id, name="frank").exists()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as fc:
        await login(fc, "frank", NEW_PASSWORD)
        await post_form(client, f"/admin/accounts/{frank.id}/disable", {}, token_from="/admin")
        assert (await fc.get("/settings/account")).status_code == 303
    assert (await Account.get(username="frank")).is_disabled
    root = await Account.get(username="chief")
    self_disable = await post_form(
        client, f"/admin/accounts/{root.id}/disable", {}, token_from="/admin"
    )
    assert self_disable.status_code == 403
    assert not (await Account.get(username="chief")).is_disabled
    await post_form(client, f"/admin/accounts/{frank.id}/enable", {}, token_from="/admin")
    assert not (await Account.get(username="frank")).is_disabled


async def test_revoked_invite_stops_working(app, client, db):
    """Ensures a revoked invite can't be used."""
    await admin.set_registration_mode("invite")
    await admin_client(client)
    token = await make_invite(client)
    invite = await Invite.get()
    await post_form(client, f"/admin/invites/{invite.id}/revoke", {}, token_from="/admin")
    assert (await signup(app, {}, f"?invite={token}")).status_code == 404
