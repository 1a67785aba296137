"""A fake remote server for federation tests: actors with keys, WebFinger, a recording inbox.

`RemoteServer.transport()` is an httpx.MockTransport: pass a client built on it to
`create_app(settings, http_client=...)` and qspace's fetches and deliveries reach it instead of
the network. `signed_post` builds an inbox POST signed as one of its actors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from federation.jsonld import ACTIVITY_JSON
from federation.keys import SigningKey, generate_rsa_keypair
from federation.signatures import Style, sign_request
from qspace.app import create_app
from qspace.settings import FederationSettings, Settings
from tests.support.fixtures import make_settings

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"
LOCAL = "https://local.test"


@lru_cache(maxsize=8)
def test_keypair(slot: int) -> tuple[str, str]:
    """A (private, public) RSA PEM pair per slot, generated once per test run."""
    return generate_rsa_keypair()


async def loopback_resolver(host: str, port: int) -> list[str]:
    """DNS for tests: every name is 127.0.0.1 (allowed because the settings allow http)."""
    return ["127.0.0.1"]


def load_activity(name: str) -> dict[str, Any]:
    return json.loads((ACTIVITIES / name).read_text())


@dataclass
class RemoteServer:
    """A Mastodon-like server at https://<domain>: /users/<name> actors and their inboxes."""

    domain: str = "remote.test"
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, SigningKey] = field(default_factory=dict)
    received: list[httpx.Request] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    # What an inbox POST answers: a status, or a function of the request.
    inbox_answer: int | Callable[[httpx.Request], httpx.Response] = 202
    # When set, every GET answers this status (the server is down, or refuses).
    get_status: int | None = None

    def add_actor(self, name: str, *, slot: int = 0, shared_inbox: bool = True) -> str:
        """Publish an actor with the key pair of `slot`; return its id."""
        ap_id = f"https://{self.domain}/users/{name}"
        private_pem, public_pem = test_keypair(slot)
        document: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": ap_id,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "summary": "<p>hi <script>alert(1)</script></p>",
            "inbox": f"{ap_id}/inbox",
            "outbox": f"{ap_id}/outbox",
            "followers": f"{ap_id}/followers",
            "following": f"{ap_id}/following",
            "manuallyApprovesFollowers": False,
            "publicKey": {"id": f"{ap_id}#main-key", "owner": ap_id, "publicKeyPem": public_pem},
        }
        if shared_inbox:
            document["endpoints"] = {"sharedInbox": f"https://{self.domain}/inbox"}
        self.actors[ap_id] = document
        self.keys[ap_id] = SigningKey(f"{ap_id}#main-key", private_pem)
        return ap_id

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url.copy_with(query=None, fragment=None))
        if request.method == "POST":
            self.received.append(request)
            if callable(self.inbox_answer):
                return self.inbox_answer(request)
            return httpx.Response(self.inbox_answer)
        if self.get_status is not None:
            return httpx.Response(self.get_status)
        if request.url.path == "/.well-known/webfinger":
            resource = request.url.params.get("resource", "")
            user = resource.removeprefix("acct:").split("@")[0]
            ap_id = f"https://{self.domain}/users/{user}"
            if ap_id not in self.actors:
                return httpx.Response(404)
            links = [{"rel": "self", "type": ACTIVITY_JSON, "href": ap_id}]
            return httpx.Response(200, json={"subject": resource, "links": links})
        if url in self.actors:
            return httpx.Response(
                200,
                content=json.dumps(self.actors[url]).encode(),
                headers={"Content-Type": ACTIVITY_JSON},
            )
        return httpx.Response(404)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def activities(self) -> list[dict[str, Any]]:
        """The JSON bodies POSTed to this server's inboxes, in order."""
        return [json.loads(r.content) for r in self.received]


def signed_post(
    url: str,
    activity: dict[str, Any] | bytes,
    key: SigningKey,
    *,
    style: Style = "cavage",
    now: datetime | None = None,
) -> httpx.Request:
    """An inbox POST signed with `key` (not sent)."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    request = httpx.Request("POST", url, content=body, headers={"Content-Type": ACTIVITY_JSON})
    sign_request(request, key, style=style, now=now)
    return request


def federation_settings(tmp_path: Path, **federation: Any) -> Settings:
    """Test settings at https://local.test whose fetches may reach loopback fakes."""
    return make_settings(tmp_path, federation=FederationSettings(allow_http=True, **federation))


def make_remote() -> RemoteServer:
    """A fake remote server with the actors bob (key slot 0) and mallory (slot 1)."""
    server = RemoteServer()
    server.add_actor("bob", slot=0)
    server.add_actor("mallory", slot=1)
    return server


def federated_app(
    settings: Settings, db: TortoiseContext, remote: RemoteServer
) -> tuple[Starlette, httpx.AsyncClient]:
    """An app whose outgoing requests go to `remote`; returns it and a client for it."""
    outgoing = httpx.AsyncClient(transport=remote.transport())
    app = create_app(
        settings, database=db, http_client=outgoing, run_worker=False, resolver=loopback_resolver
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOCAL)
    return app, client
