"""Notifications: what happened to a space (comments, likes, friend requests, ...)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from qspace.models import Actor, Item, Notification, Space


class Kind(StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    LIKE = "like"
    SHARE = "share"
    GUESTBOOK = "guestbook"
    FRIEND_REQUEST = "friend_request"
    FRIEND_ACCEPTED = "friend_accepted"


async def notify(
    space_id: int | None, kind: Kind, *, actor: Actor, item: Item | None = None
) -> None:
    """Tell the space `space_id` about something `actor` did; nothing for one's own actions."""
    if space_id is None:
        return
    space = await Space.get_or_none(id=space_id)
    if space is None or space.actor_id == actor.id:
        return
    await Notification.create(recipient_id=space_id, kind=kind.value, actor=actor, item=item)


async def space_of_actor(actor_id: int) -> int | None:
    """The local space behind an actor (None for remote actors)."""
    space = await Space.get_or_none(actor_id=actor_id).only("id")
    return space.id if space else None


async def latest(space: Space, limit: int = 50) -> list[Notification]:
    return (
        await Notification.filter(recipient_id=space.id)
        .order_by("-created_at", "-id")
        .limit(limit)
        .prefetch_related("actor", "item")
    )


async def mark_all_read(space: Space) -> int:
    return await Notification.filter(recipient_id=space.id, read_at=None).update(
        read_at=datetime.now(UTC)
    )
