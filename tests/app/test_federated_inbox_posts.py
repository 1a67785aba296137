"""Content in: Create/Update/Delete of posts from Mastodon, GoToSocial, Misskey and Pixelfed
shaped payloads, through the signed inbox and the inbox job."""

from __future__ import annotations

from qspace.models import Actor, Audience, Block, Item, ItemKind, ItemRecipient, Media
from qspace.services import feed
from qspace.services.audience import viewer_for
from tests.app import federated_support as support
from tests.app.federated_support import BOB, CAROL, DAVE, MALLORY, activity, with_object
from tests.support.factories import make_space

fed = support.fed


async def viewer_of(space):
    return await viewer_for(await Actor.get(id=space.actor_id))


async def test_mastodon_public_note_of_a_followed_actor_shows_in_the_home_feed(fed):
    """Ensures a followed actor's public Note is stored as a remote item (sanitized, with its
    URL and the raw object) and appears in the follower's home feed."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    item = await Item.get(ap_id="https://remote.test/users/bob/statuses/113594006033022263")
    assert (item.is_local, item.space_id, item.kind) == (False, None, ItemKind.STATUS)
    assert item.audience == Audience.PUBLIC
    assert item.url == "https://remote.test/@bob/113594006033022263"
    assert item.ap_raw["type"] == "Note"
    assert "Love the new skin" in item.content_html
    assert 'rel="nofollow noopener ugc"' in item.content_html
    page, _cursor = await feed.home_feed(await viewer_of(fed.alice))
    assert [i.id for i in page] == [item.id]


async def test_note_of_a_stranger_addressing_nobody_here_is_dropped(fed):
    """Ensures a public Note from someone nobody here follows, naming nobody here, is not
    stored (GoToSocial's bare-string addressing, the mention only in `tag`)."""
    await fed.deliver(activity("gotosocial_create_note.json"))
    assert await Item.filter(is_local=False).count() == 0


async def test_gotosocial_bare_string_addressing_is_read(fed):
    """Ensures GoToSocial's `"to": "...#Public"` (a string, not a list) makes a public item."""
    await fed.follow(fed.alice, CAROL)
    await fed.deliver(activity("gotosocial_create_note.json"))
    item = await Item.get(is_local=False)
    assert item.audience == Audience.PUBLIC
    assert item.url == "https://remote.test/@carol/statuses/01J9Z3Q6V4K8T2M5N7P9R1S3T5"


async def test_followers_only_post_at_the_shared_inbox_reaches_local_followers_only(fed):
    """Ensures a followers-only post sent once to the shared inbox, addressed to the author's
    followers collection, is shown to the local spaces that follow the author and to no one
    else."""
    zed = await make_space("zed")
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_followers_only.json"))
    item = await Item.get(is_local=False)
    assert item.audience == Audience.FOLLOWERS
    assert (await viewer_of(fed.alice)).can_see(item)
    assert not (await viewer_of(zed)).can_see(item)
    assert not (await viewer_for(None)).can_see(item)


async def test_followers_only_post_from_someone_nobody_follows_is_dropped(fed):
    """Ensures a followers-only post is not kept when no local space follows its author."""
    await fed.deliver(activity("mastodon_create_followers_only.json"))
    assert await Item.filter(is_local=False).count() == 0


async def test_direct_message_is_shown_to_its_addressee_only(fed):
    """Ensures a Note addressed to alice alone is kept (though nobody here follows its
    author), recorded as addressed to her, and hidden from everyone else."""
    zed = await make_space("zed")
    await fed.deliver(
        activity("mastodon_create_direct.json"), inbox="https://local.test/@alice/inbox"
    )
    item = await Item.get(is_local=False)
    assert item.audience == Audience.DIRECT
    recipients = await ItemRecipient.filter(item_id=item.id).values_list("actor_id", flat=True)
    assert recipients == [fed.alice.actor_id]
    assert (await viewer_of(fed.alice)).can_see(item)
    assert not (await viewer_of(zed)).can_see(item)


async def test_blocked_sender_cannot_address_a_direct_message(fed):
    """Ensures a direct Note from someone alice blocks is dropped."""
    bob = await fed.actor(BOB)
    await Block.create(blocker_id=fed.alice.actor_id, blocked_id=bob.id)
    await fed.deliver(
        activity("mastodon_create_direct.json"), inbox="https://local.test/@alice/inbox"
    )
    assert await Item.filter(is_local=False).count() == 0


async def test_mastodon_image_attachments_become_remote_media_rows(fed):
    """Ensures image attachments are stored as Media pointing at the remote file with alt,
    size and blurhash (nothing downloaded), a video becomes a link, and inline images and
    scripts in the content are dropped."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note_with_image.json"))
    item = await Item.get(is_local=False)
    [photo] = await Media.filter(item_id=item.id)
    assert photo.remote_url == (
        "https://files.remote.test/media_attachments/files/113/600/original/beach.jpg"
    )
    assert (photo.mime, photo.width, photo.height) == ("image/jpeg", 1600, 1200)
    assert photo.alt == "Waves on a sandy beach at sunset"
    assert photo.blurhash == "UHF5?xYk^6#M@-5c,1J5@[or[Q6.*8Q-o#ay"
    assert photo.variants == {}
    assert "waves.mp4" in item.content_html
    assert "<img" not in item.content_html and "<script" not in item.content_html
    assert (item.sensitive, item.summary) == (True, "beach photos")


async def test_gotosocial_single_attachment_with_alt_in_summary(fed):
    """Ensures GoToSocial's lone attachment object (not a list) with its alt text in
    `summary` becomes a Media row."""
    await fed.follow(fed.alice, CAROL)
    await fed.deliver(activity("gotosocial_create_image.json"))
    [photo] = await Media.filter(item__is_local=False)
    assert (photo.mime, photo.alt) == ("image/png", "A cat asleep on a keyboard")


async def test_pixelfed_photo_post_keeps_every_image_in_order(fed):
    """Ensures Pixelfed's Create (the status permalink as the activity id, `Image`
    attachments) stores both photos in order, the second without alt text."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("pixelfed_create_note.json"))
    item = await Item.get(is_local=False)
    assert item.ap_id == "https://remote.test/p/bob/771234567890123456"
    photos = await Media.filter(item_id=item.id).order_by("position")
    assert [p.remote_url.rsplit("/", 1)[1] for p in photos] == ["leaves-1.jpg", "leaves-2.jpg"]
    assert [p.alt for p in photos] == ["Red and yellow leaves on wet ground", ""]


async def test_misskey_note_with_a_document_attachment(fed):
    """Ensures a Misskey Note (HTML content beside `_misskey_content`, a webp Document, a
    personal inbox without shared inbox) is stored with its image."""
    await fed.follow(fed.alice, DAVE)
    await fed.deliver(activity("misskey_create_note.json"), inbox="https://local.test/@alice/inbox")
    item = await Item.get(is_local=False)
    assert "Good morning from Misskey" in item.content_html
    assert item.published_at.isoformat().startswith("2024-12-06T07:30:00")
    [photo] = await Media.filter(item_id=item.id)
    assert (photo.mime, photo.alt) == ("image/webp", "Sunrise over the hills")


async def test_article_page_and_question_become_items_with_titles_and_links(fed):
    """Ensures an Article is a blog post with its title, and a Page and a Question become
    cards: title, text (the Question's options) and a link to the original."""
    await fed.follow(fed.alice, BOB)
    base = "https://remote.test/users/bob/statuses/"
    cases = {
        "Article": {"name": "A long read", "content": "<p>Chapter one</p>"},
        "Page": {"name": "A page", "content": "", "url": "https://remote.test/pages/1"},
        "Question": {
            "content": "<p>Tea or coffee?</p>",
            "oneOf": [{"type": "Note", "name": "Tea"}, {"type": "Note", "name": "Coffee"}],
        },
    }
    for n, (kind, fields) in enumerate(cases.items()):
        payload = with_object("mastodon_create_note.json", id=f"{base}{n}", type=kind, **fields)
        await fed.deliver({**payload, "id": f"{base}{n}/activity"})
    article, page, question = [await Item.get(ap_id=f"{base}{n}") for n in range(3)]
    assert (article.kind, article.title) == (ItemKind.BLOG, "A long read")
    assert page.title == "A page" and 'href="https://remote.test/pages/1"' in page.content_html
    assert "<li>Tea</li><li>Coffee</li>" in question.content_html


async def test_create_given_by_id_is_fetched_from_its_server(fed):
    """Ensures a Create whose object is only an id gets the object fetched (signed) from its
    own server."""
    await fed.follow(fed.alice, BOB)
    note = activity("mastodon_create_note.json")["object"]
    fed.remote.actors[note["id"]] = note  # the fake server serves any document it holds
    await fed.deliver({**activity("mastodon_create_note.json"), "object": note["id"]})
    assert await Item.filter(ap_id=note["id"]).exists()
    fetch = next(r for r in fed.remote.requests if str(r.url) == note["id"])
    assert "signature" in fetch.headers


async def test_object_attributed_to_someone_else_is_dropped(fed):
    """Ensures mallory cannot create a Note claiming to be bob's."""
    await fed.follow(fed.alice, BOB)
    await fed.follow(fed.alice, MALLORY)
    forged = activity("mastodon_create_note.json", actor=MALLORY, id=f"{MALLORY}/forged")
    await fed.deliver(forged)
    assert await Item.filter(is_local=False).count() == 0


async def test_the_same_object_delivered_twice_is_stored_once(fed):
    """Ensures a Note re-sent in a new activity (another inbox, a retry) is kept once."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    again = activity("mastodon_create_note.json", id="https://remote.test/activities/again")
    await fed.deliver(again, inbox="https://local.test/@alice/inbox")
    assert await Item.filter(is_local=False).count() == 1


async def test_update_changes_the_stored_copy_and_another_actor_cannot(fed):
    """Ensures bob's Update edits his post's text, and the same Update signed by mallory
    changes nothing."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    forged = activity("mastodon_update_note.json", actor=MALLORY, id=f"{MALLORY}#u1")
    await fed.actor(MALLORY)
    await fed.deliver(forged)
    assert "edited" not in (await Item.get(is_local=False)).content_html
    await fed.deliver(activity("mastodon_update_note.json"))
    item = await Item.get(is_local=False)
    assert "edited: and the music!" in item.content_html
    assert item.updated_at is not None and item.updated_at.minute == 10


async def test_update_of_an_actor_refreshes_its_profile(fed):
    """Ensures an actor's Update of itself renames it here."""
    bob = await fed.follow(fed.alice, BOB)
    payload = activity("mastodon_update_person.json")
    payload["object"]["publicKey"]["publicKeyPem"] = fed.remote.actors[BOB]["publicKey"][
        "publicKeyPem"
    ]
    await fed.deliver(payload)
    await bob.refresh_from_db()
    assert (bob.display_name, bob.summary_html) == ("Bob Renamed", "<p>new bio</p>")


async def test_mastodon_delete_tombstones_the_copy_everywhere(fed):
    """Ensures a Delete (with a Tombstone, as Mastodon sends it) hides the copy from the feed
    and removes its text."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    await fed.deliver(activity("mastodon_delete_note.json"))
    item = await Item.get(is_local=False)
    assert item.deleted_at is not None and item.content_html == ""
    assert (await feed.home_feed(await viewer_of(fed.alice)))[0] == []


async def test_gotosocial_delete_by_bare_id_and_not_by_others(fed):
    """Ensures GoToSocial's Delete (object as a bare IRI) tombstones carol's post, while the
    same Delete signed by mallory does not."""
    await fed.follow(fed.alice, CAROL)
    await fed.deliver(activity("gotosocial_create_note.json"))
    await fed.actor(MALLORY)
    await fed.deliver(activity("gotosocial_delete_note.json", actor=MALLORY, id=f"{MALLORY}#d"))
    assert (await Item.get(is_local=False)).deleted_at is None
    await fed.deliver(activity("gotosocial_delete_note.json"))
    assert (await Item.get(is_local=False)).deleted_at is not None
