"""Guestbook, visitor log, home feed, notifications and the space settings pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from qspace.models import Account, Item, ItemKind, Notification, Space, Visit
from qspace.services import feed, freshness
from qspace.services.audience import viewer_for
from tests.support.factories import PASSWORD, make_follow, make_friends, make_space, make_status
from tests.support.web import login, post_form


def other_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://local.test")


async def test_guestbook_public_and_private_messages(app, client, db):
    """Ensures a private message is seen by the owner and the writer only."""
    await make_space("alice")
    await make_space("bob")
    await make_space("eve")
    await login(client, "bob", PASSWORD)
    await post_form(client, "/@alice/guestbook", {"text": "hello alice!"}, token_from="/@alice")
    await post_form(
        client, "/@alice/guestbook", {"text": "just for you", "private": "on"}, token_from="/@alice"
    )
    assert await Item.filter(kind=ItemKind.GUESTBOOK).count() == 2
    assert "just for you" in (await client.get("/@alice/guestbook")).text
    async with other_client(app) as eve:
        await login(eve, "eve", PASSWORD)
        page = (await eve.get("/@alice/guestbook")).text
        assert "hello alice!" in page and "just for you" not in page
    async with other_client(app) as anon:
        page = (await anon.get("/@alice")).text
        assert "hello alice!" in page and "just for you" not in page
    async with other_client(app) as alice:
        await login(alice, "alice", PASSWORD)
        page = (await alice.get("/@alice/guestbook")).text
        assert "just for you" in page
    assert await Notification.filter(recipient__name="alice", kind="guestbook").count() == 2


async def test_guestbook_moderation_queue_reply_hide_delete(app, client, db):
    """Ensures held messages wait for approval; the owner replies, hides and deletes."""
    alice = await make_space("alice")
    alice.guestbook_moderated = True
    alice.pinned_note = "Be nice here!"
    await alice.save()
    await make_space("bob")
    await login(client, "bob", PASSWORD)
    await post_form(client, "/@alice/guestbook", {"text": "please approve"}, token_from="/@alice")
    entry = await Item.get(kind=ItemKind.GUESTBOOK)
    assert entry.state.value == "held"
    async with other_client(app) as anon:
        page = (await anon.get("/@alice/guestbook")).text
        assert "please approve" not in page and "Be nice here!" in page
    assert "waiting for approval" in (await client.get("/@alice/guestbook")).text  # the writer
    async with other_client(app) as owner:
        await login(owner, "alice", PASSWORD)
        assert "1 message(s) wait" in (await owner.get("/@alice/guestbook")).text
        await post_form(
            owner,
            f"/@alice/guestbook/{entry.id}/moderate",
            {"action": "approve"},
            token_from="/@alice/guestbook",
        )
        await post_form(
            owner,
            f"/items/{entry.id}/comments",
            {"text": "thanks bob!", "back": "/@alice/guestbook"},
            token_from="/@alice/guestbook",
        )
        async with other_client(app) as anon:
            page = (await anon.get("/@alice/guestbook")).text
            assert "please approve" in page and "thanks bob!" in page
        await post_form(
            owner,
            f"/@alice/guestbook/{entry.id}/moderate",
            {"action": "hide"},
            token_from="/@alice/guestbook",
        )
        async with other_client(app) as anon:
            assert "please approve" not in (await anon.get("/@alice/guestbook")).text
        await post_form(
            owner, f"/@alice/guestbook/{entry.id}/delete", {}, token_from="/@alice/guestbook"
        )
    assert (await Item.get(id=entry.id)).deleted_at is not None


async def test_only_the_owner_moderates(client, db):
    """Ensures a visitor can't approve or hide messages on someone else's wall."""
    await make_space("alice")
    await make_space("bob")
    await login(client, "bob", PASSWORD)
    await post_form(client, "/@alice/guestbook", {"text": "mine"}, token_from="/@alice")
    entry = await Item.get(kind=ItemKind.GUESTBOOK)
    refused = await post_form(
        client, f"/@alice/guestbook/{entry.id}/moderate", {"action": "hide"}, token_from="/@alice"
    )
    assert refused.status_code == 403
    assert (await Item.get(id=entry.id)).state.value == "published"


async def test_guestbook_policy_nobody(client, db):
    """Ensures a closed guestbook refuses messages."""
    alice = await make_space("alice")
    alice.policy = {"guestbook": "nobody"}
    await alice.save()
    await make_space("bob")
    await login(client, "bob", PASSWORD)
    refused = await post_form(client, "/@alice/guestbook", {"text": "x"}, token_from="/@alice")
    assert refused.status_code == 403
    assert await Item.all().count() == 0


async def test_visitor_log_records_signed_in_visitors_and_respects_choices(app, client, db):
    """Ensures visits are logged, the owner can turn the log off, visitors can opt out."""
    alice = await make_space("alice")
    await make_space("bob")
    await make_space("carol")
    await login(client, "bob", PASSWORD)
    await client.get("/@alice")
    assert await Visit.filter(space_id=alice.id).count() == 1
    async with other_client(app) as carol:
        await login(carol, "carol", PASSWORD)
        await Account.filter(username="carol").update(record_visits=False)
        await carol.get("/@alice")
    assert await Visit.filter(space_id=alice.id).count() == 1
    async with other_client(app) as anon:
        page = (await anon.get("/@alice")).text
        assert 'href="/@bob"' in page
    await Space.filter(id=alice.id).update(visitor_log_enabled=False)
    await freshness.touch(alice.id)  # as the settings page does when it saves
    await client.get("/@alice")
    async with other_client(app) as anon:
        assert "No visitors recorded." in (await anon.get("/@alice")).text


async def test_owner_visits_are_not_logged(client, db):
    """Ensures looking at one's own space leaves no trace."""
    alice = await make_space("alice")
    await login(client, "alice", PASSWORD)
    await client.get("/@alice")
    assert await Visit.filter(space_id=alice.id).count() == 0


async def test_home_feed_keyset_pagination_and_audience(client, db):
    """Ensures the feed shows followed people's visible items, newest first, page by page."""
    me = await make_space("me")
    friend = await make_space("friend")
    followed = await make_space("followed")
    stranger = await make_space("stranger")
    await make_friends(me, friend)
    await make_follow(me, followed)
    for i in range(15):
        await make_status(friend, f"friend-{i:02d}")
        await make_status(followed, f"followed-{i:02d}")
    await make_status(followed, "followed-friends-only", audience="friends")
    await make_status(stranger, "stranger-post")
    viewer = await viewer_for(await me.actor)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page, cursor = await feed.home_feed(viewer, before=cursor, limit=10)
        seen += [i.source for i in page]
        if cursor is None:
            break
    assert len(seen) == 30 and len(set(seen)) == 30
    assert "stranger-post" not in seen and "followed-friends-only" not in seen
    assert seen[0] == "followed-14"  # newest first
    await login(client, "me", PASSWORD)
    html = (await client.get("/home")).text
    assert "followed-14" in html and "?before=" in html


async def test_home_feed_pages_span_every_time_window(client, db):
    """Ensures pages are complete and in order when the posts are spread from minutes to
    months old (each page is looked for in widening time windows, feed.WINDOWS)."""
    me = await make_space("me")
    followed = await make_space("followed")
    await make_follow(me, followed)
    now = datetime.now(UTC)
    ages = [timedelta(minutes=5 * n) for n in range(3)]  # within the first window
    ages += [timedelta(hours=3 + n) for n in range(4)]
    ages += [timedelta(days=2 + n) for n in range(9)]
    ages += [timedelta(days=100 + 30 * n) for n in range(5)]  # beyond every bounded window
    for n, age in enumerate(ages):
        status = await make_status(followed, f"post-{n:02d}")
        await Item.filter(id=status.id).update(published_at=now - age)
    viewer = await viewer_for(await me.actor)
    seen: list[str] = []
    cursor = None
    for _ in range(len(ages)):
        page, cursor = await feed.home_feed(viewer, before=cursor, limit=4)
        seen += [i.source for i in page]
        if cursor is None:
            break
    assert seen == [f"post-{n:02d}" for n in range(len(ages))]


async def test_notifications_unread_count_and_mark_read(app, client, db):
    """Ensures likes show up as notifications with an unread badge until marked read."""
    alice = await make_space("alice")
    await make_space("bob")
    status = await make_status(alice, "hi")
    await login(client, "bob", PASSWORD)
    await post_form(client, f"/items/{status.id}/like", {}, token_from="/@alice")
    async with other_client(app) as owner:
        await login(owner, "alice", PASSWORD)
        page = (await owner.get("/notifications")).text
        assert 'class="qs-badge">1<' in page and "liked your status" in page
        await post_form(owner, "/notifications/read", {}, token_from="/notifications")
        assert 'class="qs-badge"' not in (await owner.get("/notifications")).text


async def test_space_settings_profile_modules_and_options(client, db):
    """Ensures the owner edits profile, module layout and options, and they take effect."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    await post_form(
        client,
        "/settings/space/profile",
        {"display_name": "Alice W.", "bio": "I like #cats", "mood": "sleepy"},
        token_from="/settings/space",
    )
    page = (await client.get("/@alice")).text
    assert "Alice W." in page and "sleepy" in page and "/@alice/tags/cats" in page
    form = {
        "visible_guestbook": "on",
        "order_guestbook": "1",
        "column_guestbook": "main",
        "visible_statuses": "on",
        "order_statuses": "2",
        "column_statuses": "side",
    }
    await post_form(client, "/settings/space/modules", form, token_from="/settings/space")
    space = await Space.get(name="alice")
    ids = [m["id"] for m in space.layout["modules"] if m["visible"]]
    assert ids == ["guestbook", "statuses"]
    page = (await client.get("/@alice")).text
    assert 'id="guestbook"' in page and 'id="blog"' not in page
    await post_form(
        client,
        "/settings/space/options",
        {
            "policy_comment": "friends",
            "policy_like": "bogus",
            "guestbook_moderated": "on",
            "auto_accept_follows": "on",
        },
        token_from="/settings/space",
    )
    space = await Space.get(name="alice").select_related("actor")
    assert space.policy == {"comment": "friends"}
    assert space.guestbook_moderated and space.auto_accept_follows
    assert not space.visitor_log_enabled
    assert space.actor.manually_approves is False
    assert (await Account.get(username="alice")).record_visits is False


async def test_friend_groups_only_hold_friends(client, db):
    """Ensures groups are created and take only friends as members."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    eve = await make_space("eve")
    await make_friends(alice, bob)
    await login(client, "alice", PASSWORD)
    await post_form(
        client, "/settings/space/groups", {"name": "family"}, token_from="/settings/space"
    )
    from qspace.models import FriendGroup, FriendGroupMember

    group = await FriendGroup.get(name="family")
    ok = await post_form(
        client,
        f"/settings/space/groups/{group.id}",
        {"members": str(bob.actor_id)},
        token_from="/settings/space",
    )
    assert ok.status_code == 303
    refused = await post_form(
        client,
        f"/settings/space/groups/{group.id}",
        {"members": str(eve.actor_id)},
        token_from="/settings/space",
    )
    assert refused.status_code == 400
    members = await FriendGroupMember.filter(group_id=group.id).values_list("actor_id", flat=True)
    assert list(members) == [bob.actor_id]
