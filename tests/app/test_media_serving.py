"""Serving media at capability URLs: types and headers, and what is never served."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qspace.models import Item, Media
from tests.app.test_albums import add_photo_files, new_album
from tests.support.factories import make_space


async def photo_in(settings, tmp_path: Path, audience: str = "public") -> tuple[Item, Media]:
    space = await make_space("alice")
    album = await new_album(space, audience=audience)
    (photo,) = await add_photo_files(space, album, settings, tmp_path)
    return photo, await Media.get(item_id=photo.id)


async def test_public_photo_variants_are_served_with_type_and_long_public_cache(
    client, db, settings, tmp_path
):
    """Ensures each variant is streamed with its MIME type, nosniff, inline and a public cache."""
    _photo, media = await photo_in(settings, tmp_path)
    for name, variant in media.variants.items():
        response = await client.get(f"/media/{media.capability}/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == variant["mime"] == "image/jpeg"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"] == "inline"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content == (settings.media_path / variant["path"]).read_bytes()
        assert "set-cookie" not in response.headers


@pytest.mark.parametrize("audience", ["friends", "private"])
async def test_non_public_photos_are_served_by_capability_but_cached_privately(
    client, db, settings, tmp_path, audience
):
    """Ensures a capability URL works unsigned (Mastodon) but never lands in shared caches."""
    _photo, media = await photo_in(settings, tmp_path, audience)
    response = await client.get(f"/media/{media.capability}/small")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, max-age=3600"


async def test_unknown_capability_or_variant_is_404(client, db, settings, tmp_path):
    """Ensures a wrong token or a variant the media lacks answers 404."""
    _photo, media = await photo_in(settings, tmp_path)
    assert (await client.get(f"/media/{media.capability[:-1]}x/small")).status_code == 404
    assert (await client.get(f"/media/{media.capability}/huge")).status_code == 404
    assert (await client.get(f"/media/{media.capability}/path")).status_code == 404


async def test_media_of_a_deleted_photo_is_not_served(client, db, settings, tmp_path):
    """Ensures a tombstoned photo, or one whose item row is gone, no longer serves its files."""
    photo, media = await photo_in(settings, tmp_path)
    url = f"/media/{media.capability}/small"
    assert (await client.get(url)).status_code == 200
    await Item.filter(id=photo.id).update(deleted_at=datetime.now(UTC))
    assert (await client.get(url)).status_code == 404
    await Item.filter(id=photo.id).delete()  # the media row stays, its item set to null
    assert (await Media.get(id=media.id)).item_id is None
    assert (await client.get(url)).status_code == 404


async def test_media_of_a_photo_in_a_deleted_album_is_not_served(client, db, settings, tmp_path):
    """Ensures photos of a tombstoned album are gone with it."""
    photo, media = await photo_in(settings, tmp_path)
    await Item.filter(id=photo.container_id).update(deleted_at=datetime.now(UTC))
    assert (await client.get(f"/media/{media.capability}/small")).status_code == 404


async def test_profile_pictures_without_an_item_are_served_publicly(client, db, settings, tmp_path):
    """Ensures avatars (media with no item) are served, cacheable by anyone."""
    _photo, media = await photo_in(settings, tmp_path)
    await Media.filter(id=media.id).update(item_id=None, role="avatar")
    response = await client.get(f"/media/{media.capability}/small")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")


async def test_a_path_outside_the_media_folder_is_never_served(client, db, settings, tmp_path):
    """Ensures a variant path leaving the media folder (a corrupt row) answers 404."""
    space = await make_space("alice")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve me")
    settings.media_path.mkdir(parents=True, exist_ok=True)
    await Media.create(
        owner=space,
        role="avatar",
        mime="text/plain",
        capability="evil-token-0123456789",
        variants={
            "up": {"path": "../secret.txt", "mime": "text/plain"},
            "absolute": {"path": str(secret), "mime": "text/plain"},
            "empty": {"path": "", "mime": "text/plain"},
        },
    )
    for variant in ("up", "absolute", "empty"):
        response = await client.get(f"/media/evil-token-0123456789/{variant}")
        assert response.status_code == 404, variant
        assert "do not serve me" not in response.text


async def test_head_and_range_requests_are_answered_from_the_file(client, db, settings, tmp_path):
    """Ensures the file response supports HEAD and byte ranges (streamed, not buffered)."""
    _photo, media = await photo_in(settings, tmp_path)
    url = f"/media/{media.capability}/original"
    size = media.variants["original"]["bytes"]
    head = await client.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == size
    part = await client.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and len(part.content) == 10
