"""Content between two qspace servers in one process (https://a.test and https://b.test):
posts by audience, comments, likes, guestbook messages and deletes, over real signed
deliveries and the inbox jobs, as in test_follow_interop.py."""

from __future__ import annotations

import httpx
import pytest

from qspace.db import use_database
from qspace.models import (
    Actor,
    Delivery,
    Item,
    ItemKind,
    Notification,
    OutgoingActivity,
    Space,
)
from qspace.services import comments, feed, follows, guestbook, items, reactions, remote_writes
from qspace.services.audience import viewer_for
from tests.interop import test_follow_interop as follow_interop
from tests.interop.test_follow_interop import Server

servers = follow_interop.servers
AP = {"Accept": "application/activity+json"}


async def settle(*order: Server) -> None:
    """Run the servers' jobs, in turn, until none of them has anything left to do."""
    for _round in range(10):
        if sum([await server.run_jobs() for server in order]) == 0:
            return
    raise AssertionError("the servers kept finding work")


async def befriend(a: Server, alice: Space, b: Server, bob: Space) -> None:
    """alice asks bob, bob approves and follows back: they are friends on both servers."""
    with use_database(a.db):
        bob_on_a = await follows.resolve_remote(a.services.remote_actors, "@bob@b.test")
        await follows.request_follow(a.urls, alice, bob_on_a)
    await settle(a, b)
    with use_database(b.db):
        [request] = await follows.pending_requests(bob)
        await follows.accept_follow(b.urls, bob, request)
        await follows.request_follow(b.urls, bob, request.follower)
    await settle(b, a)


async def remote_copy(server: Server, ap_id: str) -> Item | None:
    with use_database(server.db):
        return await Item.get_or_none(ap_id=ap_id)


@pytest.fixture
async def friends(servers):
    """alice on A and bob on B are friends; carol on B is a stranger to alice."""
    a, b = servers
    alice = await a.make_space("alice")
    bob = await b.make_space("bob")
    carol = await b.make_space("carol")
    await befriend(a, alice, b, bob)
    return a, b, alice, bob, carol


async def test_friends_see_public_and_friends_posts_and_strangers_only_public(friends):
    """Ensures bob's home feed shows alice's public and friends-only posts and not the
    only-me one, carol (on bob's server) sees only the public one, and each audience was
    delivered to exactly the inboxes it names."""
    a, b, alice, bob, carol = friends
    with use_database(a.db):
        public = await items.publish_status(a.urls, alice, text="hello world", audience="public")
        friendly = await items.publish_status(a.urls, alice, text="for friends", audience="friends")
        mine = await items.publish_status(a.urls, alice, text="just me", audience="private")
        sent = {
            row.item_id: sorted(
                await Delivery.filter(activity_id=row.id).values_list("inbox_url", flat=True)
            )
            for row in await OutgoingActivity.filter(type="Create")
        }
    assert sent == {
        public.id: ["https://b.test/inbox"],  # a follower's server: its shared inbox
        friendly.id: ["https://b.test/@bob/inbox"],  # friends: personal inboxes only
    }
    assert mine.id not in sent
    await settle(a, b)
    with use_database(b.db):
        bob_viewer = await viewer_for(await Actor.get(id=bob.actor_id))
        carol_viewer = await viewer_for(await Actor.get(id=carol.actor_id))
        page, _next = await feed.home_feed(bob_viewer)
        assert [i.ap_id for i in page] == [friendly.ap_id, public.ap_id]
        copies = {i.ap_id: i for i in await Item.filter(is_local=False)}
        assert set(copies) == {public.ap_id, friendly.ap_id}
        assert carol_viewer.can_see(copies[public.ap_id])
        assert not carol_viewer.can_see(copies[friendly.ap_id])
        assert await feed.home_feed(carol_viewer) == ([], None)


async def test_comments_likes_and_guestbook_messages_reach_the_author(friends):
    """Ensures bob's comment shows threaded under alice's post, his like counts, his
    guestbook message lands on alice's wall, and alice is notified of each."""
    a, b, alice, bob, _carol = friends
    with use_database(a.db):
        post = await items.publish_status(a.urls, alice, text="a post", audience="friends")
    await settle(a, b)
    with use_database(b.db):
        copy = await Item.get(ap_id=post.ap_id)
        viewer = await viewer_for(await Actor.get(id=bob.actor_id))
        comment = await remote_writes.comment_on_remote(
            b.urls, author_space=bob, target_id=copy.id, text="nice one", viewer=viewer
        )
        assert await reactions.toggle_like(copy.id, actor=bob.actor, viewer=viewer)
        alice_on_b = await Actor.get(ap_id=alice.actor.ap_id)
        await remote_writes.write_on_remote_wall(
            b.urls, writer_space=bob, owner=alice_on_b, text="hi from b!"
        )
    await settle(b, a)
    with use_database(a.db):
        root = await Item.get(id=post.id)
        assert (root.comment_count, root.like_count) == (1, 1)
        alice_viewer = await viewer_for(alice.actor, [alice.id])
        [entry] = await comments.thread(root, alice_viewer)
        assert entry.comment.ap_id == comment.ap_id
        assert "nice one" in entry.comment.content_html
        assert entry.comment.audience == root.audience  # a friends-only thread stays so
        [message] = await guestbook.entries(alice, alice_viewer)
        assert message.author.ap_id == bob.actor.ap_id
        assert "hi from b!" in message.content_html
        assert "@<span>alice" not in message.content_html  # the leading mention is dropped
        kinds = sorted(
            await Notification.filter(recipient_id=alice.id).values_list("kind", flat=True)
        )
        assert kinds == ["comment", "friend_accepted", "guestbook", "like"]


async def test_alice_replies_to_bobs_comment_and_bob_sees_it_threaded(friends):
    """Ensures a reply by the author of a post reaches the remote commenter's server and is
    stored there under the same thread."""
    a, b, alice, bob, _carol = friends
    with use_database(a.db):
        post = await items.publish_status(a.urls, alice, text="question?", audience="public")
    await settle(a, b)
    with use_database(b.db):
        copy = await Item.get(ap_id=post.ap_id)
        viewer = await viewer_for(await Actor.get(id=bob.actor_id))
        bobs = await remote_writes.comment_on_remote(
            b.urls, author_space=bob, target_id=copy.id, text="answer", viewer=viewer
        )
    await settle(b, a)
    with use_database(a.db):
        on_a = await Item.get(ap_id=bobs.ap_id)
        viewer = await viewer_for(alice.actor, [alice.id])
        reply = await comments.add_comment(
            a.urls, author_space=alice, target_id=on_a.id, text="thanks", viewer=viewer
        )
    await settle(a, b)
    with use_database(b.db):
        copy = await Item.get(ap_id=reply.ap_id)
        assert copy.kind == ItemKind.COMMENT
        assert (copy.in_reply_to_id, copy.root_id) == (bobs.id, bobs.root_id)
        bob_notes = await Notification.filter(recipient_id=bob.id, kind="reply").count()
        assert bob_notes == 1


async def test_deleting_a_post_tombstones_the_copy_and_its_url_answers_410(friends):
    """Ensures alice's Delete reaches bob's server, which hides its copy, and the post's URL
    answers 410 with a Tombstone afterwards."""
    a, b, alice, bob, _carol = friends
    with use_database(a.db):
        post = await items.publish_status(a.urls, alice, text="oops", audience="public")
    await settle(a, b)
    with use_database(b.db):
        viewer = await viewer_for(await Actor.get(id=bob.actor_id))
        assert [i.ap_id for i in (await feed.home_feed(viewer))[0]] == [post.ap_id]
    with use_database(a.db):
        await items.delete_item(post, actor_id=alice.actor_id)
        deletes = await OutgoingActivity.filter(type="Delete").values_list("id", flat=True)
        assert await Delivery.filter(activity_id__in=list(deletes)).values_list(
            "inbox_url", flat=True
        ) == ["https://b.test/inbox"]
    await settle(a, b)
    with use_database(b.db):
        copy = await Item.get(ap_id=post.ap_id)
        assert copy.deleted_at is not None and copy.content_html == ""
        assert (await feed.home_feed(viewer))[0] == []
    transport = httpx.ASGITransport(app=a.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://a.test") as client:
        with use_database(a.db):
            as_json = await client.get(f"/@alice/status/{post.id}", headers=AP)
            as_html = await client.get(f"/@alice/status/{post.id}")
    assert as_json.status_code == 410
    assert as_json.json()["type"] == "Tombstone"
    assert as_json.json()["formerType"] == "Note"
    assert as_html.status_code == 410
