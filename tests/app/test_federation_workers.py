"""Several workers on one queue: each delivery row is claimed and sent by exactly one of them.

Two DeliveryWorkers run concurrently, each on its own database connection (as two `qspace
worker` processes would), against a file SQLite database and, when configured, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx

from qspace.db import open_database, use_database
from qspace.jobs.delivery import DeliveryWorker
from qspace.models import Delivery, DeliveryState
from qspace.services import outbox
from qspace.services.keyring import KeyRing
from qspace.settings import FederationSettings
from qspace.urls import Urls
from tests.support.factories import make_space
from tests.support.fixtures import drop_pg_database, fresh_database, new_pg_database_url

ROWS = 60


async def test_two_workers_never_deliver_the_same_row_twice(tmp_path, backend, settings):
    """Ensures concurrent workers split the queue without sending any row twice."""
    if backend == "postgres":
        url = new_pg_database_url()
        first = await fresh_database(settings, "postgres", url)
    else:
        url = f"sqlite://{tmp_path}/queue.db"
        first = await open_database(settings, url)
        with use_database(first):
            await first.generate_schemas()
    second = await open_database(settings, url)
    received: Counter[tuple[str, str]] = Counter()

    async def inbox(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.002)
        received[(str(request.url), json.loads(request.content)["id"])] += 1
        return httpx.Response(202)

    try:
        with use_database(first):
            alice = await make_space("alice")
            for n in range(ROWS):
                activity = {"id": f"https://local.test/activities/{n}", "type": "Follow"}
                await outbox.enqueue_activity(
                    activity, actor=alice.actor, inboxes=[f"https://host{n % 3}.test/inbox"]
                )
        federation = FederationSettings(delivery_concurrency=4, per_host_concurrency=2)
        urls = Urls("https://local.test")
        async with httpx.AsyncClient(transport=httpx.MockTransport(inbox)) as http:
            workers = [
                DeliveryWorker(
                    http=http, keys=KeyRing(urls), settings=federation, user_agent="test", name=n
                )
                for n in ("worker-1", "worker-2")
            ]
            handled: Counter[str] = Counter()

            async def drain(worker: DeliveryWorker, ctx) -> None:
                with use_database(ctx):
                    while claimed := await worker.run_due():
                        handled[worker.name] += claimed

            await asyncio.gather(drain(workers[0], first), drain(workers[1], second))
        with use_database(first):
            rows = await Delivery.all()
        assert len(received) == ROWS
        assert set(received.values()) == {1}
        assert all(row.state == DeliveryState.SENT and row.attempts == 1 for row in rows)
        assert handled["worker-1"] + handled["worker-2"] == ROWS
        assert handled["worker-1"] > 0 and handled["worker-2"] > 0
    finally:
        await first.close_connections()
        await second.close_connections()
        if backend == "postgres":
            drop_pg_database(url)
