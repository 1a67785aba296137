"""A space's ActivityPub collections: outbox, followers, following, featured.

Every page is filtered with the audience rule (`Viewer.item_filter()`), so a signed fetch by
a friend sees the friends-only and group items addressed to them, anonymous fetches public
items only; each Create carries its item's addressing (`services/addressing.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from tortoise.expressions import Q

from qspace.mapping import (
    local_item_to_note,
    object_to_create,
    public_addressing,
    to_ordered_collection,
    to_ordered_collection_page,
)
from qspace.models import Actor, Audience, Follow, FollowState, Item, ItemKind, Media, Space
from qspace.services.addressing import item_addressing
from qspace.services.audience import Viewer
from qspace.urls import Urls

OUTBOX_KINDS = (ItemKind.STATUS, ItemKind.BLOG)
OUTBOX_AUDIENCES = (Audience.PUBLIC, Audience.FRIENDS, Audience.GROUP)
PAGE_SIZE = 20
FOLLOWS_PAGE_SIZE = 40


@dataclass(frozen=True)
class Cursor:
    """Where an outbox page starts: items older than `max_id`, or newer than `min_id`."""

    max_id: int | None = None
    min_id: int | None = None


def _page_url(base: str, **params: object) -> str:
    query = {"page": "true", **{k: v for k, v in params.items() if v is not None}}
    return f"{base}?{urlencode(query)}"


def _outbox_query(space: Space, viewer: Viewer) -> Any:
    return Item.filter(
        viewer.item_filter(),
        Q(audience__in=list(OUTBOX_AUDIENCES)),
        space_id=space.id,
        author_id=space.actor_id,
        kind__in=list(OUTBOX_KINDS),
    )


async def outbox_collection(urls: Urls, space: Space, viewer: Viewer) -> dict[str, Any]:
    """The outbox OrderedCollection: how many activities the viewer may see, and page links."""
    outbox = urls.outbox(space.name)
    total = await _outbox_query(space, viewer).count()
    return to_ordered_collection(
        outbox, total, first=_page_url(outbox), last=_page_url(outbox, min_id=0)
    )


async def outbox_page(urls: Urls, space: Space, viewer: Viewer, cursor: Cursor) -> dict[str, Any]:
    """One page of the outbox: Create activities, newest first, that `viewer` may see."""
    outbox = urls.outbox(space.name)
    query = _outbox_query(space, viewer)
    if cursor.min_id is not None:
        # The page just after min_id: take the oldest ones above it, shown newest first.
        found = list(
            reversed(await query.filter(id__gt=cursor.min_id).order_by("id").limit(PAGE_SIZE))
        )
    else:
        if cursor.max_id is not None:
            query = query.filter(id__lt=cursor.max_id)
        found = await query.order_by("-id").limit(PAGE_SIZE)
    author: Actor = space.actor
    activities = await _creates(urls, author, found)
    page_id = _page_url(outbox, max_id=cursor.max_id, min_id=cursor.min_id)
    older = newer = None
    if found:
        if await query.filter(id__lt=found[-1].id).exists():
            older = _page_url(outbox, max_id=found[-1].id)
        if await _outbox_query(space, viewer).filter(id__gt=found[0].id).exists():
            newer = _page_url(outbox, min_id=found[0].id)
    return to_ordered_collection_page(page_id, outbox, activities, next_page=older, prev_page=newer)


async def _creates(urls: Urls, author: Actor, found: list[Item]) -> list[dict[str, Any]]:
    """The Create activities announcing these items, each addressed to its audience."""
    media: dict[int, list[Media]] = {}
    for m in await Media.filter(item_id__in=[i.id for i in found]).order_by("position", "id"):
        media.setdefault(m.item_id, []).append(m)
    public_to, public_cc = public_addressing(author)
    creates = []
    for item in found:
        to, cc = public_to, public_cc
        if item.audience != Audience.PUBLIC:
            addressing = await item_addressing(item)
            if addressing is None:
                continue
            to, cc = addressing.to, addressing.cc
        obj = local_item_to_note(
            item, author=author, urls=urls, to=to, cc=cc, media=media.get(item.id)
        )
        creates.append(object_to_create(obj, author.ap_id))
    return creates


async def follow_collection(
    urls: Urls, space: Space, which: Literal["followers", "following"], page: int | None
) -> dict[str, Any]:
    """The followers or following collection (accepted follows), or one page of it.

    A space that hides its social graph publishes the count only, and no pages.
    """
    collection_id = (
        urls.followers(space.name) if which == "followers" else urls.following(space.name)
    )
    if which == "followers":
        query = Follow.filter(followed_id=space.actor_id, state=FollowState.ACCEPTED)
        other = "follower"
    else:
        query = Follow.filter(follower_id=space.actor_id, state=FollowState.ACCEPTED)
        other = "followed"
    total = await query.count()
    if space.hide_social_graph:
        return to_ordered_collection(collection_id, total)
    if page is None:
        return to_ordered_collection(collection_id, total, first=f"{collection_id}?page=1")
    page = max(page, 1)
    rows = (
        await query.order_by("-id")
        .offset((page - 1) * FOLLOWS_PAGE_SIZE)
        .limit(FOLLOWS_PAGE_SIZE + 1)
        .values_list(f"{other}__ap_id", flat=True)
    )
    more = len(rows) > FOLLOWS_PAGE_SIZE
    return to_ordered_collection_page(
        f"{collection_id}?page={page}",
        collection_id,
        list(rows[:FOLLOWS_PAGE_SIZE]),
        next_page=f"{collection_id}?page={page + 1}" if more else None,
        prev_page=f"{collection_id}?page={page - 1}" if page > 1 else None,
        total=total,
    )


def featured_collection(urls: Urls, space: Space) -> dict[str, Any]:
    """The featured (pinned) collection: empty until pinning federates."""
    return to_ordered_collection(urls.featured(space.name), 0, items=[])
