"""The audience rule as a matrix: viewers x audiences x every path that can show an item.

A hidden item must answer 404 (never 403) on its own page and be absent from every list, count
and feed. Paths: the space page, the item page, the blog index, tag pages, the home feed, the
Atom feed, the likes page and comment threads.
"""

from __future__ import annotations

import httpx
import pytest

from qspace.models import FriendGroup, FriendGroupMember, Space
from qspace.services import comments, items
from qspace.services.audience import viewer_for
from tests.support.factories import PASSWORD, URLS, make_follow, make_friends, make_space
from tests.support.web import login

AUDIENCES = ["public", "friends", "group", "private"]
VIEWERS = ["anonymous", "stranger", "friend", "member", "nonmember_friend", "owner"]

# Who may see what (the design's rule).
EXPECTED = {
    "public": set(VIEWERS),
    "friends": {"friend", "member", "nonmember_friend", "owner"},
    "group": {"member", "owner"},
    "private": {"owner"},
}


@pytest.fixture
async def world(db):
    """Owner alice with a friend group; friend (not in group), member (in group), stranger."""
    alice = await make_space("alice")
    people = {
        name: await make_space(name) for name in ("friend", "member", "nonmember", "stranger")
    }
    await make_friends(alice, people["friend"])
    await make_friends(alice, people["member"])
    await make_friends(alice, people["nonmember"])
    group = await FriendGroup.create(space=alice, name="close")
    await FriendGroupMember.create(group=group, actor_id=people["member"].actor_id)
    # The stranger follows alice without being followed back: not a friend.
    await make_follow(people["stranger"], alice)
    made = {}
    for audience in AUDIENCES:
        group_id = group.id if audience == "group" else None
        made[("status", audience)] = await items.publish_status(
            URLS,
            alice,
            text=f"status-{audience}-secret #matrix",
            audience=audience,
            group_id=group_id,
        )
        made[("blog", audience)] = await items.publish_blog_post(
            URLS,
            alice,
            title=f"blog-{audience}-secret",
            markdown="body",
            audience=audience,
            group_id=group_id,
            tags=["matrix"],
        )
    return alice, made


async def client_for(app, viewer: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://local.test"
    )
    account = {
        "stranger": "stranger",
        "friend": "friend",
        "member": "member",
        "nonmember_friend": "nonmember",
        "owner": "alice",
    }.get(viewer)
    if account:
        await login(client, account, PASSWORD)
    return client


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_every_path_applies_the_same_audience_rule(app, world, viewer):
    """Ensures each viewer sees exactly the items their relation allows, on every path."""
    alice, made = world
    client = await client_for(app, viewer)
    try:
        space_page = (await client.get("/@alice")).text
        blog_index = (await client.get("/@alice/blog")).text
        tag_page = (await client.get("/@alice/tags/matrix")).text
        atom = (await client.get("/@alice/feed.atom")).text
        home = (await client.get("/home")).text if viewer != "anonymous" else ""
        for (kind, audience), item in made.items():
            marker = f"{kind}-{audience}-secret"
            allowed = viewer in EXPECTED[audience]
            path = item.ap_id.removeprefix("https://local.test")
            own_page = await client.get(path)
            assert own_page.status_code == (200 if allowed else 404), (viewer, marker)
            likes_page = await client.get(f"/items/{item.id}/likes")
            assert likes_page.status_code == (200 if allowed else 404), (viewer, marker)
            if kind == "status":
                assert (marker in space_page) is allowed, (viewer, marker, "space page")
            else:
                assert (marker in blog_index) is allowed, (viewer, marker, "blog index")
                assert (marker in space_page) is allowed, (viewer, marker, "space page blog")
            assert (marker in tag_page) is allowed, (viewer, marker, "tag page")
            # The Atom feed is public: only public items, whoever asks.
            assert (marker in atom) is (audience == "public"), (viewer, marker, "atom")
            if viewer in ("friend", "member", "nonmember_friend", "owner", "stranger"):
                # Everybody here follows alice, so the home feed holds what they may see.
                assert (marker in home) is allowed, (viewer, marker, "home feed")
    finally:
        await client.aclose()


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_comments_inherit_their_items_audience(app, world, viewer):
    """Ensures a comment on a friends-only item is only visible where the item is."""
    alice, made = world
    target = made[("status", "friends")]
    friend = await Space.get(name="friend")
    friend_viewer = await viewer_for(await friend.actor)
    comment = await comments.add_comment(
        URLS, author_space=friend, target_id=target.id, text="comment-secret", viewer=friend_viewer
    )
    assert comment.audience.value == "friends"
    client = await client_for(app, viewer)
    try:
        page = await client.get(target.ap_id.removeprefix("https://local.test"))
        allowed = viewer in EXPECTED["friends"]
        assert ("comment-secret" in page.text) is allowed
        link = await client.get(f"/@friend/comments/{comment.id}")
        assert link.status_code == (303 if allowed else 404)
    finally:
        await client.aclose()
