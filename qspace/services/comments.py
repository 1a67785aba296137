"""Comments: threaded replies on every item, written by local people (remote ones come in
through federation and land in the same rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Audience, Item, ItemKind, ItemRecipient, Space
from qspace.services import federate, freshness, notifications, policy
from qspace.services.audience import Viewer
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.services.notifications import Kind
from qspace.services.text import render_text
from qspace.urls import Urls

COMMENT_MAX_CHARS = 5000
MAX_DEPTH = 6  # deeper replies are shown at this depth, in order


def _now() -> datetime:
    return datetime.now(UTC)


async def _render(urls: Urls, text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(_("A comment needs some text."))
    if len(text) > COMMENT_MAX_CHARS:
        raise ServiceError(
            _("Comments may have at most %(count)d characters.") % {"count": COMMENT_MAX_CHARS}
        )
    return (await render_text(urls, text)).html


async def add_comment(
    urls: Urls, *, author_space: Space, target_id: int, text: str, viewer: Viewer
) -> Item:
    """Comment on an item or reply to a comment. The comment takes its thread's audience.

    Raises NotFound if the viewer can't see the target, Forbidden if the policy says no,
    ServiceError for empty or too long text.
    """
    target = await Item.get_or_none(id=target_id).select_related("space")
    if target is None or not viewer.can_see(target) or target.space is None:
        raise NotFound(_("No such item."))
    root = await Item.get(id=target.root_id).select_related("space") if target.root_id else target
    author = await author_space.actor
    await policy.check(policy.Action.COMMENT, space=root.space, actor=author, item=root)
    html = await _render(urls, text)
    async with in_transaction():
        comment = await Item.create(
            ap_id=f"urn:qspace:pending:{author.id}:{_now().timestamp()}",
            kind=ItemKind.COMMENT,
            author=author,
            space_id=root.space_id,
            audience=root.audience,
            group_id=root.group_id,
            source=text.strip(),
            content_html=html,
            in_reply_to=target,
            in_reply_to_ap_id=target.ap_id,
            root=root,
            published_at=_now(),
        )
        comment.ap_id = urls.comment(author_space.name, comment.id)
        await comment.save(update_fields=["ap_id"])
        if root.audience == Audience.DIRECT:
            # A private thread stays between the people it was addressed to.
            people = set(
                await ItemRecipient.filter(item_id=root.id).values_list("actor_id", flat=True)
            )
            people.add(root.author_id)
            await ItemRecipient.bulk_create(
                [ItemRecipient(item_id=comment.id, actor_id=a) for a in people]
            )
        await Item.filter(id=root.id).update(comment_count=F("comment_count") + 1)
    await notifications.notify(
        await notifications.space_of_actor(root.author_id), Kind.COMMENT, actor=author, item=comment
    )
    if target.id != root.id and target.author_id != root.author_id:
        await notifications.notify(
            await notifications.space_of_actor(target.author_id),
            Kind.REPLY,
            actor=author,
            item=comment,
        )
    await freshness.touch(root.space_id)
    await federate.sync_item(comment)  # federation: to the thread's audience (issue 6)
    return comment


async def _own_comment(comment_id: int, actor_id: int) -> Item:
    comment = await Item.get_or_none(id=comment_id, kind=ItemKind.COMMENT, deleted_at=None)
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


async def edit_comment(urls: Urls, comment_id: int, *, actor_id: int, text: str) -> Item:
    """Change a comment's text; only its author may. Keeps `updated_at`."""
    comment = await _own_comment(comment_id, actor_id)
    if comment.author_id != actor_id:
        raise Forbidden(_("Only the author can edit a comment."))
    comment.content_html = await _render(urls, text)
    comment.source = text.strip()
    comment.updated_at = _now()
    await comment.save(update_fields=["content_html", "source", "updated_at"])
    await freshness.touch(comment.space_id)
    await federate.sync_item(comment)  # federation: an Update where it was sent
    return comment


async def delete_comment(comment_id: int, *, actor_id: int) -> Item:
    """Delete a comment: its author or the owner of the space it is on may.

    The row stays as a tombstone (so replies keep their place) with its text removed.
    """
    comment = await _own_comment(comment_id, actor_id)
    space = await Space.get_or_none(id=comment.space_id) if comment.space_id else None
    if comment.author_id != actor_id and (space is None or space.actor_id != actor_id):
        raise Forbidden(_("Only the author or the space owner can delete a comment."))
    async with in_transaction():
        comment.deleted_at = _now()
        comment.content_html = ""
        comment.source = ""
        await comment.save(update_fields=["deleted_at", "content_html", "source"])
        if comment.root_id:
            await Item.filter(id=comment.root_id).update(comment_count=F("comment_count") - 1)
    await freshness.touch(comment.space_id)
    await federate.item_deleted(comment)  # federation: a Delete where it was sent
    return comment


@dataclass(frozen=True)
class ThreadEntry:
    comment: Item
    depth: int
    deleted: bool


async def thread(root: Item, viewer: Viewer) -> list[ThreadEntry]:
    """The comments under `root` the viewer may see, in reading order (replies under their
    parent). A deleted comment with visible replies stays as a placeholder."""
    visible = {
        c.id: c
        for c in await Item.filter(viewer.item_filter(), root_id=root.id, kind=ItemKind.COMMENT)
        .order_by("published_at", "id")
        .select_related("author")
    }
    deleted = {
        c.id: c
        for c in await Item.filter(root_id=root.id, kind=ItemKind.COMMENT)
        .exclude(deleted_at=None)
        .select_related("author")
    }
    children: dict[int, list[Item]] = {}
    for c in [*visible.values(), *deleted.values()]:
        children.setdefault(c.in_reply_to_id or root.id, []).append(c)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.published_at or c.created_at, c.id))
    out: list[ThreadEntry] = []

    def has_visible_descendant(item_id: int) -> bool:
        return any(
            c.id in visible or has_visible_descendant(c.id) for c in children.get(item_id, [])
        )

    def walk(parent_id: int, depth: int) -> None:
        for c in children.get(parent_id, []):
            if c.id in visible:
                out.append(ThreadEntry(c, min(depth, MAX_DEPTH), False))
                walk(c.id, depth + 1)
            elif has_visible_descendant(c.id):
                out.append(ThreadEntry(c, min(depth, MAX_DEPTH), True))
                walk(c.id, depth + 1)

    walk(root.id, 0)
    return out
