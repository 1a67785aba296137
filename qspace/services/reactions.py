"""Likes and shares of items and comments, with their counts."""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Actor, Item, Like, Share, Space
from qspace.services import federate, freshness, notifications, policy
from qspace.services.audience import Viewer
from qspace.services.errors import NotFound
from qspace.services.notifications import Kind


async def _target(item_id: int, viewer: Viewer) -> tuple[Item, Space | None]:
    item = await Item.get_or_none(id=item_id).select_related("space")
    # Items of other servers (no space here) can be liked and shared too (issue 6): their
    # own server applies its policy when the Like or Announce arrives.
    if item is None or (item.space is None and item.is_local) or not viewer.can_see(item):
        raise NotFound(_("No such item."))
    return item, item.space


async def toggle_like(item_id: int, *, actor: Actor, viewer: Viewer) -> bool:
    """Like the item, or take the like back; returns True when it is now liked.

    Raises NotFound if the viewer can't see it, Forbidden if the policy says no.
    """
    item, space = await _target(item_id, viewer)
    async with in_transaction():
        existing = await Like.get_or_none(actor_id=actor.id, item_id=item.id)
        if existing is not None:
            await existing.delete()
            await Item.filter(id=item.id).update(like_count=F("like_count") - 1)
        else:
            if space is not None:
                await policy.check(policy.Action.LIKE, space=space, actor=actor, item=item)
            await Like.create(actor=actor, item=item)
            await Item.filter(id=item.id).update(like_count=F("like_count") + 1)
    await freshness.touch(item.space_id)
    await federate.reaction_changed("Like", actor, item, on=existing is None)  # issue 6
    if existing is not None:
        return False
    await notifications.notify(
        await notifications.space_of_actor(item.author_id), Kind.LIKE, actor=actor, item=item
    )
    return True


async def toggle_share(item_id: int, *, actor: Actor, viewer: Viewer) -> bool:
    """Share the item with one's friends (or take the share back); only public items can be
    shared, since a share shows the item to people its audience may not include."""
    item, space = await _target(item_id, viewer)
    async with in_transaction():
        existing = await Share.get_or_none(actor_id=actor.id, item_id=item.id)
        if existing is not None:
            await existing.delete()
            await Item.filter(id=item.id).update(share_count=F("share_count") - 1)
        else:
            if item.audience.value != "public":
                raise NotFound(_("Only public items can be shared."))
            if space is not None:
                await policy.check(policy.Action.SHARE, space=space, actor=actor, item=item)
            await Share.create(actor=actor, item=item)
            await Item.filter(id=item.id).update(share_count=F("share_count") + 1)
    await freshness.touch(item.space_id)
    await federate.reaction_changed("Announce", actor, item, on=existing is None)  # issue 6
    if existing is not None:
        return False
    await notifications.notify(
        await notifications.space_of_actor(item.author_id), Kind.SHARE, actor=actor, item=item
    )
    return True


async def likers(item_id: int, viewer: Viewer, limit: int = 200) -> list[Actor]:
    """Who liked the item (newest first), if the viewer may see the item."""
    item, _space = await _target(item_id, viewer)
    likes = await Like.filter(item_id=item.id).order_by("-id").limit(limit).select_related("actor")
    return [like.actor for like in likes]


async def liked_by(actor_id: int | None, item_ids: list[int]) -> set[int]:
    """Which of `item_ids` the actor liked (for showing the like buttons' state)."""
    if actor_id is None or not item_ids:
        return set()
    return set(
        await Like.filter(actor_id=actor_id, item_id__in=item_ids).values_list("item_id", flat=True)
    )
