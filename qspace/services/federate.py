"""Content out: local items, likes and shares sent to the people in their audience.

The write paths (services/items.py, comments.py, reactions.py, guestbook.py, albums.py) call
these functions after their own transaction has committed. Each function only writes rows: the
activity once and a delivery per inbox (`outbox.enqueue_activity`); the delivery job sends them.

Who already has an item is read back from its earlier deliveries, so an edit reaches the same
servers as the Create did (an Update), servers new to the audience get a Create, servers that
left the audience get a Delete, and a deletion reaches everyone who ever received it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from federation.jsonld import PUBLIC
from qspace.mapping import (
    album_update_to_note,
    content_activity,
    hashtag_tags,
    item_to_tombstone,
    local_item_to_note,
    mention_html,
    mention_tag,
    reaction_to_activity,
    undo_to_activity,
)
from qspace.models import (
    Actor,
    Audience,
    Delivery,
    Item,
    ItemKind,
    ItemTag,
    Media,
    OutgoingActivity,
)
from qspace.services.addressing import (
    Addressing,
    item_addressing,
    never_leaves,
    wall_owner,
)
from qspace.services.outbox import enqueue_activity, follower_inboxes, inbox_host, inboxes_of
from qspace.urls import Urls

# Mastodon keeps at most four attachments: an album update shows four of the new photos.
ALBUM_UPDATE_PHOTOS = 4
CONTENT_ACTIVITIES = ("Create", "Update", "Delete")


def activity_id(actor: Actor, kind: str) -> str:
    """A fresh id for an activity of a local actor (the same shape as `Urls.activity`)."""
    return f"{actor.ap_id}/activities/{kind.lower()}/{secrets.token_hex(16)}"


@dataclass(frozen=True)
class Prepared:
    """An activity decided before its item goes away, queued with `send_prepared`."""

    activity: dict[str, Any]
    actor: Actor
    inboxes: list[str]


async def send_prepared(prepared: list[Prepared]) -> None:
    """Queue activities built earlier (e.g. the Deletes of an album about to be removed)."""
    for entry in prepared:
        if entry.inboxes:
            await enqueue_activity(entry.activity, actor=entry.actor, inboxes=entry.inboxes)


async def delivered(item_id: int, actor: Actor) -> dict[str, dict[str, Any]]:
    """Inbox -> the last object sent there, for every inbox that holds the item now.

    Built from the item's Create/Update/Delete activities in order: a Delete takes its inboxes
    off again.
    """
    held: dict[str, dict[str, Any]] = {}
    activities = await OutgoingActivity.filter(
        item_id=item_id, actor_id=actor.id, type__in=list(CONTENT_ACTIVITIES)
    ).order_by("id")
    by_activity: dict[int, list[str]] = {}
    for row in await Delivery.filter(activity_id__in=[a.id for a in activities]):
        by_activity.setdefault(row.activity_id, []).append(row.inbox_url)
    for activity in activities:
        obj = activity.payload.get("object")
        for inbox in by_activity.get(activity.id, []):
            if activity.type == "Delete":
                held.pop(inbox, None)
            elif isinstance(obj, dict):
                held[inbox] = obj
    return held


async def item_object(
    urls: Urls, item: Item, author: Actor, addressing: Addressing
) -> dict[str, Any]:
    """The AS2 object of a local item as it federates (and as its URL serves it)."""
    media = await Media.filter(item_id=item.id).order_by("position", "id")
    tags: list[dict[str, str]] = []
    if item.kind in (ItemKind.STATUS, ItemKind.BLOG):
        names = await ItemTag.filter(item_id=item.id).order_by("tag").values_list("tag", flat=True)
        tags = hashtag_tags(urls, author.username, list(names))
    wall: tuple[str, str] | None = None
    owner = await wall_owner(item) if item.kind == ItemKind.GUESTBOOK else None
    if owner is not None:
        tags.append(mention_tag(owner))
        wall = _wall_of(urls, item, owner)
    obj = local_item_to_note(
        item,
        author=author,
        urls=urls,
        to=addressing.to,
        cc=addressing.cc,
        media=list(media),
        in_reply_to=item.in_reply_to_ap_id if item.kind == ItemKind.COMMENT else None,
        wall=wall,
        tags=tags,
    )
    if owner is not None:
        # Start with a mention of the wall's owner: Mastodon shows it as a mention to answer.
        content = obj["content"]
        mention = mention_html(owner)
        obj["content"] = (
            f"<p>{mention} {content[3:]}" if content.startswith("<p>") else mention + content
        )
    return obj


def _wall_of(urls: Urls, item: Item, owner: Actor) -> tuple[str, str] | None:
    """(wall collection, owner) of a guestbook message: the local wall, or the remote wall
    recorded when the message was written (None when that server has no walls)."""
    if item.space_id is not None and owner.is_local:
        return urls.guestbook(owner.username), owner.ap_id
    target = (item.ap_raw or {}).get("target")
    wall = target.get("id") if isinstance(target, dict) else None
    return (wall, owner.ap_id) if isinstance(wall, str) else None


def urls_of(actor: Actor) -> Urls:
    """The URL builder of a local actor's server (its id is `{base}/@{name}`)."""
    return Urls(actor.ap_id.rsplit("/@", 1)[0])


async def sync_item(item: Item) -> None:
    """Send a new or changed local item: Create to servers that don't have it yet, Update to
    those that do, Delete to those no longer in its audience (or to all, once it is only-me
    or a draft). No-op for remote authors and for albums and photos (see `photos_added`)."""
    author = await Actor.get(id=item.author_id)
    if not author.is_local or item.kind in (ItemKind.ALBUM, ItemKind.PHOTO):
        return
    before = await delivered(item.id, author)
    addressing = await item_addressing(item)
    if addressing is None:
        await _queue_delete(item, author, before)
        return
    obj = await item_object(urls_of(author), item, author, addressing)
    hosts_before = {inbox_host(i) for i in before}
    hosts_now = {inbox_host(i) for i in addressing.inboxes}
    create = [i for i in addressing.inboxes if inbox_host(i) not in hosts_before]
    update = [i for i in addressing.inboxes if inbox_host(i) in hosts_before]
    gone = {i: o for i, o in before.items() if inbox_host(i) not in hosts_now}
    for kind, inboxes in (("Create", create), ("Update", update)):
        if inboxes:
            activity = content_activity(
                kind, activity_id(author, kind), author.ap_id, obj, addressing.to, addressing.cc
            )
            await enqueue_activity(activity, actor=author, inboxes=inboxes, item=item)
    await _queue_delete(item, author, gone)


async def _queue_delete(item: Item, author: Actor, held: dict[str, dict[str, Any]]) -> None:
    """Queue a Delete of `item` to the inboxes in `held`, addressed as the object they hold."""
    if not held:
        return
    last = next(reversed(held.values()))
    to, cc = list(last.get("to") or []), list(last.get("cc") or [])
    if PUBLIC not in to and PUBLIC not in cc and item.audience == Audience.PUBLIC:
        to = [PUBLIC, *to]  # Mastodon addresses every Delete of a public status to Public
    tombstone = item_to_tombstone(item)
    activity = content_activity(
        "Delete", activity_id(author, "Delete"), author.ap_id, tombstone, to, cc
    )
    await enqueue_activity(activity, actor=author, inboxes=list(held), item=item)


async def item_deleted(item: Item) -> None:
    """Send a Delete of a local author's item to every inbox that received it."""
    author = await Actor.get(id=item.author_id)
    if author.is_local:
        await _queue_delete(item, author, await delivered(item.id, author))


async def guestbook_entry_deleted(entry: Item, *, by_actor_id: int) -> None:
    """A guestbook message was deleted: its local writer's Delete goes where it was sent; a
    remote writer's server is told by the wall's owner (FEP-400e: the collection's owner may
    delete what others added to it)."""
    author = await Actor.get(id=entry.author_id)
    if author.is_local:
        await item_deleted(entry)
        return
    owner = await wall_owner(entry)
    if owner is None or owner.id != by_actor_id or not owner.is_local:
        return
    tombstone = item_to_tombstone(entry)
    activity = content_activity(
        "Delete", activity_id(owner, "Delete"), owner.ap_id, tombstone, [author.ap_id], []
    )
    await enqueue_activity(activity, actor=owner, inboxes=inboxes_of([author]), item=entry)


async def reaction_changed(kind: str, actor: Actor, item: Item, *, on: bool) -> None:
    """Send a local person's Like or Announce (kind) of `item`, or its Undo (`on=False`).

    A Like goes to the item's author only (as Mastodon and GoToSocial do), so liking a local
    item sends nothing. An Announce (public items only) goes to the sharer's followers and
    the author.
    """
    if not actor.is_local:
        return
    if not on:
        await _undo_reaction(kind, actor, item)
        return
    author = await Actor.get(id=item.author_id)
    if kind == "Like":
        to, cc, inboxes = [author.ap_id], [], inboxes_of([author])
    else:
        if item.audience != Audience.PUBLIC:
            return
        to, cc = [PUBLIC], [author.ap_id, actor.followers_url or ""]
        inboxes = await follower_inboxes(actor, also=[author])
    if not inboxes:
        return
    activity = reaction_to_activity(
        kind, activity_id(actor, kind), actor.ap_id, item.ap_id, to, [c for c in cc if c]
    )
    await enqueue_activity(activity, actor=actor, inboxes=inboxes, item=item)


async def _undo_reaction(kind: str, actor: Actor, item: Item) -> None:
    """Undo the last Like/Announce of `item` sent by `actor`, to the inboxes that got it."""
    sent = (
        await OutgoingActivity.filter(type__in=[kind, "Undo"], actor_id=actor.id, item_id=item.id)
        .order_by("-id")
        .first()
    )
    if sent is None or sent.type == "Undo":
        return
    inboxes = list(
        dict.fromkeys(
            await Delivery.filter(activity_id=sent.id).values_list("inbox_url", flat=True)
        )
    )
    undo = undo_to_activity(activity_id(actor, "Undo"), actor.ap_id, sent.payload)
    await enqueue_activity(undo, actor=actor, inboxes=inboxes, item=item)


async def photos_added(album: Item, photos: list[Item]) -> None:
    """Announce new photos of an album: a Note with (up to four of) them and a link to it."""
    author = await Actor.get(id=album.author_id)
    if not photos or not author.is_local or never_leaves(album):
        return
    addressing = await item_addressing(album)
    if addressing is None or not addressing.inboxes:
        return
    media = await Media.filter(item_id__in=[p.id for p in photos]).order_by("item__position")
    if album.gate_answer_hash is not None:
        media = []  # photos behind a gate never leave: the Note only links the album
    note = album_update_to_note(
        f"{album.ap_id}/updates/{photos[0].id}",
        album,
        list(media[:ALBUM_UPDATE_PHOTOS]),
        more=max(len(photos) - ALBUM_UPDATE_PHOTOS, 0),
        author=author,
        urls=urls_of(author),
        to=addressing.to,
        cc=addressing.cc,
    )
    activity = content_activity(
        "Create", activity_id(author, "Create"), author.ap_id, note, addressing.to, addressing.cc
    )
    await enqueue_activity(activity, actor=author, inboxes=addressing.inboxes, item=album)


async def prepare_album_delete(album: Item) -> list[Prepared]:
    """The Deletes of an album's update Notes, built before the album's rows are removed
    (`send_prepared` queues them once the removal has committed)."""
    author = await Actor.get(id=album.author_id)
    if not author.is_local:
        return []
    prepared = []
    for activity in await OutgoingActivity.filter(item_id=album.id, type="Create"):
        note = activity.payload.get("object")
        inboxes = await Delivery.filter(activity_id=activity.id).values_list("inbox_url", flat=True)
        if not isinstance(note, dict) or not inboxes:
            continue
        tombstone = {"id": note.get("id"), "type": "Tombstone", "formerType": "Note"}
        delete = content_activity(
            "Delete",
            activity_id(author, "Delete"),
            author.ap_id,
            tombstone,
            list(note.get("to") or []),
            list(note.get("cc") or []),
        )
        prepared.append(Prepared(delete, author, list(dict.fromkeys(inboxes))))
    return prepared


async def album_changed(album: Item) -> None:
    """An album that became only-me: its update Notes are deleted where they were sent."""
    if never_leaves(album):
        await send_prepared(await prepare_album_delete(album))
