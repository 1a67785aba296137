"""The SSRF guard as qspace wires it: the app's own client and fetcher refuse private addresses
before connecting (a loopback listener proves no connection is made)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from federation.fetch import BadStatus, FetchRefused
from federation.ssrf import UnsafeURL
from qspace.app import build_services, create_app
from qspace.models import Delivery, DeliveryState
from qspace.services import outbox
from qspace.settings import FederationSettings
from tests.support.factories import make_space
from tests.support.fixtures import make_settings


class Listener:
    """A TCP server on 127.0.0.1 that counts connections and answers 404."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    state = Listener()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state


def settings_for(tmp_path, *, allow_http: bool):
    return make_settings(tmp_path, federation=FederationSettings(allow_http=allow_http))


async def intranet_resolver(host: str, port: int) -> list[str]:
    return {"intranet.test": ["10.1.2.3"], "loop.test": ["127.0.0.1"]}.get(host, ["8.8.8.8"])


async def test_fetching_a_loopback_address_is_refused_before_connecting(tmp_path, db, listener):
    """Ensures qspace's fetcher refuses 127.0.0.1 (and names resolving to it) in production."""
    services = build_services(
        settings_for(tmp_path, allow_http=False), database=db, resolver=intranet_resolver
    )
    try:
        for url in (
            f"https://127.0.0.1:{listener.port}/actor",
            f"http://127.0.0.1:{listener.port}/actor",
            f"https://loop.test:{listener.port}/actor",
        ):
            with pytest.raises(FetchRefused):
                await services.remote_actors.fetch_object(url)
        with pytest.raises(FetchRefused, match="private"):
            await services.remote_actors.fetch_object("https://intranet.test/actor")
    finally:
        await services.http.aclose()
    assert listener.connections == 0


async def test_the_guarded_client_itself_refuses_private_addresses(tmp_path, db, listener):
    """Ensures requests made with services.http directly (not via the Fetcher) are checked."""
    services = build_services(settings_for(tmp_path, allow_http=False), database=db)
    try:
        with pytest.raises(UnsafeURL):
            await services.http.get(f"https://127.0.0.1:{listener.port}/")
    finally:
        await services.http.aclose()
    assert listener.connections == 0


async def test_allow_http_lets_development_servers_reach_loopback(tmp_path, db, listener):
    """Ensures the guard is what refused above: with allow_http the listener is reached."""
    services = build_services(settings_for(tmp_path, allow_http=True), database=db)
    try:
        with pytest.raises(BadStatus):
            await services.remote_actors.fetch_object(f"http://127.0.0.1:{listener.port}/actor")
    finally:
        await services.http.aclose()
    assert listener.connections == 1


async def test_delivery_to_a_private_address_is_given_up_without_connecting(tmp_path, db, listener):
    """Ensures the delivery job's client refuses a loopback inbox and gives up at once."""
    app = create_app(
        settings_for(tmp_path, allow_http=False),
        database=db,
        run_worker=False,
        resolver=intranet_resolver,
    )
    services = app.state.services
    alice = await make_space("alice")
    activity = {"id": "https://local.test/activities/1", "type": "Follow"}
    await outbox.enqueue_activity(
        activity, actor=alice.actor, inboxes=[f"https://loop.test:{listener.port}/inbox"]
    )
    try:
        await services.runner.run_due_jobs()
    finally:
        await services.http.aclose()
    delivery = await Delivery.get()
    assert delivery.state == DeliveryState.GAVE_UP
    assert "refused" in (delivery.last_error or "")
    assert listener.connections == 0
