"""Uploading images: refusals leave nothing behind, metadata never reaches a served byte."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import ExifTags, Image
from starlette.datastructures import UploadFile

from qspace.app import create_app
from qspace.models import Item, ItemKind, Media
from qspace.services import uploads
from qspace.services.errors import ServiceError
from qspace.settings import replace
from tests.app.test_albums import ORIGIN, image_bytes, media_urls, new_album, stored_files, upload
from tests.support.factories import PASSWORD, make_space
from tests.support.web import login


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    """A JPEG carrying a camera make and GPS coordinates in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QspaceTestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    data = image_bytes((1800, 1200), exif=exif)
    with Image.open(io.BytesIO(data)) as im:  # the fixture really carries what must go
        assert im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "holiday.jpg",
            b"I am a text file with a photo's name\n" * 40,
            "Not an image: only JPEG, PNG, GIF and WebP files are accepted",
        ),
        (
            "bomb.png",
            png_declaring(30_000, 30_000),
            "Image too large: 30000x30000 pixels, limit 40 MP",
        ),
        ("cut.jpg", image_bytes()[:2000], "Corrupt or truncated image"),
    ],
)
async def test_refused_upload_says_why_and_stores_nothing(client, db, settings, name, data, reason):
    """Ensures a fake image, a decompression bomb or a broken file is refused, nothing kept."""
    space = await make_space("alice")
    album = await new_album(space)
    await login(client, "alice", PASSWORD)
    before = stored_files(settings.media_path)

    response = await upload(client, f"/@alice/albums/{album.id}", [(name, data, "image/png")])

    assert response.status_code == 400
    assert name in response.text and reason in response.text
    assert await Media.all().count() == 0
    assert await Item.filter(kind=ItemKind.PHOTO).count() == 0
    assert stored_files(settings.media_path) == before


async def test_oversized_upload_is_refused_before_it_is_read(db, settings):
    """Ensures an upload over media.max_upload_bytes is answered 413 and nothing is stored."""
    small = replace(settings, media={"max_upload_bytes": 64 * 1024})
    app = create_app(small, database=db, run_worker=False)
    space = await make_space("alice")
    album = await new_album(space)
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    big = buffer.getvalue()
    assert len(big) > 64 * 1024
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as c:
        await login(c, "alice", PASSWORD)
        response = await upload(c, f"/@alice/albums/{album.id}", [("big.png", big, "image/png")])
    assert response.status_code == 413
    assert "too large" in response.text
    assert await Media.all().count() == 0
    assert stored_files(small.media_path) == set()


async def test_store_image_refuses_a_file_over_the_limit_by_its_size(db, settings):
    """Ensures store_image names the size and limit of a too large upload and keeps nothing."""
    space = await make_space("alice")
    small = replace(settings, media={"max_upload_bytes": 2 * 1024 * 1024})
    upload_file = UploadFile(io.BytesIO(b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024)), filename="x")

    with pytest.raises(ServiceError) as caught:
        await uploads.store_image(space, upload_file, settings=small)

    assert caught.value.message == "File too large: 3.0 MB, limit 2.0 MB"
    assert await Media.all().count() == 0
    assert stored_files(small.media_path) == set()


async def test_served_photos_carry_no_exif_or_gps(client, db):
    """Ensures no variant served after an upload keeps the camera's EXIF or GPS data."""
    space = await make_space("alice")
    album = await new_album(space)
    await login(client, "alice", PASSWORD)
    response = await upload(
        client, f"/@alice/albums/{album.id}", [("gps.jpg", jpeg_with_gps(), "image/jpeg")]
    )
    assert response.status_code == 303
    media = await Media.get()
    assert set(media.variants) == {"original", "large", "medium", "small"}
    for variant in media.variants:
        served = await client.get(f"/media/{media.capability}/{variant}")
        assert served.status_code == 200
        assert b"QspaceTestCam" not in served.content and b"Exif\0" not in served.content
        with Image.open(io.BytesIO(served.content)) as im:
            assert len(im.getexif()) == 0
            assert "exif" not in im.info


async def test_store_image_records_the_media_and_removes_its_temporary_copy(db, settings):
    """Ensures a stored upload has its row, variants and token, and no temporary file stays."""
    space = await make_space("alice")
    data = image_bytes((900, 600), fmt="PNG")
    upload_file = UploadFile(io.BytesIO(data), filename="pic.png")

    media = await uploads.store_image(
        space, upload_file, role="avatar", alt="  Me at the lake  ", settings=settings
    )

    assert (media.owner_id, media.role, media.alt) == (space.id, "avatar", "Me at the lake")
    assert (media.width, media.height, media.mime) == (900, 600, "image/png")
    assert len(media.capability) >= 32 and media.blurhash
    files = stored_files(settings.media_path)
    assert not [f for f in files if f.name.startswith(".")]
    assert files == {settings.media_path / v["path"] for v in media.variants.values()}
    assert media.bytes == sum(f.stat().st_size for f in files)
    other = await uploads.store_image(space, upload_file, settings=settings)
    assert other.capability != media.capability  # every upload gets its own token and files
    assert other.variants["original"]["path"] != media.variants["original"]["path"]


async def test_store_image_reads_a_path_in_place(db, settings, tmp_path: Path):
    """Ensures a Path is processed without being moved or deleted."""
    space = await make_space("alice")
    source = tmp_path / "src.jpg"
    source.write_bytes(image_bytes())
    media = await uploads.store_image(space, source, settings=settings)
    assert source.exists()
    assert (settings.media_path / media.variants["small"]["path"]).is_file()


async def test_too_long_alt_text_is_refused_before_processing(db, settings):
    """Ensures alt text over 1500 characters is refused and nothing stored."""
    space = await make_space("alice")
    upload_file = UploadFile(io.BytesIO(image_bytes()), filename="a.jpg")
    with pytest.raises(ServiceError, match="at most 1500 characters"):
        await uploads.store_image(space, upload_file, alt="x" * 1501, settings=settings)
    assert stored_files(settings.media_path) == set()


async def test_delete_media_removes_row_and_files(db, settings):
    """Ensures delete_media removes the row and every file of the media, and nothing else."""
    space = await make_space("alice")
    keep = await uploads.store_image(
        space, UploadFile(io.BytesIO(image_bytes())), settings=settings
    )
    gone = await uploads.store_image(
        space, UploadFile(io.BytesIO(image_bytes(fmt="PNG"))), settings=settings
    )
    await uploads.delete_media(gone, settings)
    assert [m.id for m in await Media.all()] == [keep.id]
    assert stored_files(settings.media_path) == {
        settings.media_path / v["path"] for v in keep.variants.values()
    }


async def test_upload_page_links_every_thumbnail(client, db):
    """Ensures the album page links each uploaded photo's small and medium variants."""
    space = await make_space("alice")
    album = await new_album(space)
    await login(client, "alice", PASSWORD)
    files = [(f"{i}.jpg", image_bytes(), "image/jpeg") for i in range(2)]
    await upload(client, f"/@alice/albums/{album.id}", files)
    page = await client.get(f"/@alice/albums/{album.id}")
    for media in await Media.all():
        assert f"/media/{media.capability}/small" in media_urls(page.text)
        assert f"/media/{media.capability}/medium 2x" in page.text
