"""The pure conversions of content federation: addressing to audience, objects to item and
media fields, payload shaping, and the media proxy's cache bound."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from federation.jsonld import PUBLIC
from qspace.mapping import (
    addressing_of,
    attachment_to_media_fields,
    audience_from_addressing,
    cap_html,
    note_to_item_fields,
    parse_datetime,
)
from qspace.models import Audience, ItemKind
from qspace.services import media_proxy

FOLLOWERS = "https://remote.test/users/bob/followers"
ALICE = "https://local.test/@alice"


def audience(to=(), cc=(), **extra) -> Audience:
    return audience_from_addressing(
        addressing_of({"to": list(to), "cc": list(cc), **extra}), FOLLOWERS
    )


def test_addressing_decides_the_audience_as_mastodon_means_it():
    """Ensures Public in `to` is public, in `cc` unlisted (also "as:Public"), the followers
    collection followers-only, and anything else direct."""
    assert audience(to=[PUBLIC], cc=[FOLLOWERS]) == Audience.PUBLIC
    assert audience(to=[FOLLOWERS], cc=["as:Public"]) == Audience.UNLISTED
    assert audience(to=[FOLLOWERS]) == Audience.FOLLOWERS
    assert audience(to=[ALICE]) == Audience.DIRECT
    assert audience(to=[ALICE], bcc=[PUBLIC]) == Audience.UNLISTED


def test_addressing_reads_bare_strings_and_embedded_objects():
    """Ensures GoToSocial's bare strings and addressees given as objects are read."""
    found = addressing_of({"to": PUBLIC, "cc": {"id": ALICE, "type": "Person"}})
    assert found == {"to": {PUBLIC}, "cc": {ALICE}, "other": set()}


def test_note_fields_are_sanitized_and_typed():
    """Ensures a Note's fields: id, URL from a Link list, sanitized content without inline
    images, the language of its contentMap, dates with fractions and offsets."""
    fields = note_to_item_fields(
        {
            "id": "https://remote.test/n/1",
            "type": "Note",
            "url": [{"type": "Link", "mediaType": "text/html", "href": "https://remote.test/@b/1"}],
            "contentMap": {"de": '<p onclick="x()">Hallo <img src="https://t.test/p.gif"></p>'},
            "published": "2024-12-06T07:30:00.123+01:00",
            "inReplyTo": {"id": "https://local.test/@alice/status/3", "type": "Note"},
        }
    )
    assert fields["url"] == "https://remote.test/@b/1"
    assert fields["content_html"] == "<p>Hallo </p>"
    assert (fields["language"], fields["kind"]) == ("de", ItemKind.STATUS)
    assert fields["published_at"] == datetime(2024, 12, 6, 6, 30, 0, 123000, tzinfo=UTC)
    assert fields["in_reply_to_ap_id"] == "https://local.test/@alice/status/3"


def test_parse_datetime_refuses_garbage():
    """Ensures unparsable dates are None rather than an error."""
    assert parse_datetime("yesterday") is None and parse_datetime(42) is None
    assert parse_datetime("2024-01-02T03:04:05Z") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_only_image_attachments_become_media():
    """Ensures images (with a Link url, sane sizes, short blurhashes) become Media fields and
    videos or absurd values do not."""
    image = attachment_to_media_fields(
        {
            "type": "Document",
            "mediaType": "image/png",
            "url": {"type": "Link", "href": "https://remote.test/a.png"},
            "width": 10**9,
            "height": 20,
            "blurhash": "x" * 65,
        }
    )
    assert image is not None
    assert (image["remote_url"], image["mime"], image["height"]) == (
        "https://remote.test/a.png",
        "image/png",
        20,
    )
    assert "width" not in image and image["blurhash"] is None
    video = {"type": "Document", "mediaType": "video/mp4", "url": "https://remote.test/v.mp4"}
    assert attachment_to_media_fields(video) is None
    assert attachment_to_media_fields({"type": "Image", "url": "javascript:alert(1)"}) is None


def test_cap_html_cuts_after_a_block_and_links_the_rest():
    """Ensures long HTML is cut after the last whole paragraph that fits, then a link."""
    html = "".join(f"<p>{n:04d}</p>" for n in range(100))
    capped = cap_html(html, 50, "https://local.test/@a/blog/x")
    assert capped.startswith("<p>0000</p><p>0001</p><p>0002</p><p>0003</p><p>…")  # 4 x 11 bytes
    assert capped.endswith(
        '<a href="https://local.test/@a/blog/x">https://local.test/@a/blog/x</a></p>'
    )
    assert "0004" not in capped
    assert cap_html("<p>short</p>", 50, "x") == "<p>short</p>"


def test_media_cache_evicts_least_recently_used_files(tmp_path):
    """Ensures the proxy's cache drops its oldest files once it passes its size bound."""
    for n in range(4):
        path = tmp_path / "ab" / f"file{n}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 100)
        path.with_name(f"file{n}.type").write_text("image/png")
        os.utime(path, (1000 + n, 1000 + n))
    assert media_proxy.evict(tmp_path, 250) == 2
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == [
        "file2",
        "file2.type",
        "file3",
        "file3.type",
    ]
