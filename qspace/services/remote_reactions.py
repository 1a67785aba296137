"""Likes and shares from other servers: counted on the local items they name, and undone.

A reaction counts only on content shown here (a local item, or a comment in a local thread),
only if its sender may see the item and the interaction policy lets them (blocks included);
anything else is dropped. Each is stored with its activity id, so a repeated delivery counts
once and an Undo finds it.
"""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from qspace.models import Actor, Audience, Item, Like, Share, Space
from qspace.services import freshness, notifications, policy
from qspace.services.audience import viewer_for
from qspace.services.notifications import Kind

log = logging.getLogger("qspace.federation")

# kind -> (model, counter column, policy action, notification)
_KINDS = {
    "Like": (Like, "like_count", policy.Action.LIKE, Kind.LIKE),
    "Announce": (Share, "share_count", policy.Action.SHARE, Kind.SHARE),
}


async def _target(kind: str, sender: Actor, object_id: str | None) -> Item | None:
    """The item a reaction names, if the sender may react to it here."""
    item = await Item.get_or_none(ap_id=object_id, deleted_at=None) if object_id else None
    if item is None or (not item.is_local and item.space_id is None):
        return None  # not content of this server: not ours to count
    if kind == "Announce" and item.audience not in (Audience.PUBLIC, Audience.UNLISTED):
        return None
    if not (await viewer_for(sender)).can_see(item):
        return None
    action = _KINDS[kind][2]
    if item.space_id is not None:
        space = await Space.get(id=item.space_id)
        allowed = await policy.allowed(action, space=space, actor=sender, item=item)
    else:  # a local comment in another server's thread: only its author's blocks apply
        allowed = not await policy.is_blocked(item.author_id, sender.id)
    return item if allowed else None


async def receive_reaction(
    kind: str, sender: Actor, object_id: str | None, ap_id: str
) -> Item | None:
    """Count a remote Like or Announce (`kind`) of a local item and notify its author.

    Returns the item, or None when the reaction is dropped or was counted before.
    """
    item = await _target(kind, sender, object_id)
    if item is None:
        log.info("dropped %s %s by %s", kind, ap_id, sender.ap_id)
        return None
    model, counter, _action, notification = _KINDS[kind]
    try:
        async with in_transaction():
            await model.create(actor=sender, item=item, ap_id=ap_id)
            await Item.filter(id=item.id).update(**{counter: F(counter) + 1})
    except IntegrityError:  # already counted (same activity, or the same person again)
        return None
    await notifications.notify(
        await notifications.space_of_actor(item.author_id), notification, actor=sender, item=item
    )
    await freshness.touch(item.space_id)
    return item


async def undo_reaction(
    kind: str, sender: Actor, undone_id: str | None, object_id: str | None
) -> bool:
    """Take back a remote Like or Announce, matched by its id, else by sender and object."""
    model, counter, _action, _notification = _KINDS[kind]
    reaction = None
    if undone_id:
        reaction = await model.get_or_none(ap_id=undone_id, actor_id=sender.id)
    if reaction is None and object_id:
        reaction = await model.get_or_none(actor_id=sender.id, item__ap_id=object_id)
    if reaction is None:
        return False
    item = await Item.get(id=reaction.item_id)
    async with in_transaction():
        await model.filter(id=reaction.id).delete()
        await Item.filter(id=item.id, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})
    await freshness.touch(item.space_id)
    return True
