"""Delivery cycles: batches claimed back to back within the concurrency limit, one key lookup
and one body per activity, and claims that take each due row once (the fan-out benchmark's
optimizations)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from federation.keys import SigningKey
from qspace.jobs.claim import claim_due
from qspace.jobs.delivery import BATCH_PER_SLOT, MAX_PER_SLOT, DeliveryWorker
from qspace.models import Delivery, DeliveryState
from qspace.services import outbox
from qspace.services.keyring import KeyRing
from qspace.settings import FederationSettings
from qspace.urls import Urls
from tests.support.factories import make_space

URLS = Urls("https://local.test")


class CountingKeyRing(KeyRing):
    """A KeyRing that counts its key lookups."""

    def __init__(self) -> None:
        super().__init__(URLS)
        self.lookups = 0

    async def key_for(self, actor_id: int | None) -> SigningKey:
        self.lookups += 1
        await asyncio.sleep(0.001)  # let concurrent deliveries ask at the same time
        return await super().key_for(actor_id)


async def queue_to_hosts(count: int) -> None:
    """One activity of alice's delivered to `count` inboxes, each on its own host."""
    alice = await make_space("alice")
    activity = {"id": "https://local.test/activities/1", "type": "Create", "actor": "x"}
    inboxes = [f"https://host{n}.test/inbox" for n in range(count)]
    await outbox.enqueue_activity(activity, actor=alice.actor, inboxes=inboxes)


async def test_one_cycle_sends_batch_after_batch_within_the_limit(db):
    """Ensures one cycle claims batch after batch up to its bound, never exceeding the
    concurrency, with one key lookup and one serialized body for the whole cycle."""
    concurrency = 2
    in_flight, peak, bodies = 0, 0, set()

    async def inbox(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        bodies.add(request.content)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return httpx.Response(202)

    cycle = concurrency * MAX_PER_SLOT
    assert cycle > concurrency * BATCH_PER_SLOT  # several batches make one cycle
    await queue_to_hosts(cycle + 3)
    keys = CountingKeyRing()
    settings = FederationSettings(delivery_concurrency=concurrency)
    async with httpx.AsyncClient(transport=httpx.MockTransport(inbox)) as http:
        worker = DeliveryWorker(http=http, keys=keys, settings=settings, user_agent="test")
        assert await worker.run_due() == cycle
        assert await worker.run_due() == 3
        assert await worker.run_due() == 0
    assert peak == concurrency
    assert await Delivery.filter(state=DeliveryState.SENT).count() == cycle + 3
    assert keys.lookups == 2  # once per cycle, however many deliveries share the key
    assert len(bodies) == 1  # the activity was serialized once: the same bytes everywhere


async def test_claim_with_an_owner_takes_each_due_row_once(db):
    """Ensures two owners claiming at once split the rows, and live locks are skipped."""
    await queue_to_hosts(6)
    ids = list(await Delivery.all().order_by("id").values_list("id", flat=True))
    now = datetime.now(UTC)
    await Delivery.filter(id=ids[0]).update(locked_by="live", locked_until=now + timedelta(1))
    await Delivery.filter(id=ids[1]).update(locked_by="dead", locked_until=now - timedelta(1))
    lock = timedelta(minutes=1)
    first = await claim_due(
        Delivery, pending=DeliveryState.PENDING, now=now, limit=3, lock_for=lock, owner="a"
    )
    second = await claim_due(
        Delivery, pending=DeliveryState.PENDING, now=now, limit=10, lock_for=lock, owner="b"
    )
    assert first == ids[1:4]  # the expired claim is taken over, the live one skipped
    assert second == ids[4:]
    owners = dict(await Delivery.all().values_list("id", "locked_by"))
    assert [owners[i] for i in ids] == ["live", "a", "a", "a", "b", "b"]
