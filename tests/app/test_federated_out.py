"""Content out: the shape of what qspace sends (Note, Article, album update, comment,
guestbook message, Like, Announce, Delete), as Mastodon and the rest read it."""

from __future__ import annotations

import json

from federation.jsonld import AS_CONTEXT, PUBLIC
from qspace.mapping import ARTICLE_CONTENT_MAX_BYTES
from qspace.models import Item
from qspace.services import albums, comments, guestbook, items, remote_writes
from qspace.services.albums import AlbumFields
from qspace.services.audience import viewer_for
from tests.app import federated_support as support
from tests.app.federated_support import BOB, DAVE, activity, image_file, photos, sent
from tests.support.factories import URLS

fed = support.fed


async def test_status_note_carries_its_photos_as_images_with_alt_size_and_blurhash(fed, tmp_path):
    """Ensures a status with photos federates as a Note whose Image attachments have alt
    text (`name`), width, height, blurhash and a capability URL, all nine of them, and its
    hashtags as Hashtag tags."""
    await fed.befriend(fed.alice, BOB)
    stored = await photos(fed, tmp_path / "in", 9)
    await items.publish_status(URLS, fed.alice, text="holiday #sea", media=stored)
    [(create, _inboxes)] = await sent("Create")
    note = create["object"]
    assert create["@context"] == AS_CONTEXT and create["published"] == note["published"]
    assert note["type"] == "Note" and len(note["attachment"]) == 9
    first = note["attachment"][0]
    assert first["type"] == "Image" and first["name"] == "a red square"
    assert (first["width"], first["height"]) == (64, 48)
    assert first["blurhash"] == stored[0].blurhash and first["blurhash"]
    assert first["url"].startswith(f"https://local.test/media/{stored[0].capability}/")
    assert note["tag"] == [
        {"type": "Hashtag", "href": "https://local.test/@alice/tags/sea", "name": "#sea"}
    ]


async def test_blog_post_is_an_article_with_title_summary_and_permalink(fed):
    """Ensures a blog post federates as an Article with `name`, `summary`, `url` (the HTML
    permalink) and the rendered content."""
    await fed.befriend(fed.alice, BOB)
    post = await items.publish_blog_post(URLS, fed.alice, title="On tea", markdown="*Green* tea.")
    [(create, _)] = await sent("Create")
    article = create["object"]
    assert article["type"] == "Article" and article["name"] == "On tea"
    assert article["url"] == post.ap_id == "https://local.test/@alice/blog/on-tea"
    assert article["summary"] == "Green tea."
    assert article["content"].strip() == "<p><em>Green</em> tea.</p>"


async def test_long_blog_post_is_cut_with_a_link_to_the_whole_post(fed):
    """Ensures a long post goes out cut after a paragraph, ending in a link to the post,
    without its Markdown source: the whole activity fits older Misskey's 64 KiB limit."""
    await fed.befriend(fed.alice, BOB)
    paragraphs = "\n\n".join(f"Paragraph {n} " + "words " * 40 for n in range(400))
    post = await items.publish_blog_post(URLS, fed.alice, title="Long", markdown=paragraphs)
    [(create, _)] = await sent("Create")
    content = create["object"]["content"]
    assert len(content.encode()) <= ARTICLE_CONTENT_MAX_BYTES + 500
    assert content.endswith(f'<p>… <a href="{post.ap_id}">{post.ap_id}</a></p>')
    assert content.count("<p>Paragraph") < 400 and "source" not in create["object"]
    assert len(json.dumps(create).encode()) < 64 * 1024


async def test_album_update_is_a_note_with_four_photos_and_a_link(fed, tmp_path):
    """Ensures adding six photos to an album sends one Note with the first four attached
    (Mastodon keeps four), a link to the album and "+2"."""
    await fed.befriend(fed.alice, BOB)
    album = await albums.create_album(URLS, fed.alice, AlbumFields(title="Trip"))
    files = [(f"{n}.jpg", image_file(tmp_path, f"{n}.jpg")) for n in range(6)]
    settings = fed.app.state.services.settings
    await albums.add_photos(URLS, fed.alice, album, files, settings=settings)
    [(create, inboxes)] = await sent("Create")
    note = create["object"]
    assert note["type"] == "Note" and len(note["attachment"]) == 4
    assert note["id"].startswith(f"{album.ap_id}/updates/")
    assert f'<a href="{album.ap_id}">Trip</a> (+2)' in note["content"]
    assert inboxes == ["https://remote.test/inbox"]  # a public album: the shared inbox


async def test_deleting_an_album_deletes_its_update_notes_where_they_went(fed, tmp_path):
    """Ensures an album's removal sends a Delete of each update Note to its inboxes."""
    await fed.befriend(fed.alice, BOB)
    album = await albums.create_album(URLS, fed.alice, AlbumFields(title="Trip"))
    settings = fed.app.state.services.settings
    files = [("a.jpg", image_file(tmp_path, "a.jpg"))]
    await albums.add_photos(URLS, fed.alice, album, files, settings=settings)
    [(create, _)] = await sent("Create")
    await albums.delete_album(album, settings)
    [(delete, inboxes)] = await sent("Delete")
    assert delete["object"]["id"] == create["object"]["id"]
    assert inboxes == ["https://remote.test/inbox"]


async def test_gated_album_updates_carry_no_photos(fed, tmp_path):
    """Ensures photos behind an album's gate are never attached to what federates."""
    await fed.befriend(fed.alice, BOB)
    fields = AlbumFields(title="Secret", gate="passphrase", gate_answer="open sesame")
    album = await albums.create_album(URLS, fed.alice, fields)
    settings = fed.app.state.services.settings
    files = [("a.jpg", image_file(tmp_path, "a.jpg"))]
    await albums.add_photos(URLS, fed.alice, album, files, settings=settings)
    [(create, _)] = await sent("Create")
    assert create["object"]["attachment"] == []


async def test_guestbook_message_on_a_remote_wall_targets_the_wall_and_mentions_its_owner(
    fed,
):
    """Ensures a message on a qspace friend's wall is `to` the owner, `cc` Public, has the
    wall collection as `target` (FEP-400e) and starts with a Mention Mastodon can answer."""
    peer = "https://remote.test/@zoe"
    fed.remote.actors[peer] = {
        **fed.remote.actors[BOB],
        "id": peer,
        "preferredUsername": "zoe",
        "outbox": f"{peer}/outbox",
        "featured": f"{peer}/featured",
        "inbox": f"{peer}/inbox",
        "publicKey": {**fed.remote.actors[BOB]["publicKey"], "owner": peer, "id": f"{peer}#k"},
    }
    zoe = await fed.actor(peer)
    entry = await remote_writes.write_on_remote_wall(
        URLS, writer_space=fed.alice, owner=zoe, text="hello wall"
    )
    [(create, inboxes)] = await sent("Create")
    note = create["object"]
    assert note["id"] == entry.ap_id == f"https://local.test/@alice/notes/{entry.id}"
    assert (note["to"], note["cc"]) == ([peer], [PUBLIC])
    assert note["target"] == {
        "type": "OrderedCollection",
        "id": f"{peer}/guestbook",
        "attributedTo": peer,
    }
    assert note["content"].startswith('<p><span class="h-card"><a href="')
    assert "hello wall" in note["content"]
    assert {"type": "Mention", "href": peer, "name": "@zoe@remote.test"} in note["tag"]
    assert inboxes == [f"{peer}/inbox"]


async def test_private_message_on_a_mastodon_wall_is_a_direct_mention(fed):
    """Ensures a private message to someone whose server has no walls is a mention addressed
    to them alone: no Public, no target."""
    dave = await fed.actor(DAVE)
    await remote_writes.write_on_remote_wall(
        URLS, writer_space=fed.alice, owner=dave, text="psst", private=True
    )
    [(create, inboxes)] = await sent("Create")
    assert (create["to"], create["cc"]) == ([DAVE], [])
    assert "target" not in create["object"]
    assert inboxes == [f"{DAVE}/inbox"]


async def test_local_guestbook_message_never_leaves(fed):
    """Ensures a message on a local wall by a local person is not federated."""
    await fed.befriend(fed.alice, BOB)
    await guestbook.write(URLS, wall=fed.alice, writer_space=fed.alice, text="note to self")
    assert await sent() == []


async def test_reply_to_a_remote_comment_names_its_author(fed):
    """Ensures alice's answer to bob's comment on her status has `inReplyTo` bob's comment
    and addresses bob."""
    status = await items.publish_status(URLS, fed.alice, text="big news")
    await fed.deliver(activity("mastodon_create_reply.json"))
    bobs = await Item.get(is_local=False)
    viewer = await viewer_for(fed.alice.actor, [fed.alice.id])
    await comments.add_comment(
        URLS, author_space=fed.alice, target_id=bobs.id, text="thanks", viewer=viewer
    )
    [(create, inboxes)] = await sent("Create")
    assert create["object"]["inReplyTo"] == bobs.ap_id
    assert BOB in create["cc"] and create["to"] == [PUBLIC]
    assert inboxes == ["https://remote.test/inbox"]
    assert status.ap_id not in create["cc"]
