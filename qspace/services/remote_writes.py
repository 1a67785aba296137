"""Local people writing on other servers' things: comments on remote posts, messages on
remote walls. The item is stored here (the writer sees it and can delete it) and federated.

A comment takes its thread's audience, as local comments do; it goes to the remote author and
to whom the original was addressed (`addressing._remote_thread_addressing`). A wall message is
addressed to the wall's owner with their wall as `target` when their server publishes one
(FEP-400e; qspace and Smithereen do), else it is a plain mention Mastodon can answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Actor, Audience, Item, ItemKind, ItemRecipient, Space
from qspace.services import federate, notifications, policy
from qspace.services.audience import Viewer
from qspace.services.comments import COMMENT_MAX_CHARS
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.services.guestbook import MESSAGE_MAX_CHARS
from qspace.services.notifications import Kind
from qspace.services.text import render_text
from qspace.urls import Urls


def _now() -> datetime:
    return datetime.now(UTC)


def _checked(text: str, limit: int, empty: str, too_long: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(empty)
    if len(text) > limit:
        raise ServiceError(too_long % {"count": limit})
    return text


async def comment_on_remote(
    urls: Urls, *, author_space: Space, target_id: int, text: str, viewer: Viewer
) -> Item:
    """Comment on another server's post (or reply to a comment in its thread).

    Raises NotFound when the viewer can't see the target or it is not in a remote thread
    (local threads go through `comments.add_comment`), Forbidden when its author blocks the
    commenter, ServiceError for empty or too long text.
    """
    target = await Item.get_or_none(id=target_id)
    if target is None or not viewer.can_see(target):
        raise NotFound(_("No such item."))
    root = await Item.get(id=target.root_id) if target.root_id else target
    if root.space_id is not None or root.is_local:
        raise NotFound(_("No such item."))
    author = await Actor.get(id=author_space.actor_id)
    if await policy.is_blocked(root.author_id, author.id):
        raise Forbidden(_("The owner of this space doesn't allow you to comment here."))
    text = _checked(
        text,
        COMMENT_MAX_CHARS,
        _("A comment needs some text."),
        _("Comments may have at most %(count)d characters."),
    )
    html = (await render_text(urls, text)).html
    async with in_transaction():
        comment = await Item.create(
            ap_id=f"urn:qspace:pending:{author.id}:{_now().timestamp()}",
            kind=ItemKind.COMMENT,
            author=author,
            audience=root.audience,
            source=text,
            content_html=html,
            in_reply_to=target,
            in_reply_to_ap_id=target.ap_id,
            root=root,
            published_at=_now(),
        )
        comment.ap_id = urls.comment(author_space.name, comment.id)
        await comment.save(update_fields=["ap_id"])
        if root.audience == Audience.DIRECT:
            people = set(
                await ItemRecipient.filter(item_id=root.id).values_list("actor_id", flat=True)
            )
            people.add(root.author_id)
            await ItemRecipient.bulk_create(
                [ItemRecipient(item_id=comment.id, actor_id=a) for a in sorted(people)]
            )
        await Item.filter(id=root.id).update(comment_count=F("comment_count") + 1)
    if target.id != root.id:
        await notifications.notify(
            await notifications.space_of_actor(target.author_id),
            Kind.REPLY,
            actor=author,
            item=comment,
        )
    await federate.sync_item(comment)
    return comment


def remote_wall(owner: Actor) -> str | None:
    """The wall collection another server publishes for `owner`, if any.

    FEP-400e lets actors name their publicly-appendable collections; Smithereen publishes
    `wall`. A qspace space's wall is its guestbook page (`/@name/guestbook`), recognised by
    the shape of a qspace actor document.
    """
    raw: dict[str, Any] = owner.ap_raw or {}
    wall = raw.get("wall")
    if isinstance(wall, str) and wall.startswith(("https://", "http://")):
        return wall
    ap_id = owner.ap_id
    if "/@" in ap_id and raw.get("outbox") == f"{ap_id}/outbox" and raw.get("featured"):
        return f"{ap_id}/guestbook"
    return None


async def write_on_remote_wall(
    urls: Urls, *, writer_space: Space, owner: Actor, text: str, private: bool = False
) -> Item:
    """Leave a message on a remote person's wall (their guestbook, or a mention on Mastodon).

    A private one is seen by the owner and the writer only. Raises NotFound for a local or
    gone owner (local walls: `guestbook.write`), Forbidden when either blocks the other,
    ServiceError for empty or too long text.
    """
    if owner.is_local or owner.deleted_at is not None:
        raise NotFound(_("No such person."))
    writer = await Actor.get(id=writer_space.actor_id)
    if await policy.is_blocked(owner.id, writer.id):
        raise Forbidden(
            _("The owner of this space doesn't allow you to write in the guestbook here.")
        )
    text = _checked(
        text,
        MESSAGE_MAX_CHARS,
        _("A guestbook message needs some text."),
        _("Guestbook messages may have at most %(count)d characters."),
    )
    wall = remote_wall(owner)
    sent: dict[str, Any] = {}
    if wall:
        sent["target"] = {"type": "OrderedCollection", "id": wall, "attributedTo": owner.ap_id}
    async with in_transaction():
        entry = await Item.create(
            ap_id=f"urn:qspace:pending:wall:{writer.id}:{_now().timestamp()}",
            kind=ItemKind.GUESTBOOK,
            author=writer,
            audience=Audience.DIRECT if private else Audience.PUBLIC,
            source=text,
            content_html=(await render_text(urls, text)).html,
            ap_raw=sent,
            published_at=_now(),
        )
        entry.ap_id = f"{urls.space(writer_space.name)}/notes/{entry.id}"
        await entry.save(update_fields=["ap_id"])
        await ItemRecipient.create(item=entry, actor=owner)
    await federate.sync_item(entry)
    return entry


async def remote_wall_posts(owner: Actor, viewer: Viewer, limit: int = 20) -> list[Item]:
    """Messages local people left on `owner`'s remote wall that the viewer may see."""
    ids = await ItemRecipient.filter(actor_id=owner.id).values_list("item_id", flat=True)
    return (
        await Item.filter(
            viewer.item_filter(), id__in=list(ids), kind=ItemKind.GUESTBOOK, space_id=None
        )
        .order_by("-id")
        .limit(limit)
        .select_related("author")
    )
