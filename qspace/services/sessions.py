"""Server-side sessions: the cookie holds a random token, the database its hash.

A session exists before login too (anonymous), so the login form has a CSRF token; logging in
replaces it with a new one (session fixation), logging out deletes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from qspace.models import Account, Session

ANONYMOUS_LIFETIME = timedelta(days=1)
# Updating last_seen on every request would make every page view a write.
TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


async def create_session(
    account: Account | None,
    *,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
    data: dict | None = None,
) -> tuple[str, Session]:
    """Create a session; returns (cookie token, row). Anonymous sessions live one day at most."""
    token = secrets.token_urlsafe(32)
    session = await Session.create(
        id=token_hash(token),
        account=account,
        csrf_secret=secrets.token_urlsafe(32),
        data=data or {},
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:255] or None,
        expires_at=now() + (lifetime if account else min(lifetime, ANONYMOUS_LIFETIME)),
    )
    return token, session


async def load_session(token: str, *, lifetime: timedelta) -> Session | None:
    """The live session for a cookie token (with its account), or None; extends its expiry."""
    session = await Session.get_or_none(id=token_hash(token)).select_related("account")
    current = now()
    if session is None:
        return None
    if session.expires_at <= current or (session.account and session.account.is_disabled):
        await session.delete()
        return None
    if current - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = current
        if session.account_id:
            session.expires_at = current + lifetime
        await session.save(update_fields=["last_seen_at", "expires_at"])
    return session


async def rotate_session(
    old: Session | None,
    account: Account | None,
    *,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
    data: dict | None = None,
) -> tuple[str, Session]:
    """Replace `old` with a fresh session (new token and CSRF secret); the old one stops working.

    Used at every change of who is logged in, so a token planted before login is worthless.
    """
    if old is not None:
        await Session.filter(id=old.id).delete()
    return await create_session(account, lifetime=lifetime, ip=ip, user_agent=user_agent, data=data)


async def end_session(session: Session) -> None:
    await Session.filter(id=session.id).delete()


async def end_all_sessions(account: Account, *, keep: Session | None = None) -> int:
    """Log the account out everywhere (except `keep`); returns how many sessions ended."""
    query = Session.filter(account_id=account.id)
    if keep is not None:
        query = query.exclude(id=keep.id)
    return await query.delete()


async def prune_expired() -> int:
    """Delete expired sessions (a job step)."""
    return await Session.filter(expires_at__lt=now()).delete()
