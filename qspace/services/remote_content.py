"""Content in: Notes, Articles, Pages, ... from other servers stored as items.

A received object becomes one of three things. Addressed to a local wall (`target`, FEP-400e)
it is a guestbook message; replying to an item this server has, it is a comment in that thread
(a local thread takes its root's audience, and only if the author may see the root and
comment on it: `policy`); anything else is a post, kept when a local person follows its author
or it is addressed to local people. The addressing received decides who sees it here: Public
in `to` is public, in `cc` unlisted, the author's followers collection is followers-only
(shown to the local people who follow the author), anything else is direct, seen only by the
local people it names (`ItemRecipient`). Attachments are stored as Media rows that point at
the remote file (`remote_url`); pages show them through the media proxy.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation.jsonld import PUBLIC_ALIASES, ap_id_of, as_list
from qspace.mapping import (
    REMOTE_ATTACHMENTS_MAX,
    addressing_of,
    attachment_to_media_fields,
    audience_from_addressing,
    note_to_item_fields,
    other_attachment_links,
)
from qspace.models import (
    Actor,
    Audience,
    Block,
    Follow,
    FollowState,
    Item,
    ItemKind,
    ItemRecipient,
    ItemState,
    Media,
    Space,
)
from qspace.services import freshness, notifications, policy
from qspace.services.audience import viewer_for
from qspace.services.notifications import Kind
from qspace.urls import Urls

log = logging.getLogger("qspace.federation")

# An album update Note's id is the album's URL with this suffix (see federate.photos_added).
_ALBUM_UPDATE = re.compile(r"^(?P<album>.+)/updates/\d+$")


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs are on the same scheme, host and port."""
    try:
        x, y = httpx.URL(a), httpx.URL(b)
    except httpx.InvalidURL:
        return False
    return (x.scheme, x.host, x.port) == (y.scheme, y.host, y.port)


def is_authored_by(obj: dict[str, Any], sender: Actor) -> bool:
    """Whether `sender` wrote `obj`: named in `attributedTo`, with the id on its own server."""
    authors = {ap_id_of(a) for a in as_list(obj.get("attributedTo"))}
    ap_id = obj.get("id")
    return sender.ap_id in authors and isinstance(ap_id, str) and same_origin(ap_id, sender.ap_id)


async def find_parent(ap_id: str | None) -> Item | None:
    """The item a reply answers: one stored here, or the album an update Note announced."""
    if not ap_id:
        return None
    found = await Item.get_or_none(ap_id=ap_id)
    if found is None and (match := _ALBUM_UPDATE.match(ap_id)):
        found = await Item.get_or_none(ap_id=match["album"], kind=ItemKind.ALBUM, is_local=True)
    return found


async def wall_of(urls: Urls, obj: dict[str, Any]) -> Space | None:
    """The local space whose guestbook the object's `target` names (FEP-400e), if any.

    A target naming an owner (`attributedTo`) other than the wall's owner is ignored.
    """
    target = obj.get("target")
    wall = ap_id_of(target)
    prefix = urls.space("")
    if not wall or not wall.startswith(prefix) or not wall.endswith("/guestbook"):
        return None
    name = wall[len(prefix) : -len("/guestbook")]
    space = await Space.get_or_none(name=name).select_related("actor") if name else None
    owner = target.get("attributedTo") if isinstance(target, dict) else None
    if space is None or (owner is not None and owner != space.actor.ap_id):
        return None
    return space


async def _local_addressees(addressed: dict[str, set[str]], sender: Actor) -> list[int]:
    """Local actors the object names, leaving out those who block the sender."""
    ids = (addressed["to"] | addressed["cc"] | addressed["other"]) - PUBLIC_ALIASES
    if not ids:
        return []
    local = await Actor.filter(ap_id__in=list(ids), is_local=True).values_list("id", flat=True)
    blocking = await Block.filter(blocked_id=sender.id, blocker_id__in=list(local)).values_list(
        "blocker_id", flat=True
    )
    return sorted(set(local) - set(blocking))


async def _save(fields: dict[str, Any], obj: dict[str, Any], recipients: list[int]) -> Item | None:
    """Store the item, its attachments and its recipients at once; None if it exists already."""
    fields["content_html"] += other_attachment_links(obj)
    try:
        async with in_transaction():
            item = await Item.create(**fields)
            await _save_media(item, obj)
            await ItemRecipient.bulk_create(
                [ItemRecipient(item_id=item.id, actor_id=a) for a in sorted(set(recipients))]
            )
    except IntegrityError:  # the same object arrived twice at once
        return None
    return item


async def _save_media(item: Item, obj: dict[str, Any]) -> None:
    attachments = as_list(obj.get("attachment"))[:REMOTE_ATTACHMENTS_MAX]
    found = [f for f in map(attachment_to_media_fields, attachments) if f is not None]
    await Media.bulk_create(
        [
            Media(item_id=item.id, position=n, capability=secrets.token_urlsafe(24), **fields)
            for n, fields in enumerate(found)
        ]
    )


async def receive_object(
    urls: Urls,
    sender: Actor,
    obj: dict[str, Any],
    activity: dict[str, Any] | None = None,
    *,
    inbox_space_id: int | None = None,
) -> Item | None:
    """Store a received object (see the module docstring); None when it is dropped.

    `inbox_space_id` is the space whose personal inbox it came to: a direct object delivered
    there is shown to that space even when its addressing doesn't name it (Mastodon strips
    `bto`/`bcc`). Idempotent: an object stored before is returned as it is.
    """
    try:
        fields = note_to_item_fields(obj)
    except ValueError:
        return None
    if not is_authored_by(obj, sender):
        log.info("dropped %s: not by its sender %s", fields["ap_id"], sender.ap_id)
        return None
    existing = await Item.get_or_none(ap_id=fields["ap_id"])
    if existing is not None:
        return existing
    fields["author_id"] = sender.id
    addressed = addressing_of(obj, activity)
    wall = await wall_of(urls, obj)
    if wall is not None:
        return await _guestbook_message(wall, sender, fields, obj, addressed)
    parent = await find_parent(fields["in_reply_to_ap_id"])
    if parent is not None:
        return await _comment(parent, sender, fields, obj, addressed)
    recipients = await _local_addressees(addressed, sender)
    audience = audience_from_addressing(addressed, sender.followers_url)
    if audience == Audience.DIRECT and inbox_space_id is not None:
        space = await Space.get(id=inbox_space_id)
        if not await policy.is_blocked(space.actor_id, sender.id):
            recipients.append(space.actor_id)
    followed = await Follow.filter(
        followed_id=sender.id, state=FollowState.ACCEPTED, follower__is_local=True
    ).exists()
    if not recipients and (not followed or audience == Audience.DIRECT):
        log.info(
            "dropped %s: nobody here follows %s or is addressed", fields["ap_id"], sender.ap_id
        )
        return None
    return await _save({**fields, "audience": audience}, obj, recipients)


async def _comment(
    parent: Item,
    sender: Actor,
    fields: dict[str, Any],
    obj: dict[str, Any],
    addressed: dict[str, set[str]],
) -> Item | None:
    """A reply stored under its thread; in a local thread only if the sender may comment."""
    root = await Item.get(id=parent.root_id) if parent.root_id else parent
    fields.update(kind=ItemKind.COMMENT, in_reply_to_id=parent.id, root_id=root.id)
    if root.space_id is not None:
        space = await Space.get(id=root.space_id)
        viewer = await viewer_for(sender)
        if not viewer.can_see(root) or not await policy.allowed(
            policy.Action.COMMENT, space=space, actor=sender, item=root
        ):
            log.info("dropped comment %s by %s: not allowed", fields["ap_id"], sender.ap_id)
            return None
        fields.update(audience=root.audience, group_id=root.group_id, space_id=root.space_id)
        recipients: list[int] = []
        if root.audience == Audience.DIRECT:
            recipients = [root.author_id, *await _recipients_of(root)]
    else:
        fields["audience"] = audience_from_addressing(addressed, sender.followers_url)
        recipients = await _local_addressees(addressed, sender)
    comment = await _save(fields, obj, recipients)
    if comment is None:
        return None
    await Item.filter(id=root.id).update(comment_count=F("comment_count") + 1)
    await notifications.notify(
        await notifications.space_of_actor(root.author_id), Kind.COMMENT, actor=sender, item=comment
    )
    if parent.id != root.id and parent.author_id != root.author_id:
        await notifications.notify(
            await notifications.space_of_actor(parent.author_id),
            Kind.REPLY,
            actor=sender,
            item=comment,
        )
    await freshness.touch(root.space_id)
    return comment


async def _recipients_of(item: Item) -> list[int]:
    return list(await ItemRecipient.filter(item_id=item.id).values_list("actor_id", flat=True))


def strip_leading_mention(html_text: str, owner: Actor) -> str:
    """The message without the mention of the wall's owner it starts with (senders put it
    there for Mastodon's sake; on the wall it would only repeat whose wall it is)."""
    links = "|".join(re.escape(u) for u in {owner.ap_id, owner.url or owner.ap_id})
    pattern = (
        rf'^<p>\s*(?:<span\b[^>]*>)?<a\b[^>]*\bhref="(?:{links})"[^>]*>'
        r"@?(?:<span>)?[^<]*(?:</span>)?</a>(?:</span>)?\s*"
    )
    return re.sub(pattern, "<p>", html_text, count=1)


async def _guestbook_message(
    wall: Space,
    sender: Actor,
    fields: dict[str, Any],
    obj: dict[str, Any],
    addressed: dict[str, set[str]],
) -> Item | None:
    """A message on a local wall: kept if the policy lets the sender write there, held on a
    moderated wall; without Public in its addressing it is private (owner and writer)."""
    if not await policy.allowed(policy.Action.GUESTBOOK, space=wall, actor=sender):
        log.info("dropped guestbook message %s by %s: not allowed", fields["ap_id"], sender.ap_id)
        return None
    everyone = addressed["to"] | addressed["cc"] | addressed["other"]
    public = bool(everyone & PUBLIC_ALIASES)
    fields.update(
        kind=ItemKind.GUESTBOOK,
        space_id=wall.id,
        audience=Audience.PUBLIC if public else Audience.DIRECT,
        state=ItemState.HELD if wall.guestbook_moderated else ItemState.PUBLISHED,
        content_html=strip_leading_mention(fields["content_html"], wall.actor),
    )
    entry = await _save(fields, obj, [] if public else [wall.actor_id])
    if entry is not None:
        await notifications.notify(wall.id, Kind.GUESTBOOK, actor=sender, item=entry)
        await freshness.touch(wall.id)
    return entry


async def update_object(
    sender: Actor,
    obj: dict[str, Any],
    activity: dict[str, Any] | None = None,
    *,
    inbox_space_id: int | None = None,
) -> Item | None:
    """Apply an Update of a remote object stored here: text, attachments and, for posts,
    who it is addressed to. Ignored (None) for unknown objects or another author's."""
    try:
        fields = note_to_item_fields(obj)
    except ValueError:
        return None
    item = await Item.get_or_none(ap_id=fields["ap_id"], is_local=False, deleted_at=None)
    if item is None or item.author_id != sender.id:
        return None
    changes = {
        name: fields[name]
        for name in ("title", "summary", "content_html", "url", "sensitive", "ap_raw")
    }
    if item.kind == ItemKind.GUESTBOOK:
        owner = await Actor.get(id=(await Space.get(id=item.space_id)).actor_id)
        changes["content_html"] = strip_leading_mention(changes["content_html"], owner)
    changes["content_html"] += other_attachment_links(obj)
    changes["updated_at"] = fields["updated_at"] or datetime.now(UTC)
    top_level = item.space_id is None and item.root_id is None
    async with in_transaction():
        if top_level:
            # A qspace friend who narrows an item's audience sends an Update: apply it here.
            addressed = addressing_of(obj, activity)
            changes["audience"] = audience_from_addressing(addressed, sender.followers_url)
            recipients = await _local_addressees(addressed, sender)
            if changes["audience"] == Audience.DIRECT and inbox_space_id is not None:
                recipients.append((await Space.get(id=inbox_space_id)).actor_id)
            await ItemRecipient.filter(item_id=item.id).delete()
            await ItemRecipient.bulk_create(
                [ItemRecipient(item_id=item.id, actor_id=a) for a in sorted(set(recipients))]
            )
        await Item.filter(id=item.id).update(**changes)
        await Media.filter(item_id=item.id).delete()
        await _save_media(item, obj)
    await freshness.touch(item.space_id)
    return await Item.get(id=item.id)


async def delete_object(sender: Actor, ap_id: str | None) -> Item | None:
    """Tombstone the local copy of a remote object its author deleted: hidden everywhere,
    its text and attachments gone. Ignored (None) for unknown objects or another author's."""
    if not ap_id:
        return None
    item = await Item.get_or_none(ap_id=ap_id, is_local=False, deleted_at=None)
    if item is None or item.author_id != sender.id:
        return None
    async with in_transaction():
        await Item.filter(id=item.id).update(
            deleted_at=datetime.now(UTC), content_html="", title="", summary="", ap_raw=None
        )
        await Media.filter(item_id=item.id).delete()
        if item.kind == ItemKind.COMMENT and item.root_id is not None:
            await Item.filter(id=item.root_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
    await freshness.touch(item.space_id)
    return item
