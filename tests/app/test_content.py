"""Status updates, blog posts, comments, likes and shares through the web pages."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from qspace.models import Item, ItemKind, Like, Media, Notification, Share
from qspace.services import items
from tests.support.factories import PASSWORD, URLS, make_friends, make_space, make_status
from tests.support.web import csrf, login, post_form


def jpeg(color=(200, 30, 30), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


async def test_status_with_photos_links_and_mentions(client, db):
    """Ensures a status with two photos, a link, a mention and a tag is stored and shown."""
    await make_space("alice")
    await make_space("bob")
    await login(client, "alice", PASSWORD)
    token = await csrf(client, "/@alice")
    response = await client.post(
        "/@alice/status",
        data={
            "csrf_token": token,
            "text": "hi @bob see https://example.org/x #sunny",
            "audience": "public",
            "mood": "cheerful",
        },
        files=[
            ("photos", ("a.jpg", jpeg(), "image/jpeg")),
            ("photos", ("b.jpg", jpeg((0, 90, 200)), "image/jpeg")),
        ],
    )
    assert response.status_code == 303
    item = await Item.get(kind=ItemKind.STATUS)
    assert item.mood == "cheerful"
    assert 'href="https://local.test/@bob"' in item.content_html
    assert 'href="https://example.org/x"' in item.content_html
    assert "/@alice/tags/sunny" in item.content_html
    photos = await Media.filter(item_id=item.id).order_by("position")
    assert len(photos) == 2
    page = await client.get("/@alice")
    assert page.text.count("/media/") >= 2
    served = await client.get(f"/media/{photos[0].capability}/medium")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"


async def test_status_limits_are_enforced_with_clear_errors(client, db):
    """Ensures too long text, ten photos and a fake image are refused and nothing is stored."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    token = await csrf(client, "/@alice")
    long = await client.post(
        "/@alice/status", data={"csrf_token": token, "text": "x" * 5001, "audience": "public"}
    )
    assert long.status_code == 400 and "5000" in long.text
    ten = [("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(10)]
    many = await client.post(
        "/@alice/status", data={"csrf_token": token, "text": "x", "audience": "public"}, files=ten
    )
    assert many.status_code == 400 and "9 photos" in many.text
    fake = await client.post(
        "/@alice/status",
        data={"csrf_token": token, "text": "x", "audience": "public"},
        files=[("photos", ("evil.jpg", b"<?php echo 1; ?>", "image/jpeg"))],
    )
    assert fake.status_code == 400
    assert await Item.all().count() == 0
    assert await Media.all().count() == 0


async def test_only_the_owner_posts_in_a_space(client, db):
    """Ensures nobody can post a status into someone else's space."""
    await make_space("alice")
    await make_space("mallory")
    await login(client, "mallory", PASSWORD)
    token = await csrf(client, "/@alice")
    response = await client.post(
        "/@alice/status", data={"csrf_token": token, "text": "hijack", "audience": "public"}
    )
    assert response.status_code == 404
    assert await Item.all().count() == 0


async def test_blog_draft_publish_edit_keeps_the_permalink(client, db):
    """Ensures drafts stay private, publishing dates the post, editing keeps URL and sets updated."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    made = await post_form(
        client,
        "/@alice/blog",
        {
            "title": "My Trip",
            "body": "# Day 1\n\n*fun*",
            "tags": "travel, Photos",
            "draft": "on",
            "audience": "public",
        },
        token_from="/@alice/blog/new",
    )
    assert made.status_code == 303 and made.headers["location"] == "/@alice/blog/my-trip"
    post = await Item.get(kind=ItemKind.BLOG)
    assert post.state.value == "draft" and post.published_at is None
    async with httpx.AsyncClient(
        transport=client._transport, base_url="https://local.test"
    ) as anon:
        assert (await anon.get("/@alice/blog/my-trip")).status_code == 404
        assert "My Trip" not in (await anon.get("/@alice/blog")).text
    await post_form(
        client,
        "/@alice/blog/my-trip/edit",
        {"title": "My Trip", "body": "# Day 1", "tags": "travel", "audience": "public"},
        token_from="/@alice/blog/my-trip/edit",
    )
    post = await Item.get(id=post.id)
    assert post.state.value == "published" and post.published_at and post.updated_at is None
    await post_form(
        client,
        "/@alice/blog/my-trip/edit",
        {
            "title": "My Trip (edited)",
            "body": "<script>x</script> new",
            "tags": "",
            "audience": "public",
        },
        token_from="/@alice/blog/my-trip/edit",
    )
    post = await Item.get(id=post.id)
    assert post.updated_at is not None and post.slug == "my-trip"
    assert "<script>" not in post.content_html
    async with httpx.AsyncClient(
        transport=client._transport, base_url="https://local.test"
    ) as anon:
        page = await anon.get("/@alice/blog/my-trip")
        assert page.status_code == 200 and "My Trip (edited)" in page.text


async def test_blog_index_paginates(client, db):
    """Ensures the blog index shows ten posts a page with links to older ones."""
    space = await make_space("alice")
    for i in range(12):
        await items.publish_blog_post(URLS, space, title=f"Post number {i}", markdown="x")
    first = await client.get("/@alice/blog")
    assert first.text.count('class="qs-blog-teaser"') == 10
    assert "?page=2" in first.text
    second = await client.get("/@alice/blog?page=2")
    assert second.text.count('class="qs-blog-teaser"') == 2
    assert "Post number 0" in second.text


async def test_threaded_comments_edit_and_delete(app, client, db):
    """Ensures replies nest, authors edit, the space owner deletes, counts follow."""
    alice = await make_space("alice")
    await make_space("bob")
    status = await make_status(alice, "look at this")
    await login(client, "bob", PASSWORD)
    page = f"/@alice/status/{status.id}"
    first = await post_form(
        client, f"/items/{status.id}/comments", {"text": "nice!", "back": page}, token_from=page
    )
    assert first.status_code == 303
    comment = await Item.get(kind=ItemKind.COMMENT)
    await post_form(
        client,
        f"/items/{status.id}/comments",
        {"text": "replying to myself", "reply_to": str(comment.id), "back": page},
        token_from=page,
    )
    reply = await Item.get(kind=ItemKind.COMMENT, in_reply_to_id=comment.id)
    assert reply.root_id == status.id
    html = (await client.get(page)).text
    assert f'qs-depth-0" id="c{comment.id}"' in html
    assert f'qs-depth-1" id="c{reply.id}"' in html
    assert (await Item.get(id=status.id)).comment_count == 2
    await post_form(
        client, f"/items/{comment.id}/edit", {"text": "very nice!", "back": page}, token_from=page
    )
    assert "very nice!" in (await Item.get(id=comment.id)).content_html
    # Alice (the space owner) deletes bob's first comment; the reply stays under a placeholder.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://local.test"
    ) as owner:
        await login(owner, "alice", PASSWORD)
        done = await post_form(
            owner, f"/items/{comment.id}/delete", {"back": page}, token_from=page
        )
        assert done.status_code == 303
    html = (await client.get(page)).text
    assert "This comment was deleted." in html and "replying to myself" in html
    assert (await Item.get(id=status.id)).comment_count == 1
    notes = await Notification.filter(recipient__name="alice").values_list("kind", flat=True)
    assert sorted(notes) == ["comment", "comment"]


async def test_strangers_cannot_edit_others_comments(client, db):
    """Ensures only the author may edit a comment."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await make_space("eve")
    status = await make_status(alice, "hi")
    from qspace.services import comments
    from qspace.services.audience import viewer_for

    comment = await comments.add_comment(
        URLS,
        author_space=bob,
        target_id=status.id,
        text="mine",
        viewer=await viewer_for(await bob.actor),
    )
    await login(client, "eve", PASSWORD)
    response = await post_form(
        client, f"/items/{comment.id}/edit", {"text": "pwned"}, token_from="/@alice"
    )
    assert response.status_code == 403
    assert "mine" in (await Item.get(id=comment.id)).content_html


async def test_likes_toggle_count_and_who_liked(client, db):
    """Ensures a like counts once, shows who liked, and can be taken back."""
    alice = await make_space("alice")
    await make_space("bob")
    status = await make_status(alice, "like me")
    await login(client, "bob", PASSWORD)
    await post_form(client, f"/items/{status.id}/like", {"back": "/@alice"}, token_from="/@alice")
    assert (await Item.get(id=status.id)).like_count == 1
    who = await client.get(f"/items/{status.id}/likes")
    assert "bob" in who.text
    await post_form(client, f"/items/{status.id}/like", {"back": "/@alice"}, token_from="/@alice")
    assert (await Item.get(id=status.id)).like_count == 0
    assert await Like.all().count() == 0


async def test_shares_only_for_public_items(client, db):
    """Ensures public items can be shared and friends-only ones can't (even by friends)."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await make_friends(alice, bob)
    public = await make_status(alice, "share me")
    private = await make_status(alice, "friends only", audience="friends")
    await login(client, "bob", PASSWORD)
    ok = await post_form(client, f"/items/{public.id}/share", {}, token_from="/@alice")
    assert ok.status_code == 303 and (await Item.get(id=public.id)).share_count == 1
    refused = await post_form(client, f"/items/{private.id}/share", {}, token_from="/@alice")
    assert refused.status_code == 404
    assert await Share.all().count() == 1


async def test_interaction_policy_friends_only_and_nobody(client, db):
    """Ensures the space's policy (and an item's override) decides who may comment or like."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await make_space("eve")
    await make_friends(alice, bob)
    alice.policy = {"comment": "friends", "like": "nobody"}
    await alice.save()
    status = await make_status(alice, "policy test")
    await login(client, "eve", PASSWORD)
    refused = await post_form(
        client, f"/items/{status.id}/comments", {"text": "hi"}, token_from="/@alice"
    )
    assert refused.status_code == 403 and "allow you to comment" in refused.text
    liked = await post_form(client, f"/items/{status.id}/like", {}, token_from="/@alice")
    assert liked.status_code == 403
    assert await Item.filter(kind=ItemKind.COMMENT).count() == 0
    await Item.filter(id=status.id).update(policy={"comment": "everyone"})
    allowed = await post_form(
        client, f"/items/{status.id}/comments", {"text": "now ok"}, token_from="/@alice"
    )
    assert allowed.status_code == 303


async def test_blocked_people_cannot_interact(client, db):
    """Ensures a block stops comments and likes from the blocked person."""
    from qspace.models import Block

    alice = await make_space("alice")
    eve = await make_space("eve")
    await Block.create(blocker_id=alice.actor_id, blocked_id=eve.actor_id)
    status = await make_status(alice, "no trolls")
    await login(client, "eve", PASSWORD)
    assert (
        await post_form(
            client, f"/items/{status.id}/comments", {"text": "troll"}, token_from="/@alice"
        )
    ).status_code == 403
    assert (
        await post_form(client, f"/items/{status.id}/like", {}, token_from="/@alice")
    ).status_code == 403


async def test_deleted_item_disappears_everywhere(client, db):
    """Ensures a deleted status is gone from the page and its URL answers 410 Gone."""
    alice = await make_space("alice")
    status = await make_status(alice, "oops")
    await login(client, "alice", PASSWORD)
    await post_form(client, f"/items/{status.id}/delete", {}, token_from="/@alice")
    assert "oops" not in (await client.get("/@alice")).text
    assert (await client.get(f"/@alice/status/{status.id}")).status_code == 410  # Gone
    assert (await Item.get(id=status.id)).deleted_at is not None


async def test_write_rate_limit(client, db, settings):
    """Ensures posting faster than the per-account write limit gets 429."""
    await make_space("alice")
    await login(client, "alice", PASSWORD)
    token = await csrf(client, "/@alice")
    codes = []
    for i in range(settings.rate_limits.writes_per_minute + 1):
        r = await client.post(
            "/@alice/status", data={"csrf_token": token, "text": f"n{i}", "audience": "public"}
        )
        codes.append(r.status_code)
    assert codes[-1] == 429 and set(codes[:-1]) == {303}


async def test_atom_feed_is_valid_xml_with_public_items(client, db):
    """Ensures the Atom feed parses and holds the public items with escaped content."""
    from xml.etree import ElementTree as ET

    alice = await make_space("alice")
    await make_status(alice, "public <b>bold</b> & more")
    await make_status(alice, "secret", audience="friends")
    response = await client.get("/@alice/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    assert "&lt;b&gt;" in entries[0].find("{http://www.w3.org/2005/Atom}content").text
    assert re.search(rb"secret", response.content) is None


async def test_per_item_comment_rule_from_the_compose_form(client, db):
    """Ensures a status posted with "nobody may comment" refuses comments, others don't."""
    await make_space("alice")
    await make_space("bob")
    await login(client, "alice", PASSWORD)
    token = await csrf(client, "/@alice")
    await client.post(
        "/@alice/status",
        data={
            "csrf_token": token,
            "text": "no comments please",
            "audience": "public",
            "comment_policy": "nobody",
        },
    )
    await client.post(
        "/@alice/status",
        data={
            "csrf_token": token,
            "text": "comment away",
            "audience": "public",
            "comment_policy": "",
        },
    )
    closed = await Item.get(source="no comments please")
    open_ = await Item.get(source="comment away")
    assert closed.policy == {"comment": "nobody"} and open_.policy is None
    await login(client, "bob", PASSWORD)
    refused = await post_form(
        client, f"/items/{closed.id}/comments", {"text": "hi"}, token_from="/@alice"
    )
    assert refused.status_code == 403
    ok = await post_form(
        client, f"/items/{open_.id}/comments", {"text": "hi"}, token_from="/@alice"
    )
    assert ok.status_code == 303
