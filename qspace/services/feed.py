"""The home feed: new items of the people one follows, newest first, with keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from qspace.models import Item, ItemKind
from qspace.services.audience import Viewer

FEED_KINDS = [ItemKind.STATUS, ItemKind.BLOG, ItemKind.ALBUM]
PAGE_SIZE = 20
# The windows a page is looked for in, below its top, until one holds more than a page; the
# last, None, has no lower bound (a sparse feed, or its end).
WINDOWS = (timedelta(hours=1), timedelta(hours=12), timedelta(days=7), timedelta(days=60), None)


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
    unlike OFFSET. And each page is looked for in a time window below its top first (the last
    hour, then wider, see WINDOWS): the (author, published_at) index then reads only the
    followed people's posts of that window, not all their posts ever, so a page costs the same
    however long the server's history grows (the home-feed benchmark, benchmarks/README.md).
    """
    if viewer.actor_id is None:
        return [], None
    authors = [viewer.actor_id, *viewer.following]
    query = Item.filter(viewer.item_filter(), author_id__in=authors, kind__in=FEED_KINDS).exclude(
        published_at=None
    )
    top = datetime.now(UTC)
    if before is not None:
        top = before.published_at
        # The upper bound on its own lets the index take a range; the OR settles equal times.
        query = query.filter(published_at__lte=before.published_at).filter(
            Q(published_at__lt=before.published_at) | Q(id__lt=before.item_id)
        )
    for window in WINDOWS:
        windowed = query if window is None else query.filter(published_at__gt=top - window)
        rows = (
            await windowed.order_by("-published_at", "-id")
            .limit(limit + 1)
            .select_related("author")
        )
        if len(rows) > limit:
            break  # the window holds more than a page: these are the newest of all
    page = rows[:limit]
    more = len(rows) > limit and page
    next_cursor = Cursor(page[-1].published_at, page[-1].id) if more else None
    return page, next_cursor
