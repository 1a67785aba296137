"""When a space page changed: one timestamp per space that every change moves forward.

Rendered pages for anonymous visitors are cached keyed by this timestamp (see
qspace/web/page_cache.py), so anything that changes what a space page shows must call
`touch(space_id)` in the same request or job. A short lifetime on cached pages is the safety
net for a change that forgets to.
"""

from __future__ import annotations

from datetime import UTC, datetime

from qspace.models import Space


async def touch(*space_ids: int | None) -> None:
    """Mark the spaces' pages as changed now."""
    ids = [i for i in space_ids if i is not None]
    if ids:
        await Space.filter(id__in=ids).update(updated_at=datetime.now(UTC))


async def touch_actors(*actor_ids: int | None) -> None:
    """Mark the pages of the local spaces behind these actors as changed (remote ones have
    no page here)."""
    ids = [i for i in actor_ids if i is not None]
    if ids:
        await Space.filter(actor_id__in=ids).update(updated_at=datetime.now(UTC))
