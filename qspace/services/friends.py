"""Reading the social graph: friends (accepted follows both ways), followers, groups."""

from __future__ import annotations

from qspace.i18n import gettext as _
from qspace.models import Actor, Follow, FollowState, FriendGroup, FriendGroupMember, Space
from qspace.services.errors import NotFound, ServiceError


async def friend_ids(actor_id: int) -> set[int]:
    following = set(
        await Follow.filter(follower_id=actor_id, state=FollowState.ACCEPTED).values_list(
            "followed_id", flat=True
        )
    )
    followers = set(
        await Follow.filter(followed_id=actor_id, state=FollowState.ACCEPTED).values_list(
            "follower_id", flat=True
        )
    )
    return following & followers


async def friends_of(actor_id: int, limit: int | None = None) -> list[Actor]:
    ids = await friend_ids(actor_id)
    query = Actor.filter(id__in=list(ids), deleted_at=None).order_by("username")
    if limit:
        query = query.limit(limit)
    return await query


async def groups_of(space: Space) -> list[FriendGroup]:
    return (
        await FriendGroup.filter(space_id=space.id)
        .order_by("name")
        .prefetch_related("members__actor")
    )


async def create_group(space: Space, name: str) -> FriendGroup:
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError(_("A friend group needs a name of at most 100 characters."))
    if await FriendGroup.filter(space_id=space.id, name=name).exists():
        raise ServiceError(_("You have a group with that name already."))
    return await FriendGroup.create(space=space, name=name)


async def _group(space: Space, group_id: int) -> FriendGroup:
    group = await FriendGroup.get_or_none(id=group_id, space_id=space.id)
    if group is None:
        raise NotFound(_("No such group."))
    return group


async def delete_group(space: Space, group_id: int) -> None:
    await (await _group(space, group_id)).delete()


async def set_members(space: Space, group_id: int, actor_ids: list[int]) -> None:
    """Make the group's members exactly these friends (non-friends are refused)."""
    group = await _group(space, group_id)
    friends = await friend_ids(space.actor_id)
    wanted = set(actor_ids)
    if not wanted <= friends:
        raise ServiceError(_("Only friends can be in a friend group."))
    await FriendGroupMember.filter(group_id=group.id).exclude(actor_id__in=list(wanted)).delete()
    present = set(
        await FriendGroupMember.filter(group_id=group.id).values_list("actor_id", flat=True)
    )
    await FriendGroupMember.bulk_create(
        [FriendGroupMember(group_id=group.id, actor_id=a) for a in wanted - present]
    )
