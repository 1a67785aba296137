"""The visitor log: the last signed-in visitors of a space."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qspace.models import Account, Space, Visit
from qspace.services import freshness

LOG_SIZE = 50
# A visitor reloading the page shouldn't cost a write each time.
MIN_INTERVAL = timedelta(minutes=1)


async def record_visit(space: Space, visitor: Account) -> bool:
    """Note that `visitor` looked at `space` now, unless the owner turned the log off, the
    visitor chose not to be recorded, or it is the owner's own visit. Returns True if noted."""
    if not space.visitor_log_enabled or not visitor.record_visits:
        return False
    if space.owner_id == visitor.id:
        return False
    now = datetime.now(UTC)
    visit = await Visit.get_or_none(space_id=space.id, visitor_id=visitor.id)
    if visit is None:
        await Visit.create(space=space, visitor=visitor, visited_at=now)
        # A new name in the log; a later time for a known visitor may wait for the page
        # cache's short lifetime.
        await freshness.touch(space.id)
    elif now - visit.visited_at >= MIN_INTERVAL:
        visit.visited_at = now
        await visit.save(update_fields=["visited_at"])
    return True


async def recent_visitors(space: Space) -> list[Visit]:
    """The last 50 visitors who still agree to be shown, newest first."""
    if not space.visitor_log_enabled:
        return []
    return (
        await Visit.filter(
            space_id=space.id, visitor__record_visits=True, visitor__is_disabled=False
        )
        .order_by("-visited_at")
        .limit(LOG_SIZE)
        .prefetch_related("visitor__spaces")
    )
