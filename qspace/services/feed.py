"""The home feed: new items of the people one follows, newest first, with keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from qspace.models import Item, ItemKind
from qspace.services.audience import Viewer

FEED_KINDS = [ItemKind.STATUS, ItemKind.BLOG, ItemKind.ALBUM]
PAGE_SIZE = 20


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the (published_at, id) of its last item."""

    published_at: datetime
    item_id: int

    def encode(self) -> str:
        return f"{self.published_at.isoformat()}_{self.item_id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        if not raw or "_" not in raw:
            return None
        stamp, _, ident = raw.rpartition("_")
        try:
            return cls(datetime.fromisoformat(stamp), int(ident))
        except ValueError:
            return None


async def home_feed(
    viewer: Viewer, *, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Item], Cursor | None]:
    """A page of the viewer's feed and the cursor of the next page (None at the end).

    Keyset pagination on (published_at, id): each page costs the same however deep it is,
    unlike OFFSET (see the home-feed benchmark).
    """
    if viewer.actor_id is None:
        return [], None
    authors = [viewer.actor_id, *viewer.following]
    query = Item.filter(viewer.item_filter(), author_id__in=authors, kind__in=FEED_KINDS).exclude(
        published_at=None
    )
    if before is not None:
        query = query.filter(
            Q(published_at__lt=before.published_at)
            | Q(published_at=before.published_at, id__lt=before.item_id)
        )
    rows = await query.order_by("-published_at", "-id").limit(limit + 1).select_related("author")
    page = rows[:limit]
    more = len(rows) > limit and page
    next_cursor = Cursor(page[-1].published_at, page[-1].id) if more else None
    return page, next_cursor
