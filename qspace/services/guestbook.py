"""The guestbook: a wall on every space where signed-in people leave messages."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Audience, Item, ItemKind, ItemRecipient, ItemState, Space
from qspace.services import federate, freshness, notifications, policy
from qspace.services.audience import Viewer
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.services.notifications import Kind
from qspace.services.text import render_text
from qspace.urls import Urls

MESSAGE_MAX_CHARS = 2000
PINNED_MAX_CHARS = 2000


def _now() -> datetime:
    return datetime.now(UTC)


async def write(
    urls: Urls, *, wall: Space, writer_space: Space, text: str, private: bool = False
) -> Item:
    """Leave a message on `wall`. A private message is seen by the owner and the writer only;
    on a moderated wall it waits for the owner's approval.

    Raises Forbidden if the policy says no, ServiceError for empty or too long text.
    """
    text = text.strip()
    if not text:
        raise ServiceError(_("A guestbook message needs some text."))
    if len(text) > MESSAGE_MAX_CHARS:
        raise ServiceError(
            _("Guestbook messages may have at most %(count)d characters.")
            % {"count": MESSAGE_MAX_CHARS}
        )
    writer = await writer_space.actor
    await policy.check(policy.Action.GUESTBOOK, space=wall, actor=writer)
    own_wall = writer.id == wall.actor_id
    held = wall.guestbook_moderated and not own_wall
    async with in_transaction():
        entry = await Item.create(
            ap_id=f"urn:qspace:pending:gb:{writer.id}:{_now().timestamp()}",
            kind=ItemKind.GUESTBOOK,
            author=writer,
            space=wall,
            audience=Audience.DIRECT if private else Audience.PUBLIC,
            state=ItemState.HELD if held else ItemState.PUBLISHED,
            source=text,
            content_html=(await render_text(urls, text)).html,
            published_at=_now(),
        )
        entry.ap_id = urls.guestbook_entry(wall.name, entry.id)
        await entry.save(update_fields=["ap_id"])
        if private:
            await ItemRecipient.create(item=entry, actor_id=wall.actor_id)
    await notifications.notify(wall.id, Kind.GUESTBOOK, actor=writer, item=entry)
    await freshness.touch(wall.id)
    return entry


async def _entry_of(wall: Space, entry_id: int) -> Item:
    entry = await Item.get_or_none(
        id=entry_id, space_id=wall.id, kind=ItemKind.GUESTBOOK, deleted_at=None
    )
    if entry is None:
        raise NotFound(_("No such guestbook message."))
    return entry


async def moderate(wall: Space, entry_id: int, *, actor_id: int, action: str) -> Item:
    """The owner approves, hides or shows again a message on their wall."""
    if actor_id != wall.actor_id:
        raise Forbidden(_("Only the owner of the space can do that."))
    entry = await _entry_of(wall, entry_id)
    states = {"approve": ItemState.PUBLISHED, "hide": ItemState.HIDDEN, "show": ItemState.PUBLISHED}
    if action not in states:
        raise ServiceError(_("Unknown moderation action."))
    entry.state = states[action]
    await entry.save(update_fields=["state"])
    await freshness.touch(wall.id)
    return entry


async def delete(wall: Space, entry_id: int, *, actor_id: int) -> None:
    """The owner or the writer deletes a message (it becomes a tombstone)."""
    entry = await _entry_of(wall, entry_id)
    if actor_id not in (wall.actor_id, entry.author_id):
        raise Forbidden(_("Only the owner or the writer can delete this message."))
    entry.deleted_at = _now()
    entry.content_html = ""
    entry.source = ""
    await entry.save(update_fields=["deleted_at", "content_html", "source"])
    await freshness.touch(wall.id)
    await federate.guestbook_entry_deleted(entry, by_actor_id=actor_id)  # issue 6


async def set_pinned_note(wall: Space, text: str) -> None:
    if len(text) > PINNED_MAX_CHARS:
        raise ServiceError(
            _("The pinned note may have at most %(count)d characters.")
            % {"count": PINNED_MAX_CHARS}
        )
    wall.pinned_note = text.strip()
    await wall.save(update_fields=["pinned_note"])
    await freshness.touch(wall.id)


async def entries(wall: Space, viewer: Viewer, *, limit: int = 20, offset_id: int | None = None):
    """Messages on `wall` the viewer may see, newest first (held ones only for the owner)."""
    query = Item.filter(viewer.item_filter(), space_id=wall.id, kind=ItemKind.GUESTBOOK)
    if offset_id:
        query = query.filter(id__lt=offset_id)
    return await query.order_by("-id").limit(limit).select_related("author")


async def held_count(wall: Space) -> int:
    return await Item.filter(
        space_id=wall.id, kind=ItemKind.GUESTBOOK, state=ItemState.HELD, deleted_at=None
    ).count()


async def replies_for(entry_ids: list[int], viewer: Viewer) -> dict[int, list[Item]]:
    """Replies (comments) under each guestbook message that the viewer may see."""
    found: dict[int, list[Item]] = {}
    if not entry_ids:
        return found
    rows = (
        await Item.filter(viewer.item_filter(), root_id__in=entry_ids, kind=ItemKind.COMMENT)
        .order_by("published_at", "id")
        .select_related("author")
    )
    for row in rows:
        found.setdefault(row.root_id, []).append(row)
    return found
