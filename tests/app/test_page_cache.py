"""The anonymous space-page cache: served from memory, never stale after a change."""

from __future__ import annotations

import httpx

from qspace.services import comments, guestbook, items, reactions
from qspace.services.audience import viewer_for
from tests.support.factories import PASSWORD, URLS, make_space, make_status
from tests.support.web import login


async def test_anonymous_views_are_cached_and_logged_in_ones_are_not(app, client, db):
    """Ensures a second anonymous view is a cache hit and a logged-in view never is."""
    space = await make_space("alice")
    await make_status(space, "first")
    cache = app.state.services.page_cache
    await client.get("/@alice")
    await client.get("/@alice")
    assert cache.hits == 1
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://local.test"
    ) as c:
        await login(c, "alice", PASSWORD)
        page = await c.get("/@alice")
        assert "What's new?" in page.text  # the owner's compose box, never from the cache
    assert cache.hits == 1


async def test_every_kind_of_change_shows_at_once(app, client, db):
    """Ensures new statuses, comments, likes, guestbook messages and profile edits all reach
    the next anonymous view despite the cache."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    status = await make_status(alice, "hello")
    await client.get("/@alice")
    await make_status(alice, "second status")
    assert "second status" in (await client.get("/@alice")).text
    bob_viewer = await viewer_for(await bob.actor)
    await comments.add_comment(
        URLS, author_space=bob, target_id=status.id, text="hi", viewer=bob_viewer
    )
    assert "1 comment" in (await client.get("/@alice")).text
    await reactions.toggle_like(status.id, actor=await bob.actor, viewer=bob_viewer)
    assert "1 like" in (await client.get("/@alice")).text
    await guestbook.write(URLS, wall=alice, writer_space=bob, text="gb message")
    assert "gb message" in (await client.get("/@alice")).text
    await items.delete_item(status, actor_id=alice.actor_id)
    assert ">hello<" not in (await client.get("/@alice")).text


async def test_languages_and_plain_view_are_cached_apart(app, client, db):
    """Ensures a Chinese view and a plain view don't get the English styled page."""
    await make_space("alice")
    english = (await client.get("/@alice")).text
    chinese = (await client.get("/@alice", headers={"Accept-Language": "zh-CN"})).text
    assert english != chinese and 'lang="zh-CN"' in chinese
    plain = (await client.get("/@alice?plain=1")).text
    assert "style.css" not in plain and "style.css" in english


async def test_entries_expire(app, client, db):
    """Ensures an entry older than its lifetime is not served."""
    await make_space("alice")
    cache = app.state.services.page_cache
    cache.ttl = 0.0
    await client.get("/@alice")
    await client.get("/@alice")
    assert cache.hits == 0
