"""Logging in and out: sessions, rotation, rate limits, two-factor codes."""

from __future__ import annotations

import httpx
import pyotp
from argon2 import PasswordHasher

from qspace.models import Account, Session
from qspace.passwords import needs_rehash
from qspace.services import twofactor
from tests.support.factories import PASSWORD, make_space
from tests.support.web import csrf, login, post_form, session_cookie


async def test_login_sets_a_secure_httponly_lax_cookie_and_shows_the_account(client, db):
    """Ensures a correct login starts a session whose cookie has the required flags."""
    await make_space("alice")
    response = await login(client, "alice", PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-qspace_session=")
    for flag in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"):
        assert flag in cookie
    assert response.headers["location"] == "/@alice"
    page = await client.get("/settings/account")
    assert page.status_code == 200
    assert "Account settings" in page.text


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db):
    """Ensures a wrong password and an unknown name give the same answer."""
    await make_space("alice")
    wrong = await post_form(client, "/login", {"username": "alice", "password": "nope"})
    unknown = await post_form(client, "/login", {"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 403
    assert "Wrong account name or password." in wrong.text
    assert "Wrong account name or password." in unknown.text


async def test_session_id_from_before_login_is_dead_after_it(app, db):
    """Ensures login rotates the session: the pre-login cookie no longer authenticates."""
    await make_space("alice")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as client:
        await csrf(client)  # the anonymous session is created here
        before = session_cookie(client)
        assert before
        await login(client, "alice", PASSWORD)
        after = session_cookie(client)
        assert after and after != before
    # An attacker who planted or saw the old cookie gets nothing.
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as other:
        other.cookies.set("__Host-qspace_session", before, domain="local.test")
        response = await other.get("/settings/account")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    assert await Session.filter(account_id__isnull=False).count() == 1


async def test_logged_out_cookie_no_longer_works(app, db):
    """Ensures logout deletes the session server-side, so a copied cookie is worthless."""
    await make_space("alice")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as client:
        await login(client, "alice", PASSWORD)
        stolen = session_cookie(client)
        token = await csrf(client, "/settings/account")
        out = await client.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as thief:
        thief.cookies.set("__Host-qspace_session", stolen, domain="local.test")
        response = await thief.get("/settings/account")
        assert response.status_code == 303
    assert await Session.filter(account_id__isnull=False).count() == 0


async def test_tampered_cookie_is_refused(client, db):
    """Ensures a cookie not signed with the server's secret is ignored."""
    client.cookies.set("__Host-qspace_session", "forged.value", domain="local.test")
    response = await client.get("/settings/account")
    assert response.status_code == 303


async def test_sixth_rapid_login_gets_429_with_retry_after(client, db):
    """Ensures more than five login attempts a minute are refused with 429 and Retry-After."""
    await make_space("alice")
    for _ in range(5):
        response = await post_form(client, "/login", {"username": "alice", "password": "bad"})
        assert response.status_code == 403
    sixth = await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert sixth.status_code == 429
    assert 1 <= int(sixth.headers["retry-after"]) <= 61
    assert session_cookie(client) is not None  # still the anonymous session
    assert await Session.filter(account_id__isnull=False).count() == 0


async def test_per_account_limit_holds_across_addresses(app, db):
    """Ensures an attacker rotating addresses still hits the per-account limit."""
    await make_space("alice")
    for i in range(6):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i}", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as c:
            response = await post_form(c, "/login", {"username": "alice", "password": "bad"})
    assert response.status_code == 429


async def test_disabled_account_cannot_log_in_and_its_sessions_end(client, db):
    """Ensures a disabled account is refused even with the right password."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    await Account.filter(username="alice").update(is_disabled=True)
    assert (await client.get("/settings/account")).status_code == 303
    response = await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "disabled" in response.text


async def test_password_hash_is_argon2id_and_old_parameters_are_upgraded(client, db):
    """Ensures passwords are stored as argon2id and rehashed at login when parameters change."""
    await make_space("alice")
    account = await Account.get(username="alice")
    assert account.password_hash.startswith("$argon2id$")
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    account.password_hash = weak
    await account.save()
    assert needs_rehash(weak)
    await login(client, "alice", PASSWORD)
    account = await Account.get(username="alice")
    assert account.password_hash != weak and not needs_rehash(account.password_hash)


async def enable_2fa(account: Account) -> str:
    secret = pyotp.random_base32()
    await twofactor.finish_enrollment(account, secret, pyotp.TOTP(secret).now())
    # Enrolment used the current step; move the replay marker back so a login can use it.
    account.totp_last_step = 0
    await account.save()
    return secret


async def test_two_factor_login_needs_a_valid_code_once(client, db):
    """Ensures a wrong code is refused and a correct code cannot be used twice."""
    await make_space("alice")
    secret = await enable_2fa(await Account.get(username="alice"))
    first = await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert first.headers["location"] == "/login/code"
    assert (await client.get("/settings/account")).status_code == 303  # not logged in yet
    wrong = await post_form(client, "/login/code", {"code": "000000"}, token_from="/login/code")
    assert wrong.status_code == 403
    code = pyotp.TOTP(secret).now()
    ok = await post_form(client, "/login/code", {"code": code}, token_from="/login/code")
    assert ok.status_code == 303
    assert (await client.get("/settings/account")).status_code == 200
    # Log out and try to replay the same code.
    await post_form(client, "/logout", {}, token_from="/settings/account")
    await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    replay = await post_form(client, "/login/code", {"code": code}, token_from="/login/code")
    assert replay.status_code == 403
    assert "used already" in replay.text


async def test_recovery_code_works_once(client, db):
    """Ensures each recovery code logs in exactly once."""
    await make_space("alice")
    account = await Account.get(username="alice")
    secret = pyotp.random_base32()
    codes = await twofactor.finish_enrollment(account, secret, pyotp.TOTP(secret).now())
    assert len(codes) == 10
    await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    ok = await post_form(client, "/login/code", {"code": codes[0]}, token_from="/login/code")
    assert ok.status_code == 303
    await post_form(client, "/logout", {}, token_from="/settings/account")
    await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    again = await post_form(client, "/login/code", {"code": codes[0]}, token_from="/login/code")
    assert again.status_code == 403
    assert await twofactor.remaining_recovery_codes(account) == 9


async def test_code_step_without_password_step_is_refused(client, db):
    """Ensures nobody can skip the password by posting a code directly."""
    await make_space("alice")
    token = await csrf(client)
    response = await client.post("/login/code", data={"code": "123456", "csrf_token": token})
    assert response.status_code == 403


async def test_login_redirects_only_to_local_paths(client, db):
    """Ensures the next parameter can't send people to another site after login."""
    await make_space("alice")
    response = await post_form(
        client, "/login", {"username": "alice", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/@alice"
