"""A space's collections (outbox, followers, following, featured) and authorized fetch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.signatures import sign_request
from qspace.models import Space
from qspace.services import collections, items
from qspace.services.audience import ANONYMOUS
from tests.app.fediverse import federated_app, federation_settings, make_remote
from tests.support.factories import URLS, make_follow, make_friends, make_space, make_status

AP = {"Accept": "application/activity+json"}


@pytest.fixture
def remote():
    return make_remote()


@pytest.fixture
async def fed(tmp_path, db, remote):
    """The app with the fake remote server behind its outgoing client, and a client for it."""
    app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield app, client


async def test_outbox_lists_public_items_as_creates_newest_first(client, db):
    """Ensures the outbox counts and pages public statuses and posts, never friends-only ones."""
    alice = await make_space("alice")
    first = await make_status(alice, "first public")
    await make_status(alice, "for friends", audience="friends")
    post = await items.publish_blog_post(URLS, alice, title="A post", markdown="*hi*")
    await items.publish_blog_post(URLS, alice, title="Draft", markdown="x", draft=True)
    outbox = (await client.get("/@alice/outbox", headers=AP)).json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 2
    page = (await client.get(outbox["first"].removeprefix("https://local.test"))).json()
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == "https://local.test/@alice/outbox"
    creates = page["orderedItems"]
    assert [c["object"]["id"] for c in creates] == [post.ap_id, first.ap_id]
    assert all(c["type"] == "Create" and c["actor"] == alice.actor.ap_id for c in creates)
    assert creates[0]["object"]["type"] == "Article"
    assert creates[1]["object"]["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert "next" not in page


async def test_outbox_pages_link_to_older_and_newer_items(db):
    """Ensures max_id/min_id paging walks the outbox without gaps or repeats."""
    alice = await make_space("alice")
    made = [await make_status(alice, f"status {n}") for n in range(collections.PAGE_SIZE + 3)]
    cursor = collections.Cursor()
    first = await collections.outbox_page(URLS, alice, ANONYMOUS, cursor)
    assert len(first["orderedItems"]) == collections.PAGE_SIZE
    assert "prev" not in first
    older_max = int(first["next"].split("max_id=")[1])
    second = await collections.outbox_page(
        URLS, alice, ANONYMOUS, collections.Cursor(max_id=older_max)
    )
    seen = [c["object"]["id"] for c in first["orderedItems"] + second["orderedItems"]]
    assert seen == [item.ap_id for item in reversed(made)]
    assert "next" not in second and "prev" in second
    last = await collections.outbox_page(URLS, alice, ANONYMOUS, collections.Cursor(min_id=0))
    assert [c["object"]["id"] for c in last["orderedItems"]][-1] == made[0].ap_id


async def test_followers_and_following_list_accepted_follows(client, db):
    """Ensures followers/following count and list accepted follows only."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    carol = await make_space("carol")
    await make_friends(alice, bob)
    await make_follow(carol, alice)
    followers = (await client.get("/@alice/followers", headers=AP)).json()
    assert followers["totalItems"] == 2
    page = (await client.get("/@alice/followers?page=1", headers=AP)).json()
    assert set(page["orderedItems"]) == {bob.actor.ap_id, carol.actor.ap_id}
    following = (await client.get("/@alice/following?page=1", headers=AP)).json()
    assert following["orderedItems"] == [bob.actor.ap_id]


async def test_hidden_social_graph_publishes_counts_only(client, db):
    """Ensures hide_social_graph keeps the count but no pages or items."""
    alice = await make_space("alice")
    bob = await make_space("bob")
    await make_friends(alice, bob)
    await Space.filter(id=alice.id).update(hide_social_graph=True)
    for path in ("/@alice/followers", "/@alice/followers?page=1", "/@alice/following?page=1"):
        document = (await client.get(path, headers=AP)).json()
        assert document["totalItems"] == 1
        assert "first" not in document and "orderedItems" not in document


async def test_featured_is_an_empty_collection(client, db):
    """Ensures the featured collection exists and is empty for now."""
    await make_space("alice")
    featured = (await client.get("/@alice/featured", headers=AP)).json()
    assert featured["type"] == "OrderedCollection"
    assert featured["totalItems"] == 0
    assert featured["orderedItems"] == []


async def test_signed_fetch_with_a_bad_signature_is_401(fed, remote):
    """Ensures a GET signed with a key that is not the actor's is refused."""
    _app, client = fed
    await make_space("alice")
    bob = "https://remote.test/users/bob"
    request = client.build_request("GET", "https://local.test/@alice/outbox", headers=AP)
    # Signed under bob's key id, with mallory's private key.
    forged = remote.keys["https://remote.test/users/mallory"]
    sign_request(request, type(forged)(f"{bob}#main-key", forged.private_key_pem))
    response = await client.send(request)
    assert response.status_code == 401
    assert "error" in response.json()


async def test_signed_fetch_by_a_valid_actor_is_served(fed, remote):
    """Ensures a properly signed GET verifies (fetching the signer's key) and is answered."""
    _app, client = fed
    alice = await make_space("alice")
    await make_status(alice, "hello")
    request = client.build_request("GET", "https://local.test/@alice/outbox?page=true", headers=AP)
    sign_request(request, remote.keys["https://remote.test/users/bob"])
    response = await client.send(request)
    assert response.status_code == 200
    assert len(response.json()["orderedItems"]) == 1
    fetched = [str(r.url) for r in remote.requests]
    assert fetched == ["https://remote.test/users/bob"]


async def test_signed_fetch_outside_the_date_window_is_401(fed, remote):
    """Ensures a replayed old signed GET is refused."""
    _app, client = fed
    await make_space("alice")
    request = client.build_request("GET", "https://local.test/@alice/outbox", headers=AP)
    old = datetime.now(UTC) - timedelta(hours=3)
    sign_request(request, remote.keys["https://remote.test/users/bob"], now=old)
    assert (await client.send(request)).status_code == 401


async def test_unsigned_fetch_is_anonymous(fed, remote):
    """Ensures an unsigned GET is served as an anonymous viewer (no key lookups)."""
    _app, client = fed
    await make_space("alice")
    response = await client.get("/@alice/outbox", headers=AP)
    assert response.status_code == 200
    assert remote.requests == []
