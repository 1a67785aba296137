"""Builders for test data: accounts, spaces and items with sensible defaults."""

from __future__ import annotations

from qspace.models import Account, Item, Space
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
