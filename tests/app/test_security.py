"""The security baseline: CSRF on every form, body size limits, headers on HTML responses."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route

from qspace.models import Account, Invite, Item, ServerState, Session
from qspace.web.routes import SIGNATURE_AUTHENTICATED, routes
from tests.support.factories import PASSWORD, make_space
from tests.support.web import csrf, login

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_routes() -> list[Route]:
    return [r for r in routes() if isinstance(r, Route) and set(r.methods or ()) & UNSAFE]


def test_every_state_changing_route_checks_csrf_or_signatures():
    """Ensures no POST route can be added without the CSRF wrapper (or signature auth)."""
    found = unsafe_routes()
    assert found, "there should be form routes"
    for route in found:
        protected = getattr(route.endpoint, "csrf_protected", False)
        assert protected or route.path in SIGNATURE_AUTHENTICATED, route.path


def concrete(path: str) -> str:
    """A real URL for a route pattern: every id 1, every space alice."""
    return re.sub(r"\{[a-z_]+:int\}", "1", path).replace("{name}", "alice")


async def counts() -> tuple[int, ...]:
    return (
        await Account.all().count(),
        await Item.all().count(),
        await Invite.all().count(),
        await ServerState.all().count(),
        await Session.filter(account_id__isnull=False).count(),
    )


@pytest.mark.parametrize("with_token", ["missing", "wrong"])
async def test_post_without_a_valid_csrf_token_is_403_and_writes_nothing(client, db, with_token):
    """Ensures every form endpoint refuses a logged-in admin's POST lacking the CSRF token."""
    await make_space("alice", owner=None)
    await Account.filter(username="alice").update(is_admin=True)
    await login(client, "alice", PASSWORD)
    before = await counts()
    data = {
        "username": "mallory",
        "password": "a long password 1",
        "mode": "open",
        "new_password": "x" * 12,
        "new_password_confirm": "x" * 12,
        "current_password": PASSWORD,
        "confirm": "alice",
        "code": "123456",
        "note": "x",
    }
    if with_token == "wrong":
        data["csrf_token"] = "forged-token"
    for route in unsafe_routes():
        if route.path in SIGNATURE_AUTHENTICATED:
            continue  # inboxes: HTTP signatures, tested in the federation tests
        response = await client.post(concrete(route.path), data=data)
        assert response.status_code == 403, route.path
    assert await counts() == before
    assert (await client.get("/settings/account")).status_code == 200  # still logged in


async def test_post_from_another_origin_is_refused(client, db):
    """Ensures a form posted from another site is refused even with a token."""
    await make_space("alice")
    token = await csrf(client)
    response = await client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_oversized_body_is_413_before_it_is_read(app, db):
    """Ensures a body over the upload limit is refused without the app reading it."""
    limit = app.state.services.settings.media.max_upload_bytes
    pulled = []

    async def body():
        for _ in range(64):
            pulled.append(1)
            yield b"x" * (limit // 16)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as client:
        response = await client.post(
            "/login",
            content=body(),
            headers={"Content-Length": str(limit * 4), "Content-Type": "multipart/form-data"},
        )
    assert response.status_code == 413
    # httpx may prime the first chunk; the app never asked for the rest.
    assert len(pulled) <= 1


async def test_chunked_body_is_cut_off_at_the_limit(app, db):
    """Ensures a body without Content-Length is counted while streaming and stopped at 413."""
    limit = app.state.services.settings.media.max_upload_bytes
    pulled = []

    async def body():
        # A multipart upload whose file part never ends: only the limit can stop it.
        yield (
            b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        )
        for _ in range(64):
            pulled.append(1)
            yield b"x" * (limit // 8)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as client:
        response = await client.post(
            "/login", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
    assert response.status_code == 413
    assert len(pulled) < 64


async def test_html_responses_carry_the_security_headers_and_hsts(client, db):
    """Ensures CSP, nosniff, referrer policy and HSTS (https servers) are on HTML pages."""
    for path in ("/login", "/", "/nowhere"):
        response = await client.get(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_pages_with_a_session_are_not_cached(client, db):
    """Ensures a response setting the session cookie is marked private, no-store."""
    response = await client.get("/login")
    assert "set-cookie" in response.headers
    assert response.headers["cache-control"] == "private, no-store"
