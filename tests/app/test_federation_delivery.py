"""The delivery queue: one row per inbox, retries with backoff, Retry-After, giving up, the
double knock remembered per host, dead hosts, concurrency limits and expired claims."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from federation.delivery import MAX_ATTEMPTS, group_by_shared_inbox
from federation.signatures import PublicKeyInfo, verify_request
from qspace.app import create_app
from qspace.jobs.delivery import DEAD_AFTER, DEAD_RECHECK
from qspace.models import Actor, Delivery, DeliveryState, DomainBlock, Follow, FollowState, Host
from qspace.services import outbox
from tests.app.fediverse import federated_app, federation_settings, make_remote
from tests.support.factories import make_space

INBOX = "https://remote.test/users/bob/inbox"


@pytest.fixture
def remote():
    return make_remote()


@pytest.fixture
async def app(tmp_path, db, remote):
    app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield app


async def queue(actor: Actor | None, inboxes: list[str], number: int = 1) -> list[Delivery]:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://local.test/activities/{number}",
        "type": "Follow",
        "actor": actor.ap_id if actor else "https://local.test/actor",
        "object": "https://remote.test/users/bob",
    }
    sent = await outbox.enqueue_activity(activity, actor=actor, inboxes=inboxes)
    return list(await Delivery.filter(activity_id=sent.id).order_by("id"))


async def reload(delivery: Delivery) -> Delivery:
    return await Delivery.get(id=delivery.id)


def near(moment: datetime, expected: timedelta, tolerance: float = 0.11) -> bool:
    delay = (moment - datetime.now(UTC)).total_seconds()
    return abs(delay - expected.total_seconds()) <= expected.total_seconds() * tolerance + 5


async def test_delivery_sends_once_and_is_marked_sent(app, remote, db):
    """Ensures a due delivery is POSTed once and ends SENT with its status."""
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await app.state.services.runner.run_due_jobs()
    delivery = await reload(delivery)
    assert delivery.state == DeliveryState.SENT
    assert (delivery.attempts, delivery.last_status) == (1, 202)
    assert delivery.locked_until is None and delivery.finished_at is not None
    assert [str(r.url) for r in remote.received] == [INBOX]
    await app.state.services.runner.run_due_jobs()
    assert len(remote.received) == 1


async def test_delivery_backs_off_on_503(app, remote, db):
    """Ensures a 503 keeps the row pending, counts the attempt and waits about 30 minutes."""
    remote.inbox_answer = 503
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await app.state.services.runner.run_due_jobs()
    delivery = await reload(delivery)
    assert delivery.state == DeliveryState.PENDING
    assert (delivery.attempts, delivery.last_status) == (1, 503)
    assert near(delivery.next_attempt_at, timedelta(minutes=30))
    assert (await Host.get(domain="remote.test")).failures == 1
    await app.state.services.runner.run_due_jobs()  # not due again yet
    assert len(remote.received) == 1


async def test_delivery_honours_retry_after(app, remote, db):
    """Ensures a Retry-After longer than the backoff is waited for."""
    remote.inbox_answer = lambda request: httpx.Response(503, headers={"Retry-After": "7200"})
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await app.state.services.runner.run_due_jobs()
    delivery = await reload(delivery)
    assert near(delivery.next_attempt_at, timedelta(hours=2), tolerance=0.01)


async def test_delivery_gives_up_on_410(app, remote, db):
    """Ensures 410 Gone is permanent: given up after one request (no second knock)."""
    remote.inbox_answer = 410
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await app.state.services.runner.run_due_jobs()
    delivery = await reload(delivery)
    assert delivery.state == DeliveryState.GAVE_UP
    assert delivery.last_status == 410
    assert len(remote.received) == 1
    # The host answered: it is alive, not failing.
    assert (await Host.get(domain="remote.test")).failures == 0


async def test_delivery_gives_up_after_max_attempts(app, remote, db):
    """Ensures the last allowed attempt failing gives up instead of scheduling another."""
    remote.inbox_answer = 503
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await Delivery.filter(id=delivery.id).update(attempts=MAX_ATTEMPTS - 1)
    await app.state.services.runner.run_due_jobs()
    delivery = await reload(delivery)
    assert delivery.state == DeliveryState.GAVE_UP
    assert delivery.attempts == MAX_ATTEMPTS


async def test_double_knock_is_remembered_per_host(app, remote, db):
    """Ensures a host refusing RFC 9421 gets cavage, and the next delivery starts with it."""

    def cavage_only(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401 if "signature-input" in request.headers else 202)

    remote.inbox_answer = cavage_only
    alice = await make_space("alice")
    [first] = await queue(alice.actor, [INBOX], number=1)
    await app.state.services.runner.run_due_jobs()
    assert (await reload(first)).state == DeliveryState.SENT
    assert ["signature-input" in r.headers for r in remote.received] == [True, False]
    assert (await Host.get(domain="remote.test")).signature_style == "cavage"
    await queue(alice.actor, [INBOX], number=2)
    await app.state.services.runner.run_due_jobs()
    assert len(remote.received) == 3
    assert "signature-input" not in remote.received[2].headers


async def test_host_is_marked_dead_after_consecutive_failures(app, remote, db):
    """Ensures DEAD_AFTER failures in a row mark the host dead and postpone its deliveries."""
    remote.inbox_answer = 503
    alice = await make_space("alice")
    for number in range(DEAD_AFTER):
        await queue(alice.actor, [INBOX], number=number)
    await app.state.services.runner.run_due_jobs()
    host = await Host.get(domain="remote.test")
    assert host.failures == DEAD_AFTER and host.dead_since is not None
    [later] = await queue(alice.actor, [INBOX], number=99)
    await app.state.services.runner.run_due_jobs()
    assert len(remote.received) == DEAD_AFTER  # the new delivery was not attempted
    later = await reload(later)
    assert later.attempts == 0
    assert near(later.next_attempt_at, DEAD_RECHECK, tolerance=0.01)


async def test_dead_host_is_probed_once_and_revived(app, remote, db):
    """Ensures a dead host due for a recheck gets one probe; success makes the rest due."""
    alice = await make_space("alice")
    long_ago = datetime.now(UTC) - DEAD_RECHECK - timedelta(hours=1)
    await Host.create(
        domain="remote.test", failures=DEAD_AFTER, dead_since=long_ago, last_failure_at=long_ago
    )
    first = (await queue(alice.actor, [INBOX], number=1))[0]
    second = (await queue(alice.actor, [INBOX], number=2))[0]
    await app.state.services.runner.run_due_jobs()
    assert len(remote.received) == 1
    assert (await reload(first)).state == DeliveryState.SENT
    host = await Host.get(domain="remote.test")
    assert host.dead_since is None and host.failures == 0
    assert (await reload(second)).next_attempt_at <= datetime.now(UTC)
    await app.state.services.runner.run_due_jobs()
    assert (await reload(second)).state == DeliveryState.SENT


async def test_per_host_concurrency_is_respected(tmp_path, db, remote):
    """Ensures no more than per_host_concurrency requests to one host are in flight."""
    in_flight: Counter[str] = Counter()
    peak: Counter[str] = Counter()

    async def slow(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        in_flight[host] += 1
        peak[host] = max(peak[host], in_flight[host])
        await asyncio.sleep(0.05)
        in_flight[host] -= 1
        return httpx.Response(202)

    settings = federation_settings(tmp_path, per_host_concurrency=2)
    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as outgoing:
        app = create_app(settings, database=db, http_client=outgoing, run_worker=False)
        alice = await make_space("alice")
        for number in range(6):
            await queue(alice.actor, [INBOX], number=number)
        await queue(alice.actor, ["https://other.test/inbox"], number=50)
        await app.state.services.runner.run_due_jobs()
    assert await Delivery.filter(state=DeliveryState.SENT).count() == 7
    assert peak["remote.test"] == 2
    assert peak["other.test"] == 1


async def test_instance_actor_activities_are_signed_with_the_instance_key(app, remote, db):
    """Ensures an activity without a local actor is signed by /actor#main-key."""
    await queue(None, [INBOX])
    await app.state.services.runner.run_due_jobs()
    [request] = remote.received
    keys = app.state.services.keys
    public_pem = await keys.instance_public_pem()

    async def get_key(key_id: str, refresh: bool) -> PublicKeyInfo:
        return PublicKeyInfo(key_id, "https://local.test/actor", public_pem)

    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, get_key
    )
    assert verified.key_id == "https://local.test/actor#main-key"


async def test_expired_claims_are_retried_and_live_ones_skipped(app, remote, db):
    """Ensures a row claimed by a dead worker is sent once its lock expires, not before."""
    alice = await make_space("alice")
    [stuck] = await queue(alice.actor, [INBOX], number=1)
    [busy] = await queue(alice.actor, ["https://other.test/inbox"], number=2)
    now = datetime.now(UTC)
    await Delivery.filter(id=stuck.id).update(
        locked_by="dead-worker", locked_until=now - timedelta(seconds=1), attempts=1
    )
    await Delivery.filter(id=busy.id).update(
        locked_by="live-worker", locked_until=now + timedelta(minutes=5)
    )
    await app.state.services.runner.run_due_jobs()
    stuck, busy = await reload(stuck), await reload(busy)
    assert (stuck.state, stuck.attempts) == (DeliveryState.SENT, 2)
    assert busy.state == DeliveryState.PENDING and busy.attempts == 0
    assert [str(r.url) for r in remote.received] == [INBOX]


async def test_deliveries_to_blocked_domains_are_given_up(app, remote, db):
    """Ensures a domain blocked after queueing receives nothing."""
    alice = await make_space("alice")
    [delivery] = await queue(alice.actor, [INBOX])
    await DomainBlock.create(domain="remote.test")
    await app.state.services.runner.run_due_jobs()
    assert (await reload(delivery)).state == DeliveryState.GAVE_UP
    assert remote.received == []


async def test_enqueue_skips_local_and_duplicate_inboxes(db):
    """Ensures one row per distinct remote inbox, none for this server's own inboxes."""
    alice = await make_space("alice")
    rows = await queue(
        alice.actor, [INBOX, INBOX, "https://local.test/@bob/inbox", "https://other.test/inbox"]
    )
    assert [(r.inbox_url, r.host) for r in rows] == [
        (INBOX, "remote.test"),
        ("https://other.test/inbox", "other.test"),
    ]


async def test_follower_inboxes_prefer_one_shared_inbox_per_server(db):
    """Ensures followers on one server share its shared inbox; others use their own inbox."""
    alice = await make_space("alice")
    common = {"domain": "remote.test", "shared_inbox": "https://remote.test/inbox"}
    bob = await Actor.create(
        ap_id="https://remote.test/u/bob",
        username="bob",
        inbox="https://remote.test/u/bob/inbox",
        **common,
    )
    carol = await Actor.create(
        ap_id="https://remote.test/u/carol",
        username="carol",
        inbox="https://remote.test/u/carol/inbox",
        **common,
    )
    dave = await Actor.create(
        ap_id="https://solo.test/dave",
        username="dave",
        domain="solo.test",
        inbox="https://solo.test/dave/inbox",
    )
    pending = await Actor.create(
        ap_id="https://else.test/eve",
        username="eve",
        domain="else.test",
        inbox="https://else.test/eve/inbox",
    )
    for follower in (bob, carol, dave):
        await Follow.create(
            follower=follower, followed_id=alice.actor_id, state=FollowState.ACCEPTED
        )
    await Follow.create(follower=pending, followed_id=alice.actor_id)
    assert await outbox.follower_inboxes(alice.actor) == [
        "https://remote.test/inbox",
        "https://solo.test/dave/inbox",
    ]


async def test_follower_recipients_leave_out_local_deleted_and_inboxless_followers(db):
    """Ensures only live remote followers with an inbox are delivered to, in follow order, and
    that personal delivery (followers-only items) uses each one's own inbox."""
    alice = await make_space("alice")
    bob_space = await make_space("bob")  # a local follower: reached without HTTP
    live = await Actor.create(
        ap_id="https://remote.test/u/zed",
        username="zed",
        domain="remote.test",
        inbox="https://remote.test/u/zed/inbox",
        shared_inbox="https://remote.test/inbox",
    )
    gone = await Actor.create(
        ap_id="https://remote.test/u/gone",
        username="gone",
        domain="remote.test",
        inbox="https://remote.test/u/gone/inbox",
        deleted_at=datetime.now(UTC),
    )
    inboxless = await Actor.create(
        ap_id="https://odd.test/u/x", username="x", domain="odd.test", inbox=""
    )
    for follower_id in (bob_space.actor_id, live.id, gone.id, inboxless.id):
        await Follow.create(
            follower_id=follower_id, followed_id=alice.actor_id, state=FollowState.ACCEPTED
        )
    shared = await outbox.follower_recipients(alice.actor, use_shared_inbox=True)
    assert [r.actor_id for r in shared] == [live.ap_id]
    assert group_by_shared_inbox(shared) == ["https://remote.test/inbox"]
    personal = await outbox.follower_recipients(alice.actor, use_shared_inbox=False)
    assert group_by_shared_inbox(personal) == ["https://remote.test/u/zed/inbox"]
