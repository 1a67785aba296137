"""Friends between spaces of one server: requests, approval with follow-back, decline,
unfriending, blocking, hidden lists."""

from __future__ import annotations

import httpx

from qspace.models import Block, Follow, FollowState, Item, Notification, Space
from qspace.services.friends import friend_ids
from tests.support.factories import PASSWORD, make_space, make_status
from tests.support.web import login, post_form


def other(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://local.test")


async def test_request_approve_with_follow_back_makes_friends(app, client, db):
    """Ensures a friend request waits, and approving with follow-back makes both friends."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await login(client, "alice", PASSWORD)
    sent = await post_form(
        client, "/friends/add", {"handle": "@bob@local.test"}, token_from="/friends/requests"
    )
    assert sent.status_code == 303
    follow = await Follow.get(follower_id=alice.actor_id, followed_id=bob.actor_id)
    assert follow.state == FollowState.PENDING
    assert await Notification.filter(recipient_id=bob.id, kind="friend_request").exists()
    async with other(app) as bc:
        await login(bc, "bob", PASSWORD)
        page = await bc.get("/friends/requests")
        assert "alice" in page.text
        done = await post_form(
            bc,
            f"/friends/requests/{follow.id}",
            {"answer": "approve", "follow_back": "on"},
            token_from="/friends/requests",
        )
        assert done.status_code == 303
    assert await friend_ids(alice.actor_id) == {bob.actor_id}
    # Bob's follow-back to alice is pending until she approves (she doesn't auto-accept).
    back = await Follow.get(follower_id=bob.actor_id, followed_id=alice.actor_id)
    await post_form(
        client,
        f"/friends/requests/{back.id}",
        {"answer": "approve"},
        token_from="/friends/requests",
    )
    assert await friend_ids(alice.actor_id) == {bob.actor_id}
    page = await client.get("/@alice/friends")
    assert "bob" in page.text


async def test_auto_accept_and_decline_and_unfriend(app, client, db):
    """Ensures auto-accepting spaces accept at once, declines delete, unfriending ends it."""
    alice = await make_space("alice")
    await make_space("carol", auto_accept_follows=True)
    await login(client, "alice", PASSWORD)
    await post_form(
        client, "/friends/add", {"handle": "carol@local.test"}, token_from="/friends/requests"
    )
    carol = await Space.get(name="carol")
    assert (await Follow.get(follower_id=alice.actor_id)).state == FollowState.ACCEPTED
    await post_form(
        client,
        "/friends/unfollow",
        {"actor_id": str(carol.actor_id)},
        token_from="/friends/requests",
    )
    assert not await Follow.filter(follower_id=alice.actor_id).exists()


async def test_decline_removes_the_request(app, client, db):
    """Ensures a declined request is gone."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await login(client, "alice", PASSWORD)
    await post_form(client, "/friends/add", {"actor_id": str(bob.actor_id)}, token_from="/@bob")
    follow = await Follow.get(follower_id=alice.actor_id)
    async with other(app) as bc:
        await login(bc, "bob", PASSWORD)
        await post_form(
            bc,
            f"/friends/requests/{follow.id}",
            {"answer": "decline"},
            token_from="/friends/requests",
        )
    assert not await Follow.filter(id=follow.id).exists()


async def test_nobody_answers_someone_elses_requests(app, client, db):
    """Ensures only the addressee can approve a friend request."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await make_space("eve")
    await Follow.create(follower_id=alice.actor_id, followed_id=bob.actor_id)
    follow = await Follow.get()
    await login(client, "eve", PASSWORD)
    refused = await post_form(
        client,
        f"/friends/requests/{follow.id}",
        {"answer": "approve"},
        token_from="/friends/requests",
    )
    assert refused.status_code == 404
    assert (await Follow.get(id=follow.id)).state == FollowState.PENDING


async def test_block_ends_follows_and_interaction(app, client, db):
    """Ensures blocking ends follows both ways and stops the blocked person's comments."""
    alice = await make_space("alice")
    eve = await make_space("eve")
    await Follow.create(
        follower_id=alice.actor_id, followed_id=eve.actor_id, state=FollowState.ACCEPTED
    )
    await Follow.create(
        follower_id=eve.actor_id, followed_id=alice.actor_id, state=FollowState.ACCEPTED
    )
    status = await make_status(alice, "hello")
    await login(client, "alice", PASSWORD)
    page = (await client.get("/@eve")).text
    assert 'action="/friends/block"' in page
    await post_form(client, "/friends/block", {"actor_id": str(eve.actor_id)}, token_from="/@eve")
    assert await Block.filter(blocker_id=alice.actor_id, blocked_id=eve.actor_id).exists()
    assert not await Follow.all().exists()
    async with other(app) as ec:
        await login(ec, "eve", PASSWORD)
        refused = await post_form(
            ec, f"/items/{status.id}/comments", {"text": "hi"}, token_from="/@alice"
        )
        assert refused.status_code == 403
        again = await post_form(
            ec, "/friends/add", {"actor_id": str(alice.actor_id)}, token_from="/@alice"
        )
        assert again.status_code == 403
    assert await Item.filter(kind="comment").count() == 0
    await post_form(
        client,
        "/friends/block",
        {"actor_id": str(eve.actor_id), "action": "unblock"},
        token_from="/@eve",
    )
    assert not await Block.all().exists()


async def test_hidden_social_graph(app, client, db):
    """Ensures an owner can hide followers/following lists from others."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await Follow.create(
        follower_id=bob.actor_id, followed_id=alice.actor_id, state=FollowState.ACCEPTED
    )
    assert "bob" in (await client.get("/@alice/friends")).text
    alice.hide_social_graph = True
    await alice.save()
    assert 'id="follower-list"' not in (await client.get("/@alice/friends")).text


async def test_unknown_handles_are_explained(client, db):
    """Ensures a bad or unknown handle gives a clear error and no follow."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    bad = await post_form(
        client, "/friends/add", {"handle": "not a handle"}, token_from="/friends/requests"
    )
    assert bad.status_code == 400
    unknown = await post_form(
        client, "/friends/add", {"handle": "@ghost@local.test"}, token_from="/friends/requests"
    )
    assert unknown.status_code == 404
    assert not await Follow.all().exists()
