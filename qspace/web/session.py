"""Who is asking: the session cookie, the logged-in account, and CSRF tokens.

The cookie carries a random token signed with the secret key (so a tampered cookie is refused
without a database lookup); the database keeps the token's hash. Handlers never set cookies
themselves: they record the change on the request and SessionCookieMiddleware writes it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.requests import Request

from qspace import i18n
from qspace.i18n import gettext as _
from qspace.models import Account, Session, Space
from qspace.services import sessions
from qspace.services.errors import Forbidden
from qspace.settings import Settings

SESSION_SALT = "qspace.session"


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only and Path=/.
    return "__Host-qspace_session" if settings.server.scheme == "https" else "qspace_session"


def session_lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.security.session_days)


def _signer(settings: Settings) -> Signer:
    return Signer(settings.security.secret_key, salt=SESSION_SALT)


@dataclass
class Auth:
    """The request's session (possibly anonymous) and account (None when logged out)."""

    session: Session | None
    account: Account | None
    space: Space | None = None  # the account's own (first) space

    @property
    def logged_in(self) -> bool:
        return self.account is not None


def _settings(request: Request) -> Settings:
    return request.app.state.services.settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_auth(request: Request) -> Auth:
    """Load (once per request) the session named by the cookie; an invalid cookie is cleared."""
    cached = getattr(request.state, "auth", None)
    if cached is not None:
        return cached
    settings = _settings(request)
    raw = request.cookies.get(cookie_name(settings))
    session = None
    if raw:
        try:
            token = _signer(settings).unsign(raw).decode()
        except BadSignature:
            token = None
        if token:
            session = await sessions.load_session(token, lifetime=session_lifetime(settings))
        if session is None:
            request.state.set_cookie = None  # clear the dead cookie
    account = session.account if session else None
    space = None
    if account is not None:
        space = (
            await Space.filter(owner_id=account.id).order_by("id").select_related("actor").first()
        )
    auth = Auth(session=session, account=account, space=space)
    request.state.auth = auth
    _use_account_locale(account)
    return auth


def _use_account_locale(account: Account | None) -> None:
    """The person's own language setting wins over the browser's for the rest of the request
    (LocaleMiddleware restores the previous value when the request ends)."""
    if account is not None and account.locale in i18n.SUPPORTED:
        i18n.set_locale(account.locale)


async def _primary_space(account: Account | None) -> Space | None:
    """The account's first space: the one it acts as (an admin may own more)."""
    if account is None:
        return None
    return await Space.filter(owner_id=account.id).order_by("id").select_related("actor").first()


def _remember_cookie(request: Request, token: str | None) -> None:
    request.state.set_cookie = _signer(_settings(request)).sign(token).decode() if token else None


async def ensure_session(request: Request) -> Session:
    """The request's session, creating an anonymous one (and its cookie) when there is none."""
    auth = await get_auth(request)
    if auth.session is None:
        token, session = await sessions.create_session(
            None,
            lifetime=session_lifetime(_settings(request)),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
        auth.session = session
        _remember_cookie(request, token)
    return auth.session


async def switch_account(
    request: Request, account: Account | None, *, data: dict | None = None
) -> Session:
    """Replace the request's session with a new one for `account` (login, logout, 2FA step)."""
    auth = await get_auth(request)
    token, session = await sessions.rotate_session(
        auth.session,
        account,
        lifetime=session_lifetime(_settings(request)),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        data=data,
    )
    request.state.auth = Auth(session=session, account=account, space=await _primary_space(account))
    _use_account_locale(account)
    _remember_cookie(request, token)
    return session


async def end_session(request: Request) -> None:
    auth = await get_auth(request)
    if auth.session is not None:
        await sessions.end_session(auth.session)
    request.state.auth = Auth(session=None, account=None)
    request.state.set_cookie = None


async def csrf_token(request: Request) -> str:
    return (await ensure_session(request)).csrf_secret


async def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise Forbidden unless `submitted` matches the session's CSRF secret and the request
    comes from this site (the Origin header, when the browser sends one)."""
    settings = _settings(request)
    auth = await get_auth(request)  # first: the refusal below speaks the person's language
    origin = request.headers.get("origin")
    if origin and origin != settings.base_url:
        raise Forbidden(_("This form was sent from another site."))
    if auth.session is None or not submitted:
        raise Forbidden(_("The form expired. Reload the page and try again."))
    if not hmac.compare_digest(submitted.encode(), auth.session.csrf_secret.encode()):
        raise Forbidden(_("The form expired. Reload the page and try again."))


class SessionCookieMiddleware:
    """Write the Set-Cookie a handler asked for (new session, rotation, logout)."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.name = cookie_name(settings)
        self.secure = settings.server.scheme == "https"
        self.max_age = int(session_lifetime(settings).total_seconds())

    def _header(self, value: str | None) -> bytes:
        parts = [f"{self.name}={value or ''}", "Path=/", "HttpOnly", "SameSite=Lax"]
        parts.append(f"Max-Age={self.max_age if value else 0}")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_cookie(message: Any) -> None:
            if message["type"] == "http.response.start" and "set_cookie" in state:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"set-cookie", self._header(state["set_cookie"])),
                ]
                headers = {k.lower() for k, _ in message["headers"]}
                if b"cache-control" not in headers:
                    message["headers"].append((b"cache-control", b"private, no-store"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
