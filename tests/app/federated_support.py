"""Helpers for the content federation tests (test_federated_*.py): an app behind the fake
remote server, signed deliveries to its inboxes, and the jobs that apply them."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

from federation.webfinger import SUBSCRIBE_REL
from qspace.models import Actor, Delivery, Follow, FollowState, Media, OutgoingActivity, Space
from qspace.services.uploads import store_image
from tests.app.fediverse import (
    RemoteServer,
    federated_app,
    federation_settings,
    load_activity,
    signed_post,
)
from tests.support.factories import make_space

BOB = "https://remote.test/users/bob"
CAROL = "https://remote.test/users/carol"
DAVE = "https://remote.test/users/dave"
MALLORY = "https://remote.test/users/mallory"
SHARED_INBOX = "https://local.test/inbox"
AP = {"Accept": "application/activity+json"}


@dataclass
class Fed:
    """The app under test, a client for it, the fake remote server and alice's space."""

    app: Starlette
    client: httpx.AsyncClient
    remote: FakeFediverse
    alice: Space

    async def run_jobs(self) -> int:
        return await self.app.state.services.runner.run_due_jobs()

    async def deliver(
        self, activity: dict[str, Any], *, inbox: str = SHARED_INBOX, signer: str | None = None
    ) -> None:
        """POST the activity signed by its actor (or `signer`) and apply it."""
        key = self.remote.keys[signer or activity["actor"]]
        response = await self.client.send(signed_post(inbox, activity, key))
        assert response.status_code == 202, response.text
        await self.run_jobs()

    async def actor(self, ap_id: str) -> Actor:
        return await self.app.state.services.remote_actors.get_or_fetch_actor(ap_id)

    async def follow(self, space: Space, ap_id: str) -> Actor:
        """`space` follows the remote actor (accepted)."""
        actor = await self.actor(ap_id)
        await Follow.create(
            follower_id=space.actor_id, followed_id=actor.id, state=FollowState.ACCEPTED
        )
        return actor

    async def befriend(self, space: Space, ap_id: str) -> Actor:
        """`space` and the remote actor follow each other: friends."""
        actor = await self.follow(space, ap_id)
        await Follow.create(
            follower_id=actor.id, followed_id=space.actor_id, state=FollowState.ACCEPTED
        )
        return actor


@dataclass
class FakeFediverse(RemoteServer):
    """The fake remote server, also serving files (for the media proxy) and advertising a
    remote-follow (OStatus subscribe) template in its WebFinger answers, as Mastodon does."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    subscribe_template: str = "https://remote.test/authorize_interaction?uri={uri}"

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if request.method == "GET" and url in self.files:
            self.requests.append(request)
            body, content_type = self.files[url]
            return httpx.Response(200, content=body, headers={"Content-Type": content_type})
        response = super().handler(request)
        if request.url.path == "/.well-known/webfinger" and response.status_code == 200:
            jrd = json.loads(response.content)
            jrd["links"].append({"rel": SUBSCRIBE_REL, "template": self.subscribe_template})
            return httpx.Response(200, json=jrd, headers={"Content-Type": "application/jrd+json"})
        return response


def fake_remote() -> FakeFediverse:
    """remote.test with bob, mallory, carol and dave (whose server has no shared inbox)."""
    server = FakeFediverse()
    for slot, name in enumerate(("bob", "mallory", "carol")):
        server.add_actor(name, slot=slot)
    server.add_actor("dave", slot=3, shared_inbox=False)
    return server


@pytest.fixture
async def fed(tmp_path, db) -> AsyncIterator[Fed]:
    """alice's server, whose outgoing requests reach the fake remote.test."""
    remote = fake_remote()
    alice = await make_space("alice")
    app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield Fed(app, client, remote, alice)


def activity(file: str, /, **changes: Any) -> dict[str, Any]:
    """A recorded payload (tests/data/activities), with top-level keys replaced."""
    return {**copy.deepcopy(load_activity(file)), **changes}


def with_object(file: str, /, **changes: Any) -> dict[str, Any]:
    """A recorded Create/Update payload whose embedded object gets `changes`."""
    payload = copy.deepcopy(load_activity(file))
    payload["object"] = {**payload["object"], **changes}
    return payload


async def sent(kind: str | None = None) -> list[tuple[dict[str, Any], list[str]]]:
    """Every queued activity (of `kind`) with its delivery inboxes, oldest first."""
    query = OutgoingActivity.all() if kind is None else OutgoingActivity.filter(type=kind)
    found = []
    for row in await query.order_by("id"):
        inboxes = await Delivery.filter(activity_id=row.id).order_by("id")
        found.append((row.payload, [d.inbox_url for d in inboxes]))
    return found


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def image_file(folder: Path, name: str = "photo.jpg", size: tuple[int, int] = (64, 48)) -> Path:
    """A small real JPEG on disk (the upload pipeline reads files in place)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.new("RGB", size, (200, 40, 40)).save(path, "JPEG")
    return path


async def photos(fed: Fed, folder: Path, count: int, *, alt: str = "a red square") -> list[Media]:
    """`count` stored photos of alice, each with alt text."""
    settings = fed.app.state.services.settings
    return [
        await store_image(fed.alice, image_file(folder, f"p{n}.jpg"), alt=alt, settings=settings)
        for n in range(count)
    ]
