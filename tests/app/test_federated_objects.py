"""Local items as ActivityPub objects at their URLs: who may fetch them (signed GETs and the
audience rule), 410 Tombstones after deletion, albums as collections, the outbox."""

from __future__ import annotations

import pytest

from federation.jsonld import PUBLIC
from federation.signatures import sign_request
from qspace.models import FriendGroup, FriendGroupMember, Media
from qspace.services import albums, comments, guestbook, items
from qspace.services.albums import AlbumFields
from qspace.services.audience import viewer_for
from tests.app import federated_support as support
from tests.app.federated_support import AP, BOB, CAROL, DAVE, MALLORY, image_file
from tests.support.factories import URLS

fed = support.fed
ANONYMOUS = None


async def fetch(fed, path: str, signer: str | None = None, *, accept=AP):
    """GET a local URL as ActivityPub JSON, signed by `signer` (a fake remote actor)."""
    request = fed.client.build_request("GET", f"https://local.test{path}", headers=accept)
    if signer is not None:
        sign_request(request, fed.remote.keys[signer])
    return await fed.client.send(request)


@pytest.fixture
async def posts(fed):
    """alice's statuses for each audience; bob and dave are her friends, dave is in her
    group "close", carol only follows her."""
    await fed.befriend(fed.alice, BOB)
    dave = await fed.befriend(fed.alice, DAVE)
    await fed.actor(CAROL)
    group = await FriendGroup.create(space=fed.alice, name="close")
    await FriendGroupMember.create(group=group, actor=dave)
    made = {}
    for audience in ("public", "friends", "group", "private"):
        made[audience] = await items.publish_status(
            URLS,
            fed.alice,
            text=f"for {audience}",
            audience=audience,
            group_id=group.id if audience == "group" else None,
        )
    return made


MATRIX = {
    "public": {ANONYMOUS: 200, BOB: 200, CAROL: 200, DAVE: 200},
    "friends": {ANONYMOUS: 404, BOB: 200, CAROL: 404, DAVE: 200},
    "group": {ANONYMOUS: 404, BOB: 404, CAROL: 404, DAVE: 200},
    "private": {ANONYMOUS: 404, BOB: 404, CAROL: 404, DAVE: 404},
}


async def test_non_public_objects_are_served_only_to_signed_fetches_from_their_audience(fed, posts):
    """Ensures each audience's status answers its JSON to exactly the fetchers in its
    audience (anonymous, a friend, a mere follower, a group member) and 404 to the rest."""
    found = {
        audience: {
            signer: (await fetch(fed, f"/@alice/status/{posts[audience].id}", signer)).status_code
            for signer in expected
        }
        for audience, expected in MATRIX.items()
    }
    assert found == MATRIX


async def test_a_fetched_friends_object_is_the_note_as_addressed(fed, posts):
    """Ensures a friend's signed fetch gets the Note with the friends in `to`."""
    response = await fetch(fed, f"/@alice/status/{posts['friends'].id}", BOB)
    note = response.json()
    assert response.headers["content-type"].startswith("application/activity+json")
    assert "accept" in response.headers["vary"].lower()
    assert (note["id"], note["type"]) == (posts["friends"].ap_id, "Note")
    assert set(note["to"]) == {BOB, DAVE} and note["cc"] == []


async def test_a_badly_signed_fetch_is_refused(fed, posts):
    """Ensures a signature made with someone else's key is 401, not a 404 or the object."""
    request = fed.client.build_request(
        "GET", f"https://local.test/@alice/status/{posts['public'].id}", headers=AP
    )
    forged = fed.remote.keys[MALLORY]
    sign_request(request, type(forged)(f"{BOB}#main-key", forged.private_key_pem))
    assert (await fed.client.send(request)).status_code == 401


async def test_browsers_still_get_the_page(fed, posts):
    """Ensures the same URL serves HTML without an ActivityStreams Accept."""
    response = await fed.client.get(f"/@alice/status/{posts['public'].id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"].lower()


async def test_deleted_items_answer_410_to_those_who_could_see_them(fed, posts):
    """Ensures a deleted friends-only status is a 410 Tombstone for a friend's fetch, 404
    for a stranger's, and a deleted public one 410 for anonymous JSON and HTML alike."""
    for audience in ("friends", "public"):
        await items.delete_item(posts[audience], actor_id=fed.alice.actor_id)
    friends_path = f"/@alice/status/{posts['friends'].id}"
    gone = await fetch(fed, friends_path, BOB)
    assert gone.status_code == 410
    tombstone = gone.json()
    assert (tombstone["type"], tombstone["formerType"]) == ("Tombstone", "Note")
    assert tombstone["id"] == posts["friends"].ap_id and tombstone["deleted"]
    assert (await fetch(fed, friends_path, CAROL)).status_code == 404
    public_path = f"/@alice/status/{posts['public'].id}"
    assert (await fetch(fed, public_path)).status_code == 410
    assert (await fed.client.get(public_path)).status_code == 410


async def test_blog_post_comment_and_guestbook_urls_serve_their_objects(fed):
    """Ensures a post's, a comment's and a guestbook message's own URLs answer JSON."""
    post = await items.publish_blog_post(URLS, fed.alice, title="Hello", markdown="hi")
    viewer = await viewer_for(fed.alice.actor, [fed.alice.id])
    comment = await comments.add_comment(
        URLS, author_space=fed.alice, target_id=post.id, text="first", viewer=viewer
    )
    entry = await guestbook.write(URLS, wall=fed.alice, writer_space=fed.alice, text="hey")
    article = (await fetch(fed, "/@alice/blog/hello")).json()
    assert (article["type"], article["name"]) == ("Article", "Hello")
    note = (await fetch(fed, f"/@alice/comments/{comment.id}")).json()
    assert note["inReplyTo"] == post.ap_id
    wall = (await fetch(fed, f"/@alice/guestbook/{entry.id}")).json()
    assert wall["target"]["id"] == "https://local.test/@alice/guestbook"
    page = await fed.client.get(f"/@alice/guestbook/{entry.id}")
    assert page.status_code == 303 and page.headers["location"] == "/@alice/guestbook"


async def test_album_is_an_ordered_collection_of_images(fed, tmp_path):
    """Ensures an album's URL answers an OrderedCollection of its photos as Images (with
    alt text and size), and a photo's URL its Image; a gated album lists no photos."""
    settings = fed.app.state.services.settings
    album = await albums.create_album(URLS, fed.alice, AlbumFields(title="Trip"))
    files = [(f"{n}.jpg", image_file(tmp_path, f"{n}.jpg")) for n in range(2)]
    added = (await albums.add_photos(URLS, fed.alice, album, files, settings=settings)).added
    await Media.filter(item_id=added[0].id).update(alt="the first")
    collection = (await fetch(fed, f"/@alice/albums/{album.id}")).json()
    assert (collection["type"], collection["name"], collection["totalItems"]) == (
        "OrderedCollection",
        "Trip",
        2,
    )
    first = collection["orderedItems"][0]
    assert (first["type"], first["id"], first["name"]) == ("Image", added[0].ap_id, "the first")
    assert collection["to"] == [PUBLIC]
    image = (await fetch(fed, f"/@alice/photos/{added[1].id}")).json()
    assert image["type"] == "Image" and image["url"].startswith("https://local.test/media/")
    gated = AlbumFields(title="Trip", gate="passphrase", gate_answer="sesame")
    await albums.edit_album(URLS, fed.alice, album, gated)
    collection = (await fetch(fed, f"/@alice/albums/{album.id}")).json()
    assert collection["orderedItems"] == []
    assert (await fetch(fed, f"/@alice/photos/{added[1].id}")).status_code == 404


async def test_outbox_shows_friends_items_to_a_friends_signed_fetch_only(fed, posts):
    """Ensures the outbox lists the friends-only status (addressed to the friends) to a
    friend's signed fetch and only the public one to anonymous fetches."""
    anonymous = (await fetch(fed, "/@alice/outbox?page=true")).json()
    assert [c["object"]["id"] for c in anonymous["orderedItems"]] == [posts["public"].ap_id]
    signed = (await fetch(fed, "/@alice/outbox?page=true", BOB)).json()
    creates = {c["object"]["id"]: c for c in signed["orderedItems"]}
    assert set(creates) == {posts["public"].ap_id, posts["friends"].ap_id}
    assert set(creates[posts["friends"].ap_id]["to"]) == {BOB, DAVE}
    assert PUBLIC not in creates[posts["friends"].ap_id]["cc"]
