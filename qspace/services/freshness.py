"""When a space page changed: one timestamp per space that every change moves forward.

Rendered pages for anonymous visitors are cached keyed by this timestamp (see
qspace/web/page_cache.py), so anything that changes what a space page shows must call
`touch(space_id)` in the same request or job. A short lifetime on cached pages is the safety
net for a change that forgets to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.signals import post_delete, post_save, pre_delete, pre_save

from qspace.models import Actor, Follow, Item, Media, Space

# Moves on with every touch in this process: what the in-memory caches check first
# (web/document_cache.py), so they need no query to know nothing changed here.
_generation = 0


def generation() -> int:
    """The number of touches made by this process so far."""
    return _generation


def _moved() -> None:
    global _generation
    _generation += 1


# Saving or deleting a row that public documents show moves the generation on too, before
# and after the write, so a change made with `.save()` that forgot to touch its space is not
# served from memory either. Queryset updates fire no signals: those paths call `touch`.
# Remote people's rows are skipped: what local documents show of them changes only with a
# local row (a count, a follow) that moves the generation itself.
@pre_save(Space, Actor, Item, Media, Follow)
@post_save(Space, Actor, Item, Media, Follow)
@pre_delete(Space, Actor, Item, Media, Follow)
@post_delete(Space, Actor, Item, Media, Follow)
async def _row_written(_sender: type, instance: Any, *_args: Any) -> None:
    if getattr(instance, "is_local", True):
        _moved()


async def touch(*space_ids: int | None) -> None:
    """Mark the spaces' pages as changed now."""
    ids = [i for i in space_ids if i is not None]
    if ids:
        _moved()
        await Space.filter(id__in=ids).update(updated_at=datetime.now(UTC))
        _moved()  # again once stored: nothing cached in between outlives the change


async def touch_actors(*actor_ids: int | None) -> None:
    """Mark the pages of the local spaces behind these actors as changed (remote ones have
    no page here)."""
    ids = [i for i in actor_ids if i is not None]
    if ids:
        _moved()
        await Space.filter(actor_id__in=ids).update(updated_at=datetime.now(UTC))
        _moved()
