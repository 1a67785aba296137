"""Friend requests across servers: Follow, Accept, Reject, Undo, Block and Delete, end to end
through the inbox, the inbox job and the delivery job (with a fake remote server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.signatures import PublicKeyInfo, verify_request
from qspace.models import (
    Actor,
    Block,
    Follow,
    FollowState,
    InboxItem,
    InboxState,
    Notification,
    OutgoingActivity,
)
from qspace.services import follows
from qspace.services.errors import Conflict, Forbidden, ServiceError
from tests.app.fediverse import federated_app, federation_settings, make_remote, signed_post
from tests.support.factories import URLS, make_space

BOB = "https://remote.test/users/bob"
BOB_INBOX = f"{BOB}/inbox"


@pytest.fixture
def remote():
    return make_remote()


@pytest.fixture
async def fed(tmp_path, db, remote):
    """(app, client) with outgoing requests going to the fake remote server."""
    app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield app, client


async def send(fed, remote, activity: dict, inbox: str = "https://local.test/inbox") -> None:
    """POST an activity signed as its actor and assert it was accepted."""
    _app, client = fed
    response = await client.send(signed_post(inbox, activity, remote.keys[activity["actor"]]))
    assert response.status_code == 202, response.text


async def run_jobs(fed) -> None:
    app, _client = fed
    await app.state.services.runner.run_due_jobs()


def follow_activity(target: str, number: int = 1) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"https://remote.test/follows/{number}",
        "type": "Follow",
        "actor": BOB,
        "object": target,
    }


async def assert_signed_by(request, actor: Actor) -> None:
    """The delivered request verifies with the local actor's published key."""

    async def get_key(key_id: str, refresh: bool) -> PublicKeyInfo:
        assert key_id == actor.key_id
        return PublicKeyInfo(key_id, actor.ap_id, str(actor.public_key_pem))

    verified = await verify_request(
        "POST", str(request.url), request.headers, request.content, get_key
    )
    assert verified.owner == actor.ap_id


async def test_remote_follow_of_an_auto_accepting_space_is_accepted(fed, remote):
    """Ensures Follow -> stored -> processed -> accepted, and a signed Accept goes back."""
    alice = await make_space("alice", auto_accept_follows=True)
    await send(fed, remote, follow_activity(alice.actor.ap_id))
    await run_jobs(fed)
    follow = await Follow.get(followed_id=alice.actor_id).select_related("follower")
    assert follow.state == FollowState.ACCEPTED
    assert follow.follower.ap_id == BOB
    assert follow.ap_id == "https://remote.test/follows/1"
    item = await InboxItem.get(ap_id="https://remote.test/follows/1")
    assert item.state == InboxState.DONE
    [accept] = remote.activities()
    assert str(remote.received[0].url) == BOB_INBOX
    assert accept["type"] == "Accept"
    assert accept["actor"] == alice.actor.ap_id
    assert accept["object"]["id"] == "https://remote.test/follows/1"
    assert accept["object"]["actor"] == BOB
    await assert_signed_by(remote.received[0], alice.actor)


async def test_remote_follow_waits_for_approval_then_accept_is_sent(fed, remote):
    """Ensures a space that approves follows keeps the request pending until accept_follow."""
    alice = await make_space("alice")
    await send(fed, remote, follow_activity(alice.actor.ap_id), inbox=alice.actor.inbox)
    await run_jobs(fed)
    [request] = await follows.pending_requests(alice)
    assert request.follower.ap_id == BOB
    assert remote.received == []
    assert await Notification.filter(recipient_id=alice.id, kind="friend_request").count() == 1
    await follows.accept_follow(URLS, alice, request)
    await run_jobs(fed)
    assert (await Follow.get(id=request.id)).state == FollowState.ACCEPTED
    assert [a["type"] for a in remote.activities()] == ["Accept"]


async def test_rejecting_a_remote_request_sends_reject_and_deletes_it(fed, remote):
    """Ensures reject_follow removes the follow and tells the remote server."""
    alice = await make_space("alice")
    await send(fed, remote, follow_activity(alice.actor.ap_id))
    await run_jobs(fed)
    [request] = await follows.pending_requests(alice)
    await follows.reject_follow(URLS, alice, request)
    await run_jobs(fed)
    assert not await Follow.exists()
    [reject] = remote.activities()
    assert reject["type"] == "Reject"
    assert reject["object"]["id"] == "https://remote.test/follows/1"


async def test_undo_follow_removes_the_follow(fed, remote):
    """Ensures an Undo of a Follow (embedded) ends the follow."""
    alice = await make_space("alice", auto_accept_follows=True)
    follow = follow_activity(alice.actor.ap_id)
    await send(fed, remote, follow)
    await run_jobs(fed)
    undo = {"id": f"{BOB}#undo-1", "type": "Undo", "actor": BOB, "object": follow}
    await send(fed, remote, undo)
    await run_jobs(fed)
    assert not await Follow.exists()


async def test_repeated_follow_is_answered_with_a_fresh_accept(fed, remote):
    """Ensures a second Follow of an accepted follow takes the new id and is accepted again."""
    alice = await make_space("alice", auto_accept_follows=True)
    await send(fed, remote, follow_activity(alice.actor.ap_id, 1))
    await run_jobs(fed)
    await send(fed, remote, follow_activity(alice.actor.ap_id, 2))
    await run_jobs(fed)
    follow = await Follow.get(followed_id=alice.actor_id)
    assert follow.ap_id == "https://remote.test/follows/2"
    objects = [a["object"]["id"] for a in remote.activities()]
    assert objects == ["https://remote.test/follows/1", "https://remote.test/follows/2"]


async def test_local_space_follows_remote_actor_until_accepted(fed, remote):
    """Ensures request_follow queues a Follow; the remote Accept makes it accepted; unfollow
    sends an Undo."""
    app, _client = fed
    alice = await make_space("alice")
    bob = await follows.resolve_remote(app.state.services.remote_actors, "@bob@remote.test")
    assert bob.ap_id == BOB and bob.inbox == BOB_INBOX
    assert "<script>" not in bob.summary_html
    follow = await follows.request_follow(URLS, alice, bob)
    assert follow.state == FollowState.PENDING
    await run_jobs(fed)
    [sent] = remote.activities()
    assert sent == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow.ap_id,
        "type": "Follow",
        "actor": alice.actor.ap_id,
        "object": BOB,
    }
    await assert_signed_by(remote.received[0], alice.actor)
    accept = {"id": f"{BOB}#accepts/1", "type": "Accept", "actor": BOB, "object": follow.ap_id}
    await send(fed, remote, accept, inbox=alice.actor.inbox)
    await run_jobs(fed)
    assert (await Follow.get(id=follow.id)).state == FollowState.ACCEPTED
    await follows.unfollow(URLS, alice, bob)
    await run_jobs(fed)
    undo = remote.activities()[-1]
    assert undo["type"] == "Undo"
    assert undo["object"]["id"] == follow.ap_id
    assert not await Follow.exists()


async def test_remote_reject_drops_our_follow(fed, remote):
    """Ensures a Reject matched by the embedded Follow's actor removes the pending follow."""
    app, _client = fed
    alice = await make_space("alice")
    bob = await follows.resolve_remote(app.state.services.remote_actors, BOB)
    await follows.request_follow(URLS, alice, bob)
    reject = {
        "id": f"{BOB}#rejects/1",
        "type": "Reject",
        "actor": BOB,
        "object": {"type": "Follow", "actor": alice.actor.ap_id, "object": BOB},
    }
    await send(fed, remote, reject)
    await run_jobs(fed)
    assert not await Follow.exists()


async def test_follows_between_local_spaces_are_direct(fed):
    """Ensures local follows never create activities; auto-accept applies at once."""
    alice = await make_space("alice")
    carol = await make_space("carol", auto_accept_follows=True)
    dave = await make_space("dave")
    to_carol = await follows.request_follow(URLS, alice, carol.actor)
    to_dave = await follows.request_follow(URLS, alice, dave.actor)
    assert to_carol.state == FollowState.ACCEPTED
    assert to_dave.state == FollowState.PENDING
    await follows.accept_follow(URLS, dave, to_dave)
    assert (await Follow.get(id=to_dave.id)).state == FollowState.ACCEPTED
    assert await OutgoingActivity.all().count() == 0


async def test_a_follow_back_is_accepted_without_asking(fed):
    """Ensures following back someone who asked to follow you needs no approval."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    asked = await follows.request_follow(URLS, alice, bob.actor)
    assert asked.state == FollowState.PENDING
    back = await follows.request_follow(URLS, bob, alice.actor)
    assert back.state == FollowState.ACCEPTED
    assert (await Follow.get(id=asked.id)).state == FollowState.PENDING  # bob still decides


async def test_remote_follow_back_is_accepted_without_asking(fed, remote):
    """Ensures a remote Follow from someone the space asked to follow is accepted at once."""
    app, _client = fed
    alice = await make_space("alice")
    bob = await follows.resolve_remote(app.state.services.remote_actors, BOB)
    await follows.request_follow(URLS, alice, bob)
    await send(fed, remote, follow_activity(alice.actor.ap_id))
    await run_jobs(fed)
    back = await Follow.get(follower_id=bob.id, followed_id=alice.actor_id)
    assert back.state == FollowState.ACCEPTED
    # Both were sent; deliveries to one host run concurrently, so in either order.
    assert sorted(a["type"] for a in remote.activities()) == ["Accept", "Follow"]


async def test_request_follow_refuses_self_duplicates_and_blocks(fed):
    """Ensures the documented errors: self-follow, duplicate request, block either way."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    carol = await make_space("carol")
    with pytest.raises(ServiceError):
        await follows.request_follow(URLS, alice, alice.actor)
    await follows.request_follow(URLS, alice, bob.actor)
    with pytest.raises(Conflict):
        await follows.request_follow(URLS, alice, bob.actor)
    await Block.create(blocker_id=carol.actor_id, blocked_id=alice.actor_id)
    with pytest.raises(Forbidden):
        await follows.request_follow(URLS, alice, carol.actor)


async def test_remote_block_ends_follows_both_ways(fed, remote):
    """Ensures a Block from a remote actor removes follows either way and is recorded."""
    app, _client = fed
    alice = await make_space("alice", auto_accept_follows=True)
    await send(fed, remote, follow_activity(alice.actor.ap_id))
    await run_jobs(fed)
    bob = await Actor.get(ap_id=BOB)
    await Follow.create(follower_id=alice.actor_id, followed_id=bob.id, state=FollowState.ACCEPTED)
    block = {"id": f"{BOB}#blocks/1", "type": "Block", "actor": BOB, "object": alice.actor.ap_id}
    await send(fed, remote, block)
    await run_jobs(fed)
    assert not await Follow.exists()
    assert await Block.filter(blocker_id=bob.id, blocked_id=alice.actor_id).exists()


async def test_actor_delete_removes_the_actor_and_its_follows(fed, remote):
    """Ensures a remote actor's Delete of itself removes it and its follows."""
    alice = await make_space("alice", auto_accept_follows=True)
    await send(fed, remote, follow_activity(alice.actor.ap_id))
    await run_jobs(fed)
    delete = {"id": f"{BOB}#delete", "type": "Delete", "actor": BOB, "object": BOB}
    await send(fed, remote, delete)
    await run_jobs(fed)
    assert not await Actor.filter(ap_id=BOB).exists()
    assert not await Follow.exists()


async def test_unknown_activity_types_are_marked_done(fed, remote):
    """Ensures an activity nobody handles yet is done and ignored, not retried."""
    await make_space("alice")
    arrive = {"id": f"{BOB}#arrive", "type": "Arrive", "actor": BOB, "object": BOB}
    await send(fed, remote, arrive)
    await run_jobs(fed)
    item = await InboxItem.get(ap_id=f"{BOB}#arrive")
    assert item.state == InboxState.DONE
    assert item.processed_at is not None


async def _stored_follow_from(actor: str, target: str) -> InboxItem:
    """An inbox item as if verified earlier, from an actor the database doesn't know."""
    ap_id = f"{actor}/follows/1"
    payload = {"id": ap_id, "type": "Follow", "actor": actor, "object": target}
    return await InboxItem.create(
        ap_id=ap_id,
        type="Follow",
        actor_ap_id=actor,
        payload=payload,
        next_attempt_at=datetime.now(UTC),
    )


async def test_a_failing_handler_is_retried_with_backoff(fed, remote):
    """Ensures processing that fails for a passing reason (a 503) is retried later."""
    alice = await make_space("alice")
    item = await _stored_follow_from(BOB, alice.actor.ap_id)
    remote.get_status = 503
    before = datetime.now(UTC)
    await run_jobs(fed)
    item = await InboxItem.get(id=item.id)
    assert item.state == InboxState.PENDING
    assert item.attempts == 1
    assert item.next_attempt_at > before + timedelta(seconds=50)
    assert "503" in (item.last_error or "")
    await run_jobs(fed)  # not due yet: untouched
    assert (await InboxItem.get(id=item.id)).attempts == 1
    remote.get_status = None
    await InboxItem.filter(id=item.id).update(next_attempt_at=datetime.now(UTC))
    await run_jobs(fed)
    assert (await InboxItem.get(id=item.id)).state == InboxState.DONE
    assert await Follow.filter(followed_id=alice.actor_id).exists()


async def test_an_activity_from_a_gone_actor_is_dropped(fed, remote):
    """Ensures a 404 for the sender's actor is permanent: done at once, reason kept."""
    alice = await make_space("alice")
    item = await _stored_follow_from("https://remote.test/users/ghost", alice.actor.ap_id)
    await run_jobs(fed)
    item = await InboxItem.get(id=item.id)
    assert item.state == InboxState.DONE
    assert item.attempts == 1
    assert "404" in (item.last_error or "")
    assert not await Follow.exists()


async def test_applied_items_of_a_batch_are_all_marked_done(fed, remote):
    """Ensures every item applied in one batch ends done, once, unlocked and counted; and an
    unhandled type among them is done with its reason."""
    await make_space("alice")
    await make_space("carol")
    for name in ("alice", "carol"):
        follow = {
            "id": f"{BOB}/follows/{name}",
            "type": "Follow",
            "actor": BOB,
            "object": f"https://local.test/@{name}",
        }
        await send(fed, remote, follow)
    await send(fed, remote, {"id": f"{BOB}#arrive", "type": "Arrive", "actor": BOB, "object": BOB})
    await run_jobs(fed)
    items = await InboxItem.all().order_by("id")
    assert len(items) == 3
    assert all(i.state == InboxState.DONE and i.attempts == 1 for i in items)
    assert all(i.processed_at is not None and i.locked_until is None for i in items)
    assert [i.last_error for i in items] == [None, None, "no handler for Arrive activities"]
    assert await Follow.filter(follower__ap_id=BOB).count() == 2
