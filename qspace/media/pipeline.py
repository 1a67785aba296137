"""Check an uploaded image, then store an upright, metadata-free original and resized copies.

Decisions a caller should know:

- Refusals happen before anything is written: file size on disk, format allowlist (JPEG, PNG,
  GIF, WebP, identified by signature), pixel size and frame count from the header, then a full
  decode that catches corrupt and truncated files.
- Every variant, the original included, is re-encoded from decoded pixels, so no EXIF (GPS,
  orientation), XMP, IPTC, ICC profile or comment survives; pixels are rotated upright first
  and ICC-tagged colours are converted to sRGB (see ``decoding``).
- The original keeps its format: JPEG at quality 88, PNG optimised, GIF, WebP at quality 88.
  Transparency is kept. GIF and WebP animations stay animated in the original (every frame
  counts against ``max_pixels``, since every frame is decoded); thumbnails are of frame one.
- Thumbnails fit the given longest side and are never upscaled. Every size name is always in
  ``variants``: when the image already fits, that entry shares the original's file (for an
  animation, a still copy of frame one at full size). Entries of equal pixel size share a file.
- Thumbnails are WebP for a WebP source, PNG when the image has transparency, JPEG otherwise.
- Files are named ``<stem[:2]>/<stem>-<variant>.<ext>`` under the media root.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePath
from types import MappingProxyType

import blurhash
from PIL import Image

from qspace.media.decoding import DecodedImage, decode_image, without_opaque_alpha
from qspace.media.headers import MIME_BY_FORMAT, read_header
from qspace.media.limits import ImageLimits, check_animation, check_dimensions, check_file_size
from qspace.media.storage import StagedFiles
from qspace.media.variants import ProcessedImage, StoredVariant

DEFAULT_LIMITS = ImageLimits()
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType({"large": 1600, "medium": 800, "small": 320})

JPEG_QUALITY = 88
WEBP_QUALITY = 88
# Blurhash with 4x3 components keeps no detail finer than this, and the package reads pixels
# into a Python list, so it is fed a tiny copy of the smallest thumbnail.
_BLURHASH_SIDE = 64
# A fast PNG pass that keeps more than this share of the raw size means photo-like pixels.
_PHOTO_LIKE_PNG_RATIO = 0.25
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,127}")
_SIZE_NAME = re.compile(r"[a-z0-9_]{1,32}")


def process_image(
    src: Path,
    media_root: Path,
    *,
    limits: ImageLimits = DEFAULT_LIMITS,
    stem: str,
    sizes: Mapping[str, int] = DEFAULT_SIZES,
) -> ProcessedImage:
    """Check the image at ``src`` and store its variants under ``media_root / stem[:2]``.

    ``src`` is left alone. Files are written under temporary names and renamed into place
    together; files already carrying the same names are replaced, so pass a stem unique to
    the upload (e.g. ``secrets.token_hex(16)``). CPU-bound: call it from a worker thread.
    Raises MediaRejected, having written nothing, if the file is over ``limits``, is not a
    JPEG, PNG, GIF or WebP image, or is corrupt or truncated; ValueError for a bad ``stem`` or
    ``sizes``; OSError if storing fails, after removing every file it wrote.
    """
    _check_arguments(stem, sizes)
    check_file_size(src.stat().st_size, limits)
    header = read_header(src)
    check_dimensions(header.width, header.height, limits)
    check_animation(header.frames, header.width, header.height, limits)
    decoded = decode_image(src, header, limits)

    shard = PurePath(stem[:2])
    width, height = decoded.frames[0].size
    original_data = _encode_original(decoded)
    original = StoredVariant(
        name="original",
        path=Path(shard, f"{stem}-original.{_EXTENSIONS[decoded.format]}"),
        width=width,
        height=height,
        bytes=len(original_data),
        mime=MIME_BY_FORMAT[decoded.format],
    )
    variants = {"original": original}
    files: list[tuple[StoredVariant, bytes]] = [(original, original_data)]
    by_size: dict[tuple[int, int], StoredVariant] = {}
    if not decoded.animated:
        # A still original already is the "resized" copy of every size it fits in.
        by_size[(width, height)] = original
    still = without_opaque_alpha(decoded.frames[0])
    thumbnail_format = _thumbnail_format(decoded.format, still)
    for name, side in sorted(sizes.items(), key=lambda item: -item[1]):
        target = _fit(still.size, side)
        if target not in by_size:
            # Resizing from the previous, larger thumbnail is faster and looks the same.
            still = still.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
            data = _encode_still(still, thumbnail_format)
            by_size[target] = StoredVariant(
                name=name,
                path=Path(shard, f"{stem}-{name}.{_EXTENSIONS[thumbnail_format]}"),
                width=target[0],
                height=target[1],
                bytes=len(data),
                mime=MIME_BY_FORMAT[thumbnail_format],
            )
            files.append((by_size[target], data))
        variants[name] = replace(by_size[target], name=name)

    placeholder = _blurhash(still)  # before writing: nothing may fail after the commit
    with StagedFiles(media_root) as staged:
        for variant, data in files:
            staged.write(variant.path, data)
        staged.commit()
    return ProcessedImage(
        variants=variants,
        width=width,
        height=height,
        blurhash=placeholder,
        mime=original.mime,
        sha256=hashlib.sha256(original_data).hexdigest(),
    )


def _check_arguments(stem: str, sizes: Mapping[str, int]) -> None:
    if not _STEM.fullmatch(stem):
        raise ValueError(f"stem must be 2-128 letters, digits, '-' or '_': {stem!r}")
    for name, side in sizes.items():
        if name == "original" or not _SIZE_NAME.fullmatch(name):
            raise ValueError(f"bad variant name: {name!r}")
        if side <= 0:
            raise ValueError(f"variant {name!r} needs a positive size, not {side}")


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= side:
        return size
    return max(1, round(width * side / longest)), max(1, round(height * side / longest))


def _thumbnail_format(source_format: str, still: Image.Image) -> str:
    if source_format == "WEBP":
        return "WEBP"
    return "PNG" if still.mode == "RGBA" else "JPEG"


def _encode_original(decoded: DecodedImage) -> bytes:
    if not decoded.animated:
        return _encode_still(decoded.frames[0], decoded.format)
    first, *rest = decoded.frames
    buffer = io.BytesIO()
    options: dict[str, object] = {"save_all": True, "append_images": rest}
    options["duration"] = decoded.durations
    if decoded.loop is not None:
        options["loop"] = decoded.loop
    if decoded.format == "GIF":
        # Frames are whole decoded canvases: clear each before drawing the next, so pixels
        # that turn transparent do not keep the previous frame's colour.
        first.save(buffer, "GIF", disposal=2, **options)
    else:
        first.save(buffer, "WEBP", quality=WEBP_QUALITY, **options)
    return buffer.getvalue()


def _encode_still(im: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        im.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif image_format == "PNG":
        return _encode_png(im)
    elif image_format == "WEBP":
        im.save(buffer, "WEBP", quality=WEBP_QUALITY)
    else:
        im.save(buffer, "GIF", optimize=True)
    return buffer.getvalue()


def _encode_png(im: Image.Image) -> bytes:
    """Encode optimised (zlib level 9), unless a fast pass shows photo-like pixels.

    On pixels that barely compress, level 9 takes seconds per megapixel (17 s for a noisy
    4000x3000 image on one core) to save about 2%; screenshots and drawings compress well
    and are optimised in a fraction of a second.
    """
    fast = io.BytesIO()
    im.save(fast, "PNG", compress_level=1)
    raw_size = im.width * im.height * len(im.getbands())
    if fast.tell() > raw_size * _PHOTO_LIKE_PNG_RATIO:
        return fast.getvalue()
    optimised = io.BytesIO()
    im.save(optimised, "PNG", optimize=True)
    return min(fast.getvalue(), optimised.getvalue(), key=len)


def _blurhash(im: Image.Image) -> str:
    small = im.copy()
    small.thumbnail((_BLURHASH_SIDE, _BLURHASH_SIDE), Image.Resampling.BILINEAR)
    if small.mode == "RGBA":
        # Transparent areas show the page behind them; white is the common case.
        background = Image.new("RGB", small.size, (255, 255, 255))
        background.paste(small, mask=small.getchannel("A"))
        small = background
    with warnings.catch_warnings():
        # blurhash-python 1.2.2 reads pixels with Image.getdata, deprecated in Pillow 12.1 and
        # removed in 14 (pyproject pins Pillow < 14). Only that one warning is silenced.
        # catch_warnings swaps the process-wide filter list; before Python 3.14 two threads
        # inside it at once can leave this narrow filter installed, which is harmless.
        warnings.filterwarnings(
            "ignore", message=r"Image\.Image\.getdata is deprecated", category=DeprecationWarning
        )
        return str(blurhash.encode(small, x_components=4, y_components=3))
