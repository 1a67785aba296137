"""Rate limits: fixed-window counters in the database, shared by every server process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.context import require_context

from qspace.i18n import gettext as _
from qspace.models import RateCounter
from qspace.services.errors import TooManyRequests

# One statement that creates or increments the counter and returns the new count; SQLite (3.35+)
# and PostgreSQL both support INSERT ... ON CONFLICT ... RETURNING, so concurrent processes
# never lose an increment.
_UPSERT = (
    "INSERT INTO rate_counters (key, window_start, count) VALUES ({p1}, {p2}, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 "
    "RETURNING count"
)


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


async def hit(key: str, limit: int, *, window: int = 60, now: datetime | None = None) -> int:
    """Count one event for `key`; raise TooManyRequests (with Retry-After seconds) past `limit`.

    Returns the count in the current window.
    """
    now = now or datetime.now(UTC)
    start = _window(now, window)
    conn = require_context().db()
    dialect = conn.schema_generator.DIALECT
    sql = (
        _UPSERT.format(p1="$1", p2="$2")
        if dialect == "postgres"
        else _UPSERT.format(p1="?", p2="?")
    )
    rows = await conn.execute_query_dict(sql, [key[:200], start])
    count = int(rows[0]["count"])
    if count > limit:
        retry_after = max(1, int((start + timedelta(seconds=window) - now).total_seconds()) + 1)
        raise TooManyRequests(_("Too many attempts. Wait a moment and try again."), retry_after)
    return count


async def prune(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete old counters (a job step); returns how many were deleted."""
    return await RateCounter.filter(window_start__lt=datetime.now(UTC) - older_than).delete()
