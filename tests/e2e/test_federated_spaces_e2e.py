"""Two `qspace serve` processes on 127.0.0.1 sharing their spaces: posts by audience,
comments, likes, guestbook messages and deletes over real signed HTTP, and a post that waits
while its receiver is down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from qspace.db import database
from qspace.models import Actor, Delivery, DeliveryState, Item, ItemKind, Notification
from qspace.services import items, reactions, remote_writes, spaces
from qspace.services.audience import viewer_for
from qspace.settings import Settings, load_settings
from qspace.urls import Urls
from tests.e2e.test_federation_e2e import AP, cli_ok, collection, init_server, wait_for
from tests.support.servers import ServerProcess, free_port

pytestmark = pytest.mark.e2e


def settings_of(server: ServerProcess) -> Settings:
    return load_settings(Path(server.config), {})


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    """Poll an async check (the servers work in their own processes) until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def post(server: ServerProcess, audience: str, text: str) -> str:
    """`qspace post` a status; returns its id (the command's last line)."""
    return cli_ok(
        server, "post", "alice", "--kind", "status", "--audience", audience, "--text", text
    ).splitlines()[-1]


async def copies_on(server: ServerProcess, author_ap_id: str) -> dict[str, Item]:
    async with database(settings_of(server)):
        found = await Item.filter(author__ap_id=author_ap_id, root_id=None)
        return {i.ap_id: i for i in found}


async def test_two_servers_share_spaces_like_one(tmp_path):
    """Ensures, between two real servers, that alice's public and friends-only posts reach
    her friend bob (his feed shows exactly those), a stranger on bob's server sees only the
    public one, bob's comment, like and guestbook message reach alice, a post made while
    bob's server is down arrives once it is back, and a deleted post's copy is tombstoned
    while its URL answers 410."""
    a = init_server(tmp_path / "a", free_port())
    b = init_server(tmp_path / "b", free_port())
    cli_ok(a, "space", "create", "alice")
    cli_ok(b, "space", "create", "bob")
    cli_ok(b, "space", "create", "carol")
    alice_id, alice_handle = f"{a.base_url}/@alice", f"@alice@127.0.0.1:{a.port}"
    a.start()
    try:
        b.start()
        # Given alice and bob are friends (a request, an approval and a follow back)
        cli_ok(a, "follow", "alice", f"@bob@127.0.0.1:{b.port}")
        wait_for(lambda: alice_handle in cli_ok(b, "requests", "bob"), "the friend request")
        cli_ok(b, "approve", "bob", alice_handle, "--follow-back")
        wait_for(
            lambda: (
                collection(a, "/@alice/followers") == [f"{b.base_url}/@bob"]
                and collection(a, "/@alice/following") == [f"{b.base_url}/@bob"]
            ),
            "friendship",
        )

        # When alice posts for everyone, for friends and for herself
        public = post(a, "public", "hello fediverse")
        friends_only = post(a, "friends", "for my friends")
        only_me = post(a, "private", "my diary")

        async def both_arrived() -> bool:
            return set(await copies_on(b, alice_id)) == {public, friends_only}

        await eventually(both_arrived, "alice's posts on bob's server")
        # Then bob sees exactly the first two, carol only the public one
        async with database(settings_of(b)):
            bob = await spaces.get_space("bob")
            carol = await spaces.get_space("carol")
            bob_viewer = await viewer_for(bob.actor)
            carol_viewer = await viewer_for(carol.actor)
            copies = {i.ap_id: i for i in await Item.filter(author__ap_id=alice_id)}
            assert only_me not in copies
            assert [bob_viewer.can_see(copies[x]) for x in (public, friends_only)] == [True, True]
            assert [carol_viewer.can_see(copies[x]) for x in (public, friends_only)] == [
                True,
                False,
            ]
            # bob comments, likes and writes in alice's guestbook
            urls_b = Urls(b.base_url)
            copy = copies[public]
            await remote_writes.comment_on_remote(
                urls_b, author_space=bob, target_id=copy.id, text="great news!", viewer=bob_viewer
            )
            await reactions.toggle_like(copy.id, actor=bob.actor, viewer=bob_viewer)
            alice_on_b = await Actor.get(ap_id=alice_id)
            await remote_writes.write_on_remote_wall(
                urls_b, writer_space=bob, owner=alice_on_b, text="signed: bob"
            )

        async def alice_sees_it_all() -> bool:
            async with database(settings_of(a)):
                root = await Item.get(ap_id=public)
                wall = await Item.filter(kind=ItemKind.GUESTBOOK, content_html__contains="bob")
                return (root.comment_count, root.like_count, len(wall)) == (1, 1, 1)

        await eventually(alice_sees_it_all, "bob's comment, like and message on alice's server")
        async with database(settings_of(a)):
            kinds = set(await Notification.all().values_list("kind", flat=True))
            assert {"comment", "like", "guestbook"} <= kinds

        # When bob's server is down while alice posts, the post waits and arrives later
        b.stop()
        late = post(a, "friends", "did you miss me?")

        async def attempted() -> bool:
            async with database(settings_of(a)):
                row = await Delivery.filter(activity__item__ap_id=late).first()
                return row is not None and row.attempts >= 1

        await eventually(attempted, "a failed delivery attempt")
        async with database(settings_of(a)):
            waiting = await Delivery.filter(state=DeliveryState.PENDING).count()
            assert waiting >= 1
        b.start()
        async with database(settings_of(a)):  # the retry is due now instead of in 30 minutes
            await Delivery.filter(state=DeliveryState.PENDING).update(
                next_attempt_at=datetime.now(UTC)
            )

        async def late_arrived() -> bool:
            return late in await copies_on(b, alice_id)

        await eventually(late_arrived, "the post made while bob's server was down")

        # When alice deletes her public post, bob's copy is a tombstone and its URL is gone
        async with database(settings_of(a)):
            original = await Item.get(ap_id=public)
            await items.delete_item(original, actor_id=original.author_id)

        async def tombstoned() -> bool:
            return (await copies_on(b, alice_id))[public].deleted_at is not None

        await eventually(tombstoned, "the Delete on bob's server")
        assert httpx.get(public, headers=AP).status_code == 410
        assert httpx.get(public).status_code == 410
    finally:
        b.stop()
        a.stop()
