"""One fan-out measurement, run as its own process (pinned to the server CPU by the benchmark):
publish a status and time until the delivery runner has every delivery acknowledged; or, as
the baseline, send the same number of signed deliveries with a bare asyncio loop.

The outgoing HTTP client is built as `qspace.app.guarded_client` builds it (httpx's transport
behind the SSRF guard, the same connection limits) with three benchmark-only differences: it
trusts the benchmark's CA, the guard's DNS answers 127.0.0.1 for the fake zone's hosts (which
needs `allow_http`, the setting that permits loopback peers), and the connection pool's network
backend connects every `*.fanout.test` host to the stub's port on 127.0.0.1 (and refuses any
other host). TLS is verified against the certificate as usual (SNI and host name included).

    python -m benchmarks.fanout_driver --config CONFIG --database-url URL --space NAME
        --stub-port P --ca CA.pem (--qspace [--personal] | --bare) [--time-limit 120]

Prints one JSON object: the seconds to publish (store the post and queue its deliveries), to
deliver, in total, and the deliveries by state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpcore
import httpx
import uvloop

from federation.delivery import Outcome, deliver, serialize_activity
from federation.ssrf import GuardedTransport
from qspace.app import build_services
from qspace.db import database
from qspace.models import Actor, Delivery, DeliveryState
from qspace.services import items, spaces
from qspace.services.outbox import follower_inboxes
from qspace.settings import Settings, load_settings

ZONE = "fanout.test"
LOOPBACK = "127.0.0.1"
POLL_S = 0.02
# httpx's default pool limits, which qspace's guarded client uses.
MAX_CONNECTIONS, MAX_KEEPALIVE, KEEPALIVE_EXPIRY_S = 100, 20, 5.0


def in_zone(host: str) -> bool:
    """Whether `host` is one of the benchmark's fake servers."""
    return host == ZONE or host.endswith(f".{ZONE}")


async def fake_dns(host: str, port: int) -> list[str]:
    """The SSRF guard's resolver: the fake zone is on loopback, nothing else resolves."""
    if in_zone(host):
        return [LOOPBACK]
    raise OSError(f"{host} is not a benchmark host")


class StubBackend(httpcore.AsyncNetworkBackend):
    """Connects every host of the fake zone to the stub's port on 127.0.0.1."""

    def __init__(self, stub_port: int) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._port = stub_port

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        if not in_zone(host):
            raise httpcore.ConnectError(f"{host} is not a benchmark host")
        return await self._inner.connect_tcp(
            LOOPBACK, self._port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets here")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def benchmark_client(settings: Settings, ca: Path, stub_port: int) -> httpx.AsyncClient:
    """qspace's outgoing client, wired to the stub (see the module docstring)."""
    context = ssl.create_default_context(cafile=str(ca))
    transport = httpx.AsyncHTTPTransport(verify=context)
    # httpx has no option for a network backend; its transport is a thin layer over this pool,
    # so the pool is replaced by an identical one (same TLS context and limits) that has one.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=MAX_CONNECTIONS,
        max_keepalive_connections=MAX_KEEPALIVE,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
        network_backend=StubBackend(stub_port),
    )
    guarded = GuardedTransport(transport, allow_http=True, resolver=fake_dns)
    return httpx.AsyncClient(transport=guarded, timeout=settings.federation.http_timeout)


async def _states() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for state in await Delivery.all().values_list("state", flat=True):
        counts[str(state)] += 1
    return dict(counts)


async def qspace_fanout(
    settings: Settings,
    space_name: str,
    client: httpx.AsyncClient,
    *,
    personal: bool,
    limit_s: float,
) -> dict[str, Any]:
    """Publish a public status through qspace's services and let the job runner deliver it;
    return the timings and the deliveries by state.

    Raises TimeoutError when deliveries are still pending after `limit_s`.
    """
    async with database(settings) as db:
        services = build_services(settings, http_client=client, database=db, resolver=fake_dns)
        space = await spaces.get_space(space_name)
        if personal:  # servers without shared inboxes: one delivery per follower
            await Actor.filter(is_local=False).update(shared_inbox=None)
        await services.keys.key_for(space.actor_id)  # a running server has its key loaded
        services.runner.start()
        try:
            started, cpu = time.perf_counter(), time.process_time()
            await items.publish_status(
                services.urls, space, text="Fan-out: hello, all 10,000 of you!", audience="public"
            )
            published = time.perf_counter()
            # The inbox endpoint wakes the runner after storing work; do the same here.
            services.runner.wake()
            while await Delivery.filter(state=DeliveryState.PENDING).exists():
                if time.perf_counter() - started > limit_s:
                    raise TimeoutError(f"deliveries still pending after {limit_s}s")
                await asyncio.sleep(POLL_S)
            done, cpu = time.perf_counter(), time.process_time() - cpu
        finally:
            await services.runner.stop(timeout=settings.server.shutdown_timeout)
        return {
            "publish_s": published - started,
            "deliver_s": done - published,
            "total_s": done - started,
            "cpu_s": cpu,
            "states": await _states(),
        }


async def bare_fanout(
    settings: Settings, space_name: str, client: httpx.AsyncClient, *, limit_s: float
) -> dict[str, Any]:
    """Sign and POST one Create to each follower inbox with a plain asyncio loop (no database
    during the timing), under the same total and per-host limits as qspace's worker."""
    async with database(settings) as db:
        services = build_services(settings, http_client=client, database=db, resolver=fake_dns)
        space = await spaces.get_space(space_name)
        actor = await Actor.get(id=space.actor_id)
        inboxes = await follower_inboxes(actor)
        key = await services.keys.key_for(space.actor_id)
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.ap_id}/activities/bare",
        "type": "Create",
        "actor": actor.ap_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor.ap_id}/followers"],
        "object": {
            "id": f"{actor.ap_id}/status/bare",
            "type": "Note",
            "attributedTo": actor.ap_id,
            "content": "<p>Fan-out: hello, all 10,000 of you!</p>",
        },
    }
    body = serialize_activity(activity)  # signed and sent as the same bytes everywhere
    federation = settings.federation
    host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
        lambda: asyncio.Semaphore(federation.per_host_concurrency)
    )
    outcomes: dict[str, int] = defaultdict(int)
    queue = iter(inboxes)

    async def sender() -> None:
        # `delivery_concurrency` senders take the next inbox until none is left.
        for inbox in queue:
            async with host_slots[httpx.URL(inbox).host]:
                result = await deliver(
                    client, inbox, body, key, user_agent="qspace-bench", timeout=10.0
                )
            outcomes[result.outcome.value] += 1

    started, cpu = time.perf_counter(), time.process_time()
    async with asyncio.timeout(limit_s), asyncio.TaskGroup() as group:
        for _ in range(federation.delivery_concurrency):
            group.create_task(sender())
    done, cpu = time.perf_counter(), time.process_time() - cpu
    states = {("sent" if k == Outcome.DELIVERED.value else k): v for k, v in outcomes.items()}
    elapsed = done - started
    return {
        "publish_s": 0.0,
        "deliver_s": elapsed,
        "total_s": elapsed,
        "cpu_s": cpu,
        "states": states,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one measurement and print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--space", required=True)
    parser.add_argument("--stub-port", type=int, required=True)
    parser.add_argument("--ca", type=Path, required=True)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--qspace", action="store_true")
    mode.add_argument("--bare", action="store_true")
    parser.add_argument("--personal", action="store_true", help="no shared inboxes")
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args(argv)
    settings = load_settings(args.config, {"QSPACE_DATABASE_URL": args.database_url})
    settings = replace(settings, federation=replace(settings.federation, allow_http=True))

    async def measure() -> dict[str, Any]:
        async with benchmark_client(settings, args.ca, args.stub_port) as client:
            if args.bare:
                return await bare_fanout(settings, args.space, client, limit_s=args.time_limit)
            return await qspace_fanout(
                settings, args.space, client, personal=args.personal, limit_s=args.time_limit
            )

    print(json.dumps(uvloop.run(measure())), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
