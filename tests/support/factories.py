"""Builders for test data: accounts, spaces and items with sensible defaults."""

from __future__ import annotations

from qspace.models import Account, Follow, FollowState, Item, Space
from qspace.services import accounts, items, spaces
from qspace.urls import Urls

URLS = Urls("https://local.test")
PASSWORD = "correct horse battery staple"


async def make_account(username: str = "alice", *, is_admin: bool = False) -> Account:
    return await accounts.create_account(
        username, PASSWORD, min_password_length=10, is_admin=is_admin
    )


async def make_space(name: str = "alice", *, owner: Account | None = None, **kw: object) -> Space:
    owner = owner or await make_account(name)
    space = await spaces.create_space(URLS, owner=owner, name=name, **kw)  # type: ignore[arg-type]
    return await spaces.get_space(space.name)


async def make_status(space: Space, text: str = "hello", audience: str = "public") -> Item:
    return await items.publish_status(URLS, space, text=text, audience=audience)


async def make_friends(a: Space, b: Space) -> None:
    """Accepted follows both ways: friends."""
    await Follow.create(follower_id=a.actor_id, followed_id=b.actor_id, state=FollowState.ACCEPTED)
    await Follow.create(follower_id=b.actor_id, followed_id=a.actor_id, state=FollowState.ACCEPTED)


async def make_follow(follower: Space, followed: Space) -> None:
    await Follow.create(
        follower_id=follower.actor_id, followed_id=followed.actor_id, state=FollowState.ACCEPTED
    )
