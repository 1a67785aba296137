"""Blocking someone: no follows, no interaction and no delivery either way."""

from __future__ import annotations

import secrets

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from qspace.mapping import undo_to_activity
from qspace.models import Actor, Block, Follow, Space
from qspace.services import freshness
from qspace.services.errors import NotFound, ServiceError
from qspace.services.outbox import enqueue_activity
from qspace.urls import Urls


def block_to_activity(ap_id: str, actor_ap_id: str, blocked_ap_id: str) -> dict:
    return {"id": ap_id, "type": "Block", "actor": actor_ap_id, "object": blocked_ap_id}


async def block(urls: Urls, space: Space, target: Actor) -> Block:
    """Block `target`: follows both ways end; a remote person's server is sent a Block (as
    Mastodon does) so it stops delivering. No-op when already blocked."""
    if target.id == space.actor_id:
        raise ServiceError("You can't block yourself.")
    me = await Actor.get(id=space.actor_id)
    existing = await Block.get_or_none(blocker_id=me.id, blocked_id=target.id)
    if existing is not None:
        return existing
    async with in_transaction():
        await Follow.filter(
            Q(follower_id=me.id, followed_id=target.id)
            | Q(follower_id=target.id, followed_id=me.id)
        ).delete()
        made = await Block.create(
            blocker=me,
            blocked=target,
            ap_id=urls.activity(space.name, "block", secrets.token_hex(16)),
        )
        if not target.is_local:
            await enqueue_activity(
                block_to_activity(str(made.ap_id), me.ap_id, target.ap_id),
                actor=me,
                inboxes=[target.inbox],
            )
    await freshness.touch(space.id)
    return made


async def unblock(urls: Urls, space: Space, target: Actor) -> None:
    """Lift a block; a remote server gets an Undo of the Block."""
    me = await Actor.get(id=space.actor_id)
    existing = await Block.get_or_none(blocker_id=me.id, blocked_id=target.id)
    if existing is None:
        raise NotFound("You don't block this person.")
    async with in_transaction():
        await existing.delete()
        if not target.is_local:
            undo = undo_to_activity(
                urls.activity(space.name, "undo", secrets.token_hex(16)),
                me.ap_id,
                block_to_activity(str(existing.ap_id), me.ap_id, target.ap_id),
            )
            await enqueue_activity(undo, actor=me, inboxes=[target.inbox])
    await freshness.touch(space.id)


async def blocked_by(space: Space) -> list[Actor]:
    rows = await Block.filter(blocker_id=space.actor_id).select_related("blocked").order_by("-id")
    return [row.blocked for row in rows]


async def is_blocking(blocker_id: int, blocked_id: int) -> bool:
    return await Block.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()
