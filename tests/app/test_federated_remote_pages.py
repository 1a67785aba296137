"""Remote things on local pages: the remote-follow dialog, /authorize_interaction, remote
people's cards, remote posts with their threads, and the media proxy."""

from __future__ import annotations

import io
from urllib.parse import quote

from PIL import Image

from qspace.models import Item, ItemKind, Media, OutgoingActivity
from qspace.services import media_proxy
from tests.app import federated_support as support
from tests.app.federated_support import BOB, activity, sent
from tests.support.factories import PASSWORD, make_space
from tests.support.web import csrf_from, login

fed = support.fed
BEACH = "https://files.remote.test/media_attachments/files/113/600/original/beach.jpg"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_space_page_offers_to_follow_from_another_server(fed):
    """Ensures an anonymous visitor of a space page gets the remote-follow form."""
    page = await fed.client.get("/@alice")
    assert 'action="/@alice/remote-follow"' in page.text
    assert 'name="handle"' in page.text


async def test_remote_follow_sends_the_visitor_to_their_servers_subscribe_template(fed):
    """Ensures the dialog looks up the visitor's WebFinger subscribe template and redirects
    there with the space's actor id."""
    response = await fed.client.get("/@alice/remote-follow", params={"handle": "@bob@remote.test"})
    assert response.status_code == 303
    expected = "https://remote.test/authorize_interaction?uri=" + quote(
        "https://local.test/@alice", safe=""
    )
    assert response.headers["location"] == expected


async def test_remote_follow_refuses_bad_handles_and_unsafe_templates(fed):
    """Ensures a malformed handle is a 400, and a template that is not an http(s) URL (a
    `javascript:` one) is never redirected to."""
    bad = await fed.client.get("/@alice/remote-follow", params={"handle": "not a handle"})
    assert bad.status_code == 400 and "@name@your.server" in bad.text
    fed.remote.subscribe_template = "javascript:alert(1)//{uri}"
    refused = await fed.client.get("/@alice/remote-follow", params={"handle": "bob@remote.test"})
    assert refused.status_code == 400 and "location" not in refused.headers


async def test_webfinger_advertises_authorize_interaction(fed):
    """Ensures qspace's JRD carries its own OStatus subscribe template."""
    jrd = (await fed.client.get("/.well-known/webfinger?resource=acct:alice@local.test")).json()
    templates = [link["template"] for link in jrd["links"] if "template" in link]
    assert templates == ["https://local.test/authorize_interaction?uri={uri}"]


async def test_authorize_interaction_shows_the_remote_actor_with_a_friend_request_button(fed):
    """Ensures a logged-out visitor is sent to log in (keeping the uri), and a logged-in one
    sees the remote actor's card (bio sanitized, link to the real profile) and a button that
    sends a friend request."""
    anonymous = await fed.client.get("/authorize_interaction", params={"uri": "@bob@remote.test"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=%2Fauthorize_interaction")
    await login(fed.client, "alice", PASSWORD)
    page = await fed.client.get("/authorize_interaction", params={"uri": "@bob@remote.test"})
    assert page.status_code == 200
    assert "@bob@remote.test" in page.text and "<script>" not in page.text
    assert 'href="https://remote.test/users/bob"' in page.text
    assert 'action="/friends/add"' in page.text
    response = await fed.client.post(
        "/friends/add",
        data={"actor_id": str((await fed.actor(BOB)).id), "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303
    [(follow, inboxes)] = await sent("Follow")
    assert follow["object"] == BOB and inboxes == [f"{BOB}/inbox"]


async def test_unknown_address_in_authorize_interaction_is_a_404_page(fed):
    """Ensures an address nobody answers for shows an error, not a crash."""
    await login(fed.client, "alice", PASSWORD)
    page = await fed.client.get("/authorize_interaction", params={"uri": "@nobody@remote.test"})
    assert page.status_code == 404


async def test_remote_post_page_has_its_thread_and_takes_comments(fed):
    """Ensures a followed actor's post has a page here (linked from the home feed), and a
    comment written there is stored in its thread and sent to the author."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    remote = await Item.get(is_local=False)
    await login(fed.client, "alice", PASSWORD)
    home = await fed.client.get("/home")
    assert f'href="/remote/items/{remote.id}"' in home.text
    page = await fed.client.get(f"/remote/items/{remote.id}")
    assert page.status_code == 200
    assert "Love the new skin" in page.text
    assert f'action="/remote/items/{remote.id}/comments"' in page.text
    response = await fed.client.post(
        f"/remote/items/{remote.id}/comments",
        data={"text": "thank you!", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303
    comment = await Item.get(kind=ItemKind.COMMENT)
    assert (comment.root_id, comment.author_id) == (remote.id, fed.alice.actor_id)
    assert (await Item.get(id=remote.id)).comment_count == 1
    [(create, _inboxes)] = await sent("Create")
    assert create["object"]["inReplyTo"] == remote.ap_id
    thread = await fed.client.get(f"/remote/items/{remote.id}")
    assert "thank you!" in thread.text


async def test_remote_post_can_be_liked_from_the_feed(fed):
    """Ensures the like button of a remote post (the same /items/<id>/like) likes it and
    sends the Like to its author."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note.json"))
    remote = await Item.get(is_local=False)
    await login(fed.client, "alice", PASSWORD)
    home = await fed.client.get("/home")
    response = await fed.client.post(
        f"/items/{remote.id}/like", data={"csrf_token": csrf_from(home.text), "back": "/home"}
    )
    assert response.status_code == 303
    assert (await Item.get(id=remote.id)).like_count == 1
    assert await OutgoingActivity.filter(type="Like").count() == 1


async def test_remote_actor_card_links_the_real_profile_and_takes_wall_messages(fed):
    """Ensures a remote person's card here links their real profile and its guestbook form
    sends a message to them."""
    bob = await fed.actor(BOB)
    await login(fed.client, "alice", PASSWORD)
    page = await fed.client.get(f"/remote/actors/{bob.id}")
    assert page.status_code == 200
    assert 'href="https://remote.test/users/bob"' in page.text
    response = await fed.client.post(
        f"/remote/actors/{bob.id}/guestbook",
        data={"text": "hello bob", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303
    [(create, inboxes)] = await sent("Create")
    assert create["object"]["to"] == [BOB] and inboxes == [f"{BOB}/inbox"]
    assert "hello bob" in (await fed.client.get(f"/remote/actors/{bob.id}")).text


async def test_media_proxy_serves_remote_images_once_fetched_and_cached(fed):
    """Ensures feed photos of remote posts point at the proxy (never the remote file), the
    proxy fetches the image once and serves it from its cache after."""
    await fed.follow(fed.alice, BOB)
    fed.remote.files[BEACH] = (jpeg(), "image/jpeg")
    await fed.deliver(activity("mastodon_create_note_with_image.json"))
    media = await Media.get(remote_url=BEACH)
    await login(fed.client, "alice", PASSWORD)
    home = (await fed.client.get("/home")).text
    assert f'src="/proxy/media/{media.capability}"' in home and BEACH not in home
    first = await fed.client.get(f"/proxy/media/{media.capability}")
    second = await fed.client.get(f"/proxy/media/{media.capability}")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == jpeg()
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert [str(r.url) for r in fed.remote.requests].count(BEACH) == 1


async def test_media_proxy_refuses_what_is_not_an_image_or_too_large(fed):
    """Ensures the proxy serves images only (no SVG, no HTML) and nothing over its limit."""
    await fed.follow(fed.alice, BOB)
    await fed.deliver(activity("mastodon_create_note_with_image.json"))
    media = await Media.get(remote_url=BEACH)
    for body, kind in (
        (b"<svg onload=alert(1)>", "image/svg+xml"),
        (b"<html>", "text/html"),
        (b"x" * (media_proxy.MAX_IMAGE_BYTES + 1), "image/jpeg"),
    ):
        fed.remote.files[BEACH] = (body, kind)
        assert (await fed.client.get(f"/proxy/media/{media.capability}")).status_code == 404


async def test_media_proxy_keeps_the_items_audience(fed):
    """Ensures the attachment of a direct message is proxied for its addressee only."""
    fed.remote.files[BEACH] = (jpeg(), "image/jpeg")
    direct = activity("mastodon_create_direct.json")
    direct["object"]["attachment"] = [{"type": "Document", "mediaType": "image/jpeg", "url": BEACH}]
    await fed.deliver(direct, inbox="https://local.test/@alice/inbox")
    media = await Media.get(remote_url=BEACH)
    assert (await fed.client.get(f"/proxy/media/{media.capability}")).status_code == 404
    await make_space("zed")
    await login(fed.client, "alice", PASSWORD)
    assert (await fed.client.get(f"/proxy/media/{media.capability}")).status_code == 200


async def test_remote_avatars_are_proxied_not_hot_linked(fed):
    """Ensures a remote actor's avatar is shown through the proxy."""
    icon = "https://remote.test/avatars/bob.png"
    fed.remote.actors[BOB]["icon"] = {"type": "Image", "url": icon}
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    fed.remote.files[icon] = (buffer.getvalue(), "image/png")
    bob = await fed.actor(BOB)
    page = (await fed.client.get(f"/remote/actors/{bob.id}")).text
    assert f'src="/proxy/avatar/{bob.id}"' in page and icon not in page
    avatar = await fed.client.get(f"/proxy/avatar/{bob.id}")
    assert avatar.status_code == 200 and avatar.headers["content-type"] == "image/png"
