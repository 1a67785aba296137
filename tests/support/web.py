"""Helpers for driving the web app like a browser: forms, CSRF tokens, logging in."""

from __future__ import annotations

import re

import httpx

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page with a form."""
    response = await client.get(path)
    return csrf_from(response.text)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, token_from: str = "/login"
) -> httpx.Response:
    """POST a form the way the browser would, with the session's CSRF token."""
    token = await csrf(client, token_from)
    return await client.post(path, data={**data, "csrf_token": token})


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    response = await post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text
    return response


def session_cookie(client: httpx.AsyncClient) -> str | None:
    for cookie in client.cookies.jar:
        if cookie.name.endswith("qspace_session"):
            return cookie.value
    return None
