"""Two qspace servers in one process, each with its own database, talking through one httpx
client whose mounts route https://a.test and https://b.test to the two apps.

Nothing is faked between them: WebFinger, signed actor fetches, signed deliveries, inbox
verification and the jobs all run as in production, only without sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from qspace.app import Services, create_app
from qspace.db import use_database
from qspace.models import Actor, Follow, FollowState, InboxItem, Space
from qspace.services import accounts, follows, policy, spaces
from qspace.settings import FederationSettings
from qspace.urls import Urls
from tests.support.fixtures import (
    drop_pg_database,
    fresh_database,
    make_settings,
    new_pg_database_url,
)


async def loopback_resolver(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@dataclass
class Server:
    """One of the two in-process servers: its app, services and database."""

    app: Starlette
    db: TortoiseContext

    @property
    def services(self) -> Services:
        return self.app.state.services

    @property
    def urls(self) -> Urls:
        return self.services.urls

    async def run_jobs(self) -> int:
        with use_database(self.db):
            return await self.services.runner.run_due_jobs()

    async def make_space(self, name: str, **kw: Any) -> Space:
        with use_database(self.db):
            owner = await accounts.create_account(name, None, min_password_length=10)
            await spaces.create_space(self.urls, owner=owner, name=name, **kw)
            return await spaces.get_space(name)


@pytest.fixture
async def servers(tmp_path, db, backend, request) -> AsyncIterator[tuple[Server, Server]]:
    """Server A on the db fixture's database and server B on a fresh one of its own."""
    federation = FederationSettings(allow_http=True)
    settings_a = make_settings(tmp_path / "a", domain="a.test", federation=federation)
    settings_b = make_settings(tmp_path / "b", domain="b.test", federation=federation)
    pg_b = new_pg_database_url() if backend == "postgres" else None
    db_b = await fresh_database(settings_b, backend, pg_b)
    apps: dict[str, Starlette] = {}

    def route_to(name: str) -> Any:
        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            await apps[name](scope, receive, send)

        return asgi

    mounts = {
        f"https://{name}.test": httpx.ASGITransport(app=route_to(name)) for name in ("a", "b")
    }
    async with httpx.AsyncClient(mounts=mounts) as client:
        for name, settings, database in (("a", settings_a, db), ("b", settings_b, db_b)):
            apps[name] = create_app(
                settings,
                database=database,
                http_client=client,
                run_worker=False,
                resolver=loopback_resolver,
            )
        yield Server(apps["a"], db), Server(apps["b"], db_b)
    await db_b.close_connections()
    if pg_b:
        drop_pg_database(pg_b)


async def test_follow_to_an_auto_accepting_remote_space_becomes_accepted(servers):
    """Ensures A's Follow is delivered, verified and accepted by B, and B's Accept makes
    A's follow accepted."""
    a, b = servers
    alice = await a.make_space("alice")
    await b.make_space("bob", auto_accept_follows=True)
    # Given alice on A finds bob on B by WebFinger
    with use_database(a.db):
        bob = await follows.resolve_remote(a.services.remote_actors, "@bob@b.test")
        assert (bob.ap_id, bob.inbox) == ("https://b.test/@bob", "https://b.test/@bob/inbox")
        assert bob.manually_approves is False
        # When she asks to follow him and the servers run their jobs
        follow = await follows.request_follow(a.urls, alice, bob)
    assert await a.run_jobs() == 1  # the Follow is delivered to B
    with use_database(b.db):
        received = await InboxItem.get(ap_id=follow.ap_id)
        assert received.type == "Follow"
    assert await b.run_jobs() == 2  # B applies the Follow and delivers its Accept
    assert await a.run_jobs() == 1  # A applies the Accept
    # Then both servers agree that alice follows bob
    with use_database(a.db):
        assert (await Follow.get(id=follow.id)).state == FollowState.ACCEPTED
    with use_database(b.db):
        on_b = await Follow.get(ap_id=follow.ap_id).select_related("follower", "followed")
        assert on_b.state == FollowState.ACCEPTED
        assert (on_b.follower.ap_id, on_b.followed.ap_id) == (alice.actor.ap_id, bob.ap_id)


async def test_mutual_follows_across_servers_make_friends(servers):
    """Ensures bob's approval with a follow back leaves alice and bob friends on both servers
    (alice's server accepts the follow back without asking: the request was hers)."""
    a, b = servers
    alice = await a.make_space("alice")
    bob_space = await b.make_space("bob")
    with use_database(a.db):
        bob = await follows.resolve_remote(a.services.remote_actors, "https://b.test/@bob")
        await follows.request_follow(a.urls, alice, bob)
    await a.run_jobs()
    await b.run_jobs()
    with use_database(b.db):
        [request] = await follows.pending_requests(bob_space)
        alice_on_b = request.follower
        await follows.accept_follow(b.urls, bob_space, request)
        await follows.request_follow(b.urls, bob_space, alice_on_b)  # follow back
    await b.run_jobs()  # Accept and Follow to A
    await a.run_jobs()  # A applies both, and accepts the follow back: alice asked first
    with use_database(a.db):
        assert await follows.pending_requests(alice) == []
    await b.run_jobs()  # B applies A's Accept
    with use_database(a.db):
        bob_on_a = await Actor.get(ap_id="https://b.test/@bob")
        assert await policy.are_friends(alice.actor_id, bob_on_a.id)
    with use_database(b.db):
        assert await policy.are_friends(bob_space.actor_id, alice_on_b.id)
