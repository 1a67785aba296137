"""The image pipeline, fed real images that Pillow generates in each test."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import blurhash
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from qspace.media import (
    ImageLimits,
    MediaRejected,
    delete_variants,
    probe_image_size,
    process_image,
    sniff_mime,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)
SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
METADATA_KEYS = {"exif", "xmp", "icc_profile", "comment", "Comment", "XML:com.adobe.xmp"}


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    return tmp_path / "media"


def stored_files(media_root: Path) -> list[Path]:
    """Every file and directory under the media root, temporary ones included."""
    return sorted(media_root.rglob("*")) if media_root.exists() else []


def save(tmp_path: Path, name: str, im: Image.Image, **options: object) -> Path:
    path = tmp_path / name
    im.save(path, **options)
    return path


def photo(size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A busy RGB picture, so JPEG artefacts and resizing have something to work on."""
    im = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (im, im.transpose(Image.Transpose.ROTATE_180), im))


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QspaceTestCam"
    exif[ExifTags.Base.Model] = "Model 7"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    return exif


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height RGB pixels, with one tiny compressed row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def icc_with_red_and_green_swapped() -> bytes:
    """An ICC v2 RGB profile whose red primary is sRGB's green and vice versa (ICC.1:2001-04)."""

    def s15f16(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15f16(x) + s15f16(y) + s15f16(z)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # gamma 2.2
    text = b"swapped\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(8 + 3 + 67)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)),  # sRGB's green (D50)
        (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = struct.pack(
        ">I4sI4s4s4s12s4s",
        offset + len(data),
        bytes(4),
        0x02100000,
        b"mntr",
        b"RGB ",
        b"XYZ ",
        bytes(12),
        b"acsp",
    )
    header += bytes(28) + s15f16(0.9642) + s15f16(1.0) + s15f16(0.8249) + bytes(48)
    return header + struct.pack(">I", len(tags)) + table + data


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), actual


SECRETS = (b"QspaceTestCam", b"QspaceSecretXmp", b"QspaceSecretComment")
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">QspaceSecretXmp</x:xmpmeta>'


def png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "QspaceSecretComment")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return info


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("tagged.jpg", {"comment": SECRETS[2], "xmp": XMP, "icc_profile": SRGB_PROFILE}),
        ("plain.jpg", {"comment": SECRETS[2], "xmp": XMP}),
        ("photo.png", {"pnginfo": png_text()}),
        ("photo.webp", {"xmp": XMP, "icc_profile": SRGB_PROFILE}),
    ],
)
def test_process_image_strips_gps_exif_and_all_metadata_from_every_variant(
    tmp_path: Path, media_root: Path, name: str, options: dict[str, object]
) -> None:
    """Ensures no stored variant, the original included, keeps EXIF, GPS, XMP, ICC or comments."""
    src = save(tmp_path, name, photo((2000, 1500)), exif=gps_exif(), **options)
    with Image.open(src) as original:  # the fixture really carries what must be removed
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert all(secret in src.read_bytes() for secret in SECRETS[:2])

    result = process_image(src, media_root, stem="gpsphoto")

    assert set(result.variants) == {"original", "large", "medium", "small"}
    for variant in result.variants.values():
        raw = (media_root / variant.path).read_bytes()
        with Image.open(io.BytesIO(raw)) as stored:
            assert len(stored.getexif()) == 0
            assert not METADATA_KEYS & stored.info.keys()
        assert not [secret for secret in (*SECRETS, b"Exif\0") if secret in raw]


def test_process_image_applies_exif_orientation(tmp_path: Path, media_root: Path) -> None:
    """Ensures an orientation-6 JPEG is stored upright: sides swapped, corners where seen."""
    im = Image.new("RGB", (600, 400), (255, 255, 255))
    im.paste(RED, (0, 0, 100, 100))  # stored top left is shown top right after rotating
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    src = save(tmp_path, "rotated.jpg", im, exif=exif, quality=95)

    result = process_image(src, media_root, stem="rotated")

    assert (result.width, result.height) == (400, 600)
    small = result.variants["small"]
    assert (small.width, small.height) == (213, 320)
    for variant in (result.variants["original"], small):
        with Image.open(media_root / variant.path) as stored:
            w, h = stored.size
            assert_close(stored.getpixel((w - 5, 5)), RED)
            assert_close(stored.getpixel((5, 5)), (255, 255, 255))
            assert_close(stored.getpixel((w - 5, h - 5)), (255, 255, 255))


def test_process_image_converts_icc_colours_to_srgb_and_drops_the_profile(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures pixels tagged with an ICC profile are converted to sRGB, then the tag removed."""
    src = save(
        tmp_path,
        "tagged.png",
        Image.new("RGB", (40, 40), RED),
        icc_profile=icc_with_red_and_green_swapped(),
    )

    result = process_image(src, media_root, stem="tagged")

    with Image.open(media_root / result.variants["original"].path) as stored:
        assert "icc_profile" not in stored.info
        assert_close(stored.getpixel((3, 3)), GREEN, tolerance=3)


def test_process_image_rejects_decompression_bomb_before_decoding(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a tiny PNG declaring 30000x30000 pixels is refused and nothing is written."""
    src = tmp_path / "bomb.png"
    src.write_bytes(png_declaring(30_000, 30_000))
    assert src.stat().st_size < 200
    pillow_limit = Image.MAX_IMAGE_PIXELS

    with pytest.raises(MediaRejected) as caught:
        process_image(src, media_root, stem="bomb01")

    assert caught.value.reason == "Image too large: 30000x30000 pixels, limit 40 MP"
    assert stored_files(media_root) == []
    assert pillow_limit == Image.MAX_IMAGE_PIXELS  # global state untouched


def test_process_image_refuses_what_pillow_calls_a_bomb_even_under_a_looser_limit(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures Pillow's own bomb error becomes a refusal when the caller allows more pixels."""
    src = tmp_path / "bomb.png"
    src.write_bytes(png_declaring(20_000, 20_000))
    loose = ImageLimits(max_pixels=10**9, max_side=100_000)

    with pytest.raises(MediaRejected, match="Image too large: 20000x20000 pixels"):
        process_image(src, media_root, stem="bomb02", limits=loose)
    assert stored_files(media_root) == []


def test_process_image_rejects_a_too_long_side(tmp_path: Path, media_root: Path) -> None:
    """Ensures a side over max_side is refused even when the pixel count is fine."""
    src = tmp_path / "strip.png"
    src.write_bytes(png_declaring(20_000, 2))

    with pytest.raises(MediaRejected, match="limit 16384 pixels on the longest side"):
        process_image(src, media_root, stem="strip1")


def test_process_image_counts_gif_frames_reaching_past_the_screen(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a GIF frame that grows the canvas is measured before Pillow opens the file."""
    gif = bytearray(b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0))
    gif += b"," + struct.pack("<HHHHB", 0, 0, 9000, 9000, 0) + b"\x02\x02\x4c\x01\x00;"
    src = tmp_path / "wide.gif"
    src.write_bytes(bytes(gif))

    assert probe_image_size(src) == (9000, 9000)
    with pytest.raises(MediaRejected, match="9000x9000 pixels, limit 40 MP"):
        process_image(src, media_root, stem="widegif")
    assert stored_files(media_root) == []


def test_process_image_rejects_text_named_jpg(tmp_path: Path, media_root: Path) -> None:
    """Ensures a text file with an image extension is refused as not an image."""
    src = tmp_path / "notes.jpg"
    src.write_text("just some text, honest\n" * 20)

    with pytest.raises(MediaRejected, match="^Not an image"):
        process_image(src, media_root, stem="fake01")
    assert sniff_mime(src) is None
    assert stored_files(media_root) == []


def test_process_image_rejects_unlisted_formats(tmp_path: Path, media_root: Path) -> None:
    """Ensures an image Pillow reads but the allowlist lacks (BMP) is refused."""
    src = save(tmp_path, "picture.bmp", photo((50, 50)))

    with pytest.raises(MediaRejected, match="^Not an image"):
        process_image(src, media_root, stem="bmp001")


def test_process_image_rejects_an_oversized_file_before_opening_it(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a file over max_bytes is refused by its size on disk."""
    src = tmp_path / "huge.jpg"
    src.write_bytes(b"\0" * 3 * 1024 * 1024)  # not even an image: the size is checked first

    with pytest.raises(MediaRejected) as caught:
        process_image(src, media_root, stem="huge01", limits=ImageLimits(max_bytes=2 * 1024**2))

    assert caught.value.reason == "File too large: 3.0 MB, limit 2.0 MB"
    assert stored_files(media_root) == []


def test_process_image_rejects_a_truncated_jpeg(tmp_path: Path, media_root: Path) -> None:
    """Ensures a JPEG cut in half is refused as corrupt and leaves no files."""
    whole = save(tmp_path, "whole.jpg", photo(), quality=90).read_bytes()
    src = tmp_path / "cut.jpg"
    src.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(MediaRejected, match="^Corrupt or truncated image$"):
        process_image(src, media_root, stem="cut001")
    assert stored_files(media_root) == []


def test_process_image_optimises_drawings_stored_as_png(tmp_path: Path, media_root: Path) -> None:
    """Ensures a flat-colour PNG is stored no larger than Pillow's optimised encoding of it."""
    im = Image.new("RGB", (800, 600), (255, 255, 255))
    for step in range(0, 600, 40):
        im.paste((step % 256, 90, 200), (step, step // 2, step + 30, step // 2 + 200))
    src = save(tmp_path, "drawing.png", im, compress_level=0)
    optimised = io.BytesIO()
    im.save(optimised, "PNG", optimize=True)

    result = process_image(src, media_root, stem="drawing")

    assert result.variants["original"].bytes <= len(optimised.getvalue())
    assert result.variants["original"].bytes < src.stat().st_size / 50


def test_process_image_keeps_png_transparency(tmp_path: Path, media_root: Path) -> None:
    """Ensures transparent pixels stay transparent in the original and the thumbnails."""
    im = Image.new("RGBA", (1000, 500), (0, 0, 0, 0))
    im.paste((*BLUE, 255), (500, 0, 1000, 500))
    src = save(tmp_path, "clear.png", im)

    result = process_image(src, media_root, stem="clear1")

    assert {v.mime for v in result.variants.values()} == {"image/png"}
    for variant in result.variants.values():
        with Image.open(media_root / variant.path) as stored:
            stored_rgba = stored.convert("RGBA")
            w, h = stored.size
            assert stored_rgba.getpixel((2, h // 2))[3] == 0
            assert stored_rgba.getpixel((w - 3, h // 2)) == (*BLUE, 255)


def test_process_image_turns_palette_transparency_into_alpha(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a palette PNG with a transparent colour keeps that transparency."""
    im = Image.new("P", (64, 64), 0)
    im.putpalette([*RED, *BLUE] + [0] * 762)
    im.paste(1, (32, 0, 64, 64))
    src = save(tmp_path, "palette.png", im, transparency=0)

    result = process_image(src, media_root, stem="palette")

    with Image.open(media_root / result.variants["original"].path) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((5, 5))[3] == 0
        assert stored.getpixel((50, 5)) == (*BLUE, 255)


def test_process_image_keeps_gif_animation_and_thumbnails_the_first_frame(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures an animated GIF stays animated with its timing; thumbnails are frame one."""
    frames = [Image.new("RGBA", (900, 600), (*colour, 255)) for colour in (RED, GREEN, BLUE)]
    frames[1].paste((0, 0, 0, 0), (0, 0, 450, 600))  # frame two is half transparent
    src = save(
        tmp_path,
        "anim.gif",
        frames[0],
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        disposal=2,
        comment=b"QspaceSecretComment",
    )

    result = process_image(src, media_root, stem="anim01")

    original = result.variants["original"]
    assert original.mime == "image/gif"
    with Image.open(media_root / original.path) as stored:
        assert stored.n_frames == 3
        assert stored.info["loop"] == 0
        assert "comment" not in stored.info
        seen = []
        for index in range(3):
            stored.seek(index)
            rgba = stored.convert("RGBA")
            seen.append(
                (stored.info["duration"], rgba.getpixel((10, 10)), rgba.getpixel((800, 10)))
            )
    assert seen == [
        (100, (*RED, 255), (*RED, 255)),
        (200, (0, 0, 0, 0), (*GREEN, 255)),
        (300, (*BLUE, 255), (*BLUE, 255)),
    ]
    small = result.variants["small"]
    assert (small.mime, small.width, small.height) == ("image/jpeg", 320, 213)
    with Image.open(media_root / small.path) as thumbnail:
        assert getattr(thumbnail, "n_frames", 1) == 1
        assert_close(thumbnail.getpixel((100, 100)), RED)


def test_process_image_keeps_webp_animation(tmp_path: Path, media_root: Path) -> None:
    """Ensures an animated WebP stays animated, with WebP thumbnails of its first frame."""
    frames = [Image.new("RGB", (200, 100), colour) for colour in (RED, BLUE)]
    src = save(
        tmp_path,
        "anim.webp",
        frames[0],
        save_all=True,
        append_images=frames[1:],
        duration=[150, 250],
        loop=3,
    )

    result = process_image(src, media_root, stem="anim02", sizes={"small": 50})

    with Image.open(media_root / result.variants["original"].path) as stored:
        assert (stored.n_frames, stored.info["loop"]) == (2, 3)
        stored.seek(1)
        stored.load()
        assert stored.info["duration"] == 250
        assert_close(stored.convert("RGB").getpixel((50, 50)), BLUE)
    small = result.variants["small"]
    assert (small.mime, small.width, small.height) == ("image/webp", 50, 25)


def test_process_image_refuses_animation_over_the_pixel_budget(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures every frame of an animation counts against max_pixels, since each is decoded."""
    frames = [Image.new("RGB", (100, 100), (i * 20, 0, 0)) for i in range(10)]
    src = save(tmp_path, "long.gif", frames[0], save_all=True, append_images=frames[1:])

    with pytest.raises(MediaRejected) as caught:
        process_image(src, media_root, stem="long01", limits=ImageLimits(max_pixels=50_000))

    assert caught.value.reason == (
        "Animation too large: 10 frames of 100x100 pixels, limit 0.05 MP in total"
    )
    assert stored_files(media_root) == []


def test_process_image_never_upscales_and_shares_the_original_file(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures sizes an image already fits point at the original's file, not new copies."""
    src = save(tmp_path, "small.jpg", photo((500, 250)))

    result = process_image(src, media_root, stem="tiny01")

    original = result.variants["original"]
    assert result.variants["large"].path == result.variants["medium"].path == original.path
    assert (result.variants["medium"].width, result.variants["medium"].name) == (500, "medium")
    assert (result.variants["small"].width, result.variants["small"].height) == (320, 160)
    files = [path for path in stored_files(media_root) if path.is_file()]
    assert sorted(path.name for path in files) == ["tiny01-original.jpg", "tiny01-small.jpg"]
    assert all(path.parent == media_root / "ti" for path in files)


def test_process_image_reports_sizes_bytes_hash_and_blurhash(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures the result describes the stored files exactly, with a blurhash of the picture."""
    src = save(tmp_path, "red.png", Image.new("RGB", (2000, 1000), RED))

    result = process_image(src, media_root, stem="facts1")

    original_bytes = (media_root / result.variants["original"].path).read_bytes()
    assert result.sha256 == hashlib.sha256(original_bytes).hexdigest()
    assert (result.width, result.height, result.mime) == (2000, 1000, "image/png")
    for variant in result.variants.values():
        path = media_root / variant.path
        with Image.open(path) as stored:
            assert (stored.width, stored.height) == (variant.width, variant.height)
            assert Image.MIME[stored.format] == variant.mime
        assert path.stat().st_size == variant.bytes
    assert result.variants["large"].mime == "image/jpeg"  # opaque PNG: JPEG thumbnails
    placeholder = blurhash.decode(result.blurhash, 4, 2)
    assert_close(placeholder.getpixel((0, 0)), RED, tolerance=10)
    assert result.variants_json()["small"] == {
        "path": "fa/facts1-small.jpg",
        "width": 320,
        "height": 160,
        "bytes": result.variants["small"].bytes,
        "mime": "image/jpeg",
    }


def test_process_image_scales_16_bit_greyscale_instead_of_clipping(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a 16-bit greyscale PNG keeps its tones when stored at 8 bits."""
    src = save(tmp_path, "grey16.png", Image.new("I;16", (30, 30), 40_000))

    result = process_image(src, media_root, stem="grey16")

    with Image.open(media_root / result.variants["original"].path) as stored:
        assert stored.convert("L").getpixel((3, 3)) == 40_000 // 257


def test_process_image_leaves_no_files_when_a_rename_fails(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a failure while moving files into place removes every file already written."""
    src = save(tmp_path, "photo.jpg", photo((2000, 1500)))
    blocker = media_root / "bl" / "block1-small.jpg"
    blocker.mkdir(parents=True)  # a directory where the last variant must go

    with pytest.raises(OSError):
        process_image(src, media_root, stem="block1")

    assert stored_files(media_root) == [media_root / "bl", blocker]
    assert src.exists()


def test_process_image_rejects_unsafe_stems(tmp_path: Path, media_root: Path) -> None:
    """Ensures a stem that could leave the media root is a programming error."""
    src = save(tmp_path, "photo.jpg", photo((50, 50)))

    for stem in ("../escape", "a", ".hidden", "a/b"):
        with pytest.raises(ValueError, match="stem"):
            process_image(src, media_root, stem=stem)
    assert stored_files(media_root) == []


def test_delete_variants_removes_each_file_once_and_is_repeatable(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures deleting by result or by stored JSON removes the files and tolerates repeats."""
    first = process_image(save(tmp_path, "a.jpg", photo((900, 600))), media_root, stem="del001")
    second = process_image(save(tmp_path, "b.png", photo((900, 600))), media_root, stem="del002")

    delete_variants(media_root, first)
    delete_variants(media_root, first)
    delete_variants(media_root, second.variants_json())

    assert [path for path in stored_files(media_root) if path.is_file()] == []


def test_delete_variants_refuses_paths_outside_the_media_root(
    tmp_path: Path, media_root: Path
) -> None:
    """Ensures a path outside the media root is refused before any file is deleted."""
    outside = tmp_path / "keep.txt"
    outside.write_text("precious")

    inside = process_image(save(tmp_path, "a.jpg", photo((50, 50))), media_root, stem="keep01")
    relative = inside.variants["original"].path
    kept = media_root / relative

    for path in ("../keep.txt", str(outside)):
        with pytest.raises(ValueError, match="escapes"):
            delete_variants(media_root, [relative, path])
    assert outside.exists()
    assert kept.exists()  # checked before anything is deleted


@pytest.mark.parametrize(
    ("name", "options", "mime"),
    [
        ("a.jpg", {}, "image/jpeg"),
        ("a.png", {}, "image/png"),
        ("a.gif", {}, "image/gif"),
        ("lossy.webp", {"quality": 80}, "image/webp"),
        ("lossless.webp", {"lossless": True}, "image/webp"),
        ("extended.webp", {"exif": gps_exif()}, "image/webp"),
    ],
)
def test_probe_and_sniff_read_the_header_of_each_format(
    tmp_path: Path, name: str, options: dict[str, object], mime: str
) -> None:
    """Ensures the header reader agrees with Pillow on size and names the MIME type."""
    src = save(tmp_path, name, photo((321, 123)), **options)

    assert sniff_mime(src) == mime
    assert probe_image_size(src) == (321, 123)


def test_probe_image_size_rejects_a_broken_header(tmp_path: Path) -> None:
    """Ensures a file with an image signature but no size is refused as corrupt."""
    src = tmp_path / "stub.png"
    src.write_bytes(b"\x89PNG\r\n\x1a\n\0\0")

    with pytest.raises(MediaRejected, match="^Corrupt or truncated image$"):
        probe_image_size(src)
