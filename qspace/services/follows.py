"""Friend requests as ActivityPub follows: ask, accept, reject, undo; locally and across servers.

Friends are accepted follows both ways (see `services/audience.py`). A follow between two
spaces of this server is written directly; with a remote person the same change also queues
the Follow / Accept / Reject / Undo activity (`services/outbox.py`). The `receive_*` functions
apply what another server sent; `services/inbox.py` calls them.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from qspace.mapping import follow_answer_to_activity, follow_to_activity, undo_to_activity
from qspace.models import Actor, Block, Follow, FollowState, Space
from qspace.services import freshness, notifications
from qspace.services.errors import Conflict, Forbidden, NotFound, ServiceError
from qspace.services.outbox import enqueue_activity
from qspace.services.policy import is_blocked
from qspace.services.remote_actors import RemoteActors
from qspace.urls import Urls


def _token() -> str:
    return secrets.token_hex(16)


async def _actor_of(space: Space) -> Actor:
    """The space's actor (already loaded by get_space, else read)."""
    loaded = getattr(space, "_actor", None)  # where Tortoise keeps a select_related relation
    if isinstance(loaded, Actor):
        return loaded
    return await Actor.get(id=space.actor_id)


async def resolve_remote(remote: RemoteActors, handle_or_url: str) -> Actor:
    """Find a person by `@user@host`, `user@host` or actor URL; remote ones are fetched.

    Raises NotFound for an unknown local name, ServiceError for a malformed handle and
    federation.fetch.FetchError when the other server cannot be asked.
    """
    return await remote.resolve(handle_or_url)


async def request_follow(urls: Urls, follower: Space, target: Actor) -> Follow:
    """Ask to follow `target` (a friend request when `target` follows back).

    A local target is followed directly: at once when its space accepts follows
    automatically or is following back (see `welcomes`), else pending until its owner
    approves. A remote target gets a Follow activity queued in the same transaction; the
    follow stays pending until its Accept.
    Raises ServiceError for following oneself, Forbidden when either blocks the other,
    Conflict when a follow (pending or accepted) exists already.
    """
    me = await _actor_of(follower)
    if target.id == me.id:
        raise ServiceError("You can't follow yourself.")
    if target.deleted_at is not None:
        raise NotFound("That person is gone.")
    if await is_blocked(me.id, target.id):
        raise Forbidden("You can't follow this person.")
    target_space = await Space.get_or_none(actor_id=target.id) if target.is_local else None
    accepted = target_space is not None and await welcomes(target_space, target, me)
    conflict = Conflict(f"You already follow or asked to follow {target.handle}.")
    if await Follow.filter(follower_id=me.id, followed_id=target.id).exists():
        raise conflict
    try:
        follow = await _create_follow(urls, follower, me, target, accepted)
    except IntegrityError:  # a concurrent request made the same follow
        raise conflict from None
    await freshness.touch_actors(me.id, target.id)  # their friends modules may change
    if target_space is not None:
        kind = notifications.Kind.FRIEND_ACCEPTED if accepted else notifications.Kind.FRIEND_REQUEST
        await notifications.notify(target_space.id, kind, actor=me)
    return follow


async def _create_follow(
    urls: Urls, follower: Space, me: Actor, target: Actor, accepted: bool
) -> Follow:
    """Store the follow and, for a remote target, queue its Follow activity, atomically."""
    async with in_transaction():
        follow = await Follow.create(
            follower_id=me.id,
            followed_id=target.id,
            state=FollowState.ACCEPTED if accepted else FollowState.PENDING,
            accepted_at=datetime.now(UTC) if accepted else None,
            ap_id=urls.activity(follower.name, "follow", _token()),
        )
        if not target.is_local:
            activity = follow_to_activity(str(follow.ap_id), me.ap_id, target.ap_id)
            await enqueue_activity(activity, actor=me, inboxes=[target.inbox])
    return follow


async def welcomes(space: Space, space_actor: Actor, follower: Actor) -> bool:
    """Whether a follow of `space` by `follower` is accepted without asking its owner.

    True when the space accepts follows automatically, or when the space itself asked to
    follow `follower` (pending or accepted): the friend request was the space's, so the
    follow back completes it.
    """
    if space.auto_accept_follows:
        return True
    return await Follow.filter(follower_id=space_actor.id, followed_id=follower.id).exists()


def _embedded_follow(follow: Follow, follower: Actor, followed: Actor) -> dict[str, Any]:
    """The Follow an Accept/Reject/Undo refers to, as the follower sent it.

    A follow recorded without an activity id (made before it federated) is embedded without
    one; receivers then match it by its actor and object.
    """
    activity = follow_to_activity(follow.ap_id or "", follower.ap_id, followed.ap_id)
    if not follow.ap_id:
        del activity["id"]
    return activity


async def _request_to(space: Space, follow: Follow) -> tuple[Actor, Actor]:
    """(follower, followed) of a follow addressed to `space`; raises NotFound otherwise."""
    if follow.followed_id != space.actor_id:
        raise NotFound("No such friend request.")
    return await Actor.get(id=follow.follower_id), await _actor_of(space)


async def accept_follow(urls: Urls, space: Space, follow: Follow) -> Follow:
    """Approve a pending follow of `space`; a remote follower is sent an Accept.

    No-op for a follow that is accepted already. Raises NotFound when the follow is not
    addressed to this space.
    """
    follower, me = await _request_to(space, follow)
    if follow.state == FollowState.ACCEPTED:
        return follow
    async with in_transaction():
        follow.state, follow.accepted_at = FollowState.ACCEPTED, datetime.now(UTC)
        await follow.save(update_fields=["state", "accepted_at"])
        if not follower.is_local:
            await _answer(urls, space, me, follower, follow, "Accept")
    await freshness.touch_actors(me.id, follower.id)
    await notifications.notify(
        await notifications.space_of_actor(follower.id),
        notifications.Kind.FRIEND_ACCEPTED,
        actor=me,
    )
    return follow


async def reject_follow(urls: Urls, space: Space, follow: Follow) -> None:
    """Decline a follow of `space` (pending, or remove an accepted follower).

    The follow is deleted; a remote follower is sent a Reject. Raises NotFound when the
    follow is not addressed to this space.
    """
    follower, me = await _request_to(space, follow)
    async with in_transaction():
        await Follow.filter(id=follow.id).delete()
        if not follower.is_local:
            await _answer(urls, space, me, follower, follow, "Reject")
    await freshness.touch_actors(me.id, follower.id)


async def _answer(
    urls: Urls, space: Space, me: Actor, follower: Actor, follow: Follow, kind: str
) -> None:
    """Queue an Accept or Reject of `follow` to the remote follower's inbox."""
    activity = follow_answer_to_activity(
        kind,
        urls.activity(space.name, kind, _token()),
        me.ap_id,
        _embedded_follow(follow, follower, me),
    )
    await enqueue_activity(activity, actor=me, inboxes=[follower.inbox])


async def unfollow(urls: Urls, follower: Space, target: Actor) -> None:
    """Stop following `target` (or withdraw a pending request); a remote target gets an Undo.

    Raises NotFound when `follower` does not follow `target`.
    """
    me = await _actor_of(follower)
    follow = await Follow.get_or_none(follower_id=me.id, followed_id=target.id)
    if follow is None:
        raise NotFound(f"You don't follow {target.handle}.")
    async with in_transaction():
        await Follow.filter(id=follow.id).delete()
        if not target.is_local:
            activity = undo_to_activity(
                urls.activity(follower.name, "undo", _token()),
                me.ap_id,
                _embedded_follow(follow, me, target),
            )
            await enqueue_activity(activity, actor=me, inboxes=[target.inbox])
    await freshness.touch_actors(me.id, target.id)


async def pending_requests(space: Space) -> list[Follow]:
    """Follows of `space` waiting for its owner's approval, oldest first (`follower` loaded)."""
    return (
        await Follow.filter(followed_id=space.actor_id, state=FollowState.PENDING)
        .order_by("created_at", "id")
        .prefetch_related("follower")
    )


async def follow_between(follower: Actor, followed: Actor) -> Follow:
    """The follow of `follower` to `followed`; raises NotFound when there is none."""
    follow = await Follow.get_or_none(follower_id=follower.id, followed_id=followed.id)
    if follow is None:
        raise NotFound(f"{follower.handle} does not follow {followed.handle}.")
    return follow


# --- What other servers send ---------------------------------------------------------------


async def receive_follow(urls: Urls, space: Space, follower: Actor, ap_id: str) -> Follow | None:
    """Apply a remote Follow of `space`: store it, accepted at once when `welcomes` says so.

    A blocked follower is sent a Reject and nothing is stored (returns None). A repeated
    Follow (the remote side lost our Accept, or follows again) takes the new activity id and,
    when already accepted, is answered with a fresh Accept.
    """
    me = await _actor_of(space)
    if await is_blocked(me.id, follower.id):
        declined = Follow(follower_id=follower.id, followed_id=me.id, ap_id=ap_id)
        async with in_transaction():
            await _answer(urls, space, me, follower, declined, "Reject")
        return None
    async with in_transaction():
        follow = await Follow.get_or_none(follower_id=follower.id, followed_id=me.id)
        if follow is None:
            follow = await Follow.create(follower_id=follower.id, followed_id=me.id, ap_id=ap_id)
            is_new = True
        else:
            is_new = False
            await Follow.filter(ap_id=ap_id).exclude(id=follow.id).update(ap_id=None)
            follow.ap_id = ap_id
            await follow.save(update_fields=["ap_id"])
        if follow.state == FollowState.ACCEPTED:
            await _answer(urls, space, me, follower, follow, "Accept")
            return follow
    if await welcomes(space, me, follower):
        return await accept_follow(urls, space, follow)
    if is_new:
        await notifications.notify(space.id, notifications.Kind.FRIEND_REQUEST, actor=follower)
    return follow


async def _our_follow(followed: Actor, follow_id: str | None, follower_id: str | None) -> Follow:
    """The follow of a local person to `followed` that an Accept/Reject refers to.

    Matched by the Follow's id (Mastodon, GoToSocial), else by its embedded actor.
    """
    query = Follow.filter(followed_id=followed.id, follower__is_local=True)
    match = Q(ap_id=follow_id) if follow_id else Q(id=-1)
    if follower_id:
        match |= Q(follower__ap_id=follower_id)
    follow = await query.filter(match).first()
    if follow is None:
        raise NotFound("No follow matches.")
    return follow


async def receive_accept(followed: Actor, follow_id: str | None, follower_id: str | None) -> bool:
    """Mark our follow of `followed` accepted; returns False when no follow matches."""
    try:
        follow = await _our_follow(followed, follow_id, follower_id)
    except NotFound:
        return False
    if follow.state != FollowState.ACCEPTED:
        follow.state, follow.accepted_at = FollowState.ACCEPTED, datetime.now(UTC)
        await follow.save(update_fields=["state", "accepted_at"])
        await notifications.notify(
            await notifications.space_of_actor(follow.follower_id),
            notifications.Kind.FRIEND_ACCEPTED,
            actor=followed,
        )
        await freshness.touch_actors(follow.follower_id)
    return True


async def receive_reject(followed: Actor, follow_id: str | None, follower_id: str | None) -> bool:
    """Drop our follow of `followed` (refused, or we were removed as a follower)."""
    try:
        follow = await _our_follow(followed, follow_id, follower_id)
    except NotFound:
        return False
    await Follow.filter(id=follow.id).delete()
    await freshness.touch_actors(follow.follower_id)
    return True


async def receive_undo_follow(
    follower: Actor, follow_id: str | None, object_id: str | None
) -> bool:
    """Drop `follower`'s follow of a local space (matched by Follow id, else by its object)."""
    match = Q(ap_id=follow_id) if follow_id else Q(id=-1)
    if object_id:
        match |= Q(followed__ap_id=object_id, followed__is_local=True)
    rows = await Follow.filter(match, follower_id=follower.id).values_list("id", "followed_id")
    if not rows:
        return False
    await Follow.filter(id__in=[r[0] for r in rows]).delete()
    await freshness.touch_actors(*[r[1] for r in rows])
    return True


async def receive_block(blocker: Actor, blocked: Actor, ap_id: str) -> None:
    """Record that a remote actor blocks a local one; follows either way end (as Mastodon)."""
    async with in_transaction():
        await Follow.filter(
            Q(follower_id=blocker.id, followed_id=blocked.id)
            | Q(follower_id=blocked.id, followed_id=blocker.id)
        ).delete()
        if not await Block.filter(blocker_id=blocker.id, blocked_id=blocked.id).exists():
            await Block.create(blocker_id=blocker.id, blocked_id=blocked.id, ap_id=ap_id)
    await freshness.touch_actors(blocked.id)
