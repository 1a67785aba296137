"""The micro-cache of public ActivityPub documents (web/document_cache.py): actors, collection
pages and objects for unsigned fetches."""

from __future__ import annotations

import asyncio

import pytest

from federation.signatures import sign_request
from qspace.models import Follow, FollowState, Item
from qspace.services import items, profile
from tests.app.fediverse import federated_app, federation_settings, make_remote
from tests.support.factories import URLS, make_space, make_status

AP = {"Accept": "application/activity+json"}
BOB = "https://remote.test/users/bob"


@pytest.fixture
def remote():
    return make_remote()


@pytest.fixture
async def fed(tmp_path, db, remote):
    """The app with the fake remote server behind its outgoing client, and a client for it."""
    app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield app, client


async def test_second_unsigned_actor_fetch_is_served_from_the_cache(fed):
    """Ensures a repeated unsigned actor fetch is a cache hit with the same document."""
    app, client = fed
    await make_space("alice")
    cache = app.state.services.document_cache
    first = await client.get("/@alice", headers=AP)
    second = await client.get("/@alice", headers=AP)
    assert (first.status_code, second.status_code) == (200, 200)
    assert cache.hits == 1
    assert second.content == first.content
    assert second.headers["content-type"].startswith("application/activity+json")
    assert "accept" in second.headers["vary"].lower()


async def test_cached_actor_does_not_replace_the_html_page(fed):
    """Ensures a browser still gets the HTML page after the actor was cached at the same URL."""
    _app, client = fed
    await make_space("alice")
    await client.get("/@alice", headers=AP)
    await client.get("/@alice", headers=AP)
    page = await client.get("/@alice", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")


async def test_profile_change_reaches_the_next_actor_fetch(fed):
    """Ensures a new display name is in the actor document fetched right after the change."""
    _app, client = fed
    alice = await make_space("alice")
    assert (await client.get("/@alice", headers=AP)).json()["name"] != "Alice Liddell"
    await profile.update_profile(URLS, alice, display_name="Alice Liddell", bio="", mood="")
    assert (await client.get("/@alice", headers=AP)).json()["name"] == "Alice Liddell"


async def test_new_post_reaches_the_next_outbox_page_fetch(fed):
    """Ensures a status published after an outbox page was cached is on the next fetch."""
    app, client = fed
    alice = await make_space("alice")
    await make_status(alice, "first")
    before = await client.get("/@alice/outbox?page=true", headers=AP)
    assert len(before.json()["orderedItems"]) == 1
    await make_status(alice, "second")
    after = await client.get("/@alice/outbox?page=true", headers=AP)
    assert len(after.json()["orderedItems"]) == 2
    assert app.state.services.document_cache.hits == 0


async def test_signed_fetch_is_never_answered_from_the_cache(fed, remote):
    """Ensures a friend's signed outbox fetch sees friends-only items even after an anonymous
    fetch cached the public page, and that the anonymous page never shows them."""
    app, client = fed
    alice = await make_space("alice")
    await make_status(alice, "for everyone")
    await make_status(alice, "for friends", audience="friends")
    anonymous = await client.get("/@alice/outbox?page=true", headers=AP)
    assert len(anonymous.json()["orderedItems"]) == 1
    # Given bob on remote.test is alice's friend (accepted follows both ways)
    bob = await app.state.services.remote_actors.get_or_fetch_actor(BOB)
    for follower, followed in ((bob.id, alice.actor_id), (alice.actor_id, bob.id)):
        await Follow.create(follower_id=follower, followed_id=followed, state=FollowState.ACCEPTED)
    cache = app.state.services.document_cache
    hits, misses = cache.hits, cache.misses
    # When bob fetches the same page, signed
    request = client.build_request("GET", "https://local.test/@alice/outbox?page=true", headers=AP)
    sign_request(request, remote.keys[BOB])
    signed = await client.send(request)
    # Then he sees both items, the cache was not consulted, and anonymous fetches still see one
    assert signed.status_code == 200
    assert len(signed.json()["orderedItems"]) == 2
    assert (cache.hits, cache.misses) == (hits, misses)
    again = await client.get("/@alice/outbox?page=true", headers=AP)
    assert len(again.json()["orderedItems"]) == 1


async def test_signed_fetch_answer_is_not_stored(fed, remote):
    """Ensures what a signed fetch got is never served to the next unsigned fetch."""
    app, client = fed
    await make_space("alice")
    request = client.build_request("GET", "https://local.test/@alice/outbox?page=true", headers=AP)
    sign_request(request, remote.keys[BOB])
    assert (await client.send(request)).status_code == 200
    cache = app.state.services.document_cache
    await client.get("/@alice/outbox?page=true", headers=AP)
    assert cache.hits == 0


async def test_unknown_query_parameters_bypass_the_cache(fed):
    """Ensures a query the documents don't know is neither stored nor answered from the cache."""
    app, client = fed
    await make_space("alice")
    for _ in range(2):
        assert (await client.get("/@alice/outbox?page=true&x=1", headers=AP)).status_code == 200
    cache = app.state.services.document_cache
    assert (cache.hits, cache.misses) == (0, 0)


async def test_unknown_space_is_still_404(fed):
    """Ensures the cache leaves a missing space's actor a 404."""
    _app, client = fed
    assert (await client.get("/@nobody", headers=AP)).status_code == 404


async def test_repeated_object_fetch_is_a_hit_and_a_deletion_is_seen_at_once(fed):
    """Ensures a status object is cached, and its deletion answers 410 on the very next fetch."""
    app, client = fed
    alice = await make_space("alice")
    status = await make_status(alice, "soon gone")
    path = f"/@alice/status/{status.id}"
    first = await client.get(path, headers=AP)
    second = await client.get(path, headers=AP)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert app.state.services.document_cache.hits == 1
    await items.delete_item(status, actor_id=alice.actor_id)
    assert (await client.get(path, headers=AP)).status_code == 410


async def test_item_made_friends_only_leaves_strangers_at_once(fed):
    """Ensures a public blog post turned friends-only is 404 to the next unsigned fetch."""
    _app, client = fed
    alice = await make_space("alice")
    post = await items.publish_blog_post(
        URLS, alice, title="Open", markdown="text", audience="public"
    )
    path = f"/@alice/blog/{post.slug}"
    for _ in range(2):
        assert (await client.get(path, headers=AP)).status_code == 200
    await items.edit_blog_post(
        post, actor_id=alice.actor_id, title="Open", markdown="text", audience="friends"
    )
    assert (await client.get(path, headers=AP)).status_code == 404


async def test_change_made_elsewhere_is_seen_after_the_short_lifetime(fed):
    """Ensures a change this process was not told about (another process's write) is served
    once the entry's lifetime is over, not before."""
    app, client = fed
    cache = app.state.services.document_cache
    cache.ttl = 0.2
    alice = await make_space("alice")
    status = await make_status(alice, "before")
    path = f"/@alice/status/{status.id}"
    assert "before" in (await client.get(path, headers=AP)).json()["content"]
    # As another process would: straight to the database, without touching the space here.
    await Item.filter(id=status.id).update(content_html="<p>after</p>")
    assert "before" in (await client.get(path, headers=AP)).json()["content"]
    await asyncio.sleep(0.25)
    assert "after" in (await client.get(path, headers=AP)).json()["content"]


async def test_requests_with_cookies_and_html_requests_are_not_cached(fed):
    """Ensures a browser's requests (HTML, or JSON with a cookie) never use the cache."""
    app, client = fed
    alice = await make_space("alice")
    await make_status(alice, "hello")
    cache = app.state.services.document_cache
    for _ in range(2):
        await client.get("/@alice", headers={"Accept": "text/html"})
        await client.get("/@alice", headers={**AP, "Cookie": "x=1"})
    assert (cache.hits, cache.misses) == (0, 0)


async def test_missing_objects_are_not_stored(fed):
    """Ensures a 404 is answered by its endpoint every time (an item created later is found)."""
    app, client = fed
    await make_space("alice")
    for _ in range(2):
        assert (await client.get("/@alice/status/999", headers=AP)).status_code == 404
    assert app.state.services.document_cache.hits == 0
