"""Check that a pack file's bytes are what its extension says: images, fonts, audio, UTF-8 text."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Final

from qspace.media.errors import MediaRejected
from qspace.media.headers import read_header
from qspace.themes.limits import (
    AUDIO_TYPES,
    FONT_TYPES,
    MAX_IMAGE_PIXELS,
    MAX_STYLE_BYTES,
    MAX_TEMPLATE_BYTES,
    MAX_TEXT_BYTES,
    RASTER_TYPES,
    extension,
)
from qspace.themes.problems import Problem

TEXT_TYPES: Final = frozenset({"css", "html", "svg", "toml", "md", "txt", "license", "json", ""})
_PILLOW_FORMATS: Final = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_SCRIPT = re.compile(r"<\s*script|(?:java|vb)script\s*:", re.IGNORECASE)


def _magic_ok(ext: str, head: bytes) -> bool:
    """Compare the first bytes with the file signatures of each format (their specs' magic)."""
    if ext == "woff":
        return head.startswith(b"wOFF")
    if ext == "woff2":
        return head.startswith(b"wOF2")
    if ext == "ogg":
        return head.startswith(b"OggS")
    if ext == "m4a":
        return head[4:8] == b"ftyp"  # ISO base media file: a leading `ftyp` box
    if ext == "mp3":
        # An ID3v2 tag, or straight into an MPEG audio frame (11 sync bits set).
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)
    return False


def _image_problem(path: Path, ext: str) -> str | None:
    # Pillow is imported when a pack is checked, not at start-up (idle memory).
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found, (width, height) = image.format, image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"image is larger than {MAX_IMAGE_PIXELS} pixels"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"not a valid {ext} image ({exc})"
    return _format_and_size_problem(ext, found, width, height)


def _header_problem(path: Path, ext: str) -> str | None:
    try:
        header = read_header(path)
    except (MediaRejected, OSError) as exc:
        return f"not a valid {ext} image ({exc})"
    return _format_and_size_problem(ext, header.format, header.width, header.height)


def _format_and_size_problem(ext: str, found: str | None, width: int, height: int) -> str | None:
    if found != _PILLOW_FORMATS[ext]:
        return f"the file is a {found} image, not {ext}"
    if width * height > MAX_IMAGE_PIXELS:
        return f"image is larger than {MAX_IMAGE_PIXELS} pixels"
    return None


def read_text(root: Path, relative: str, problems: list[Problem]) -> str | None:
    """Read a text file of the pack as UTF-8 within its size cap, or record why not."""
    ext = extension(relative)
    limit = {"css": MAX_STYLE_BYTES, "html": MAX_TEMPLATE_BYTES}.get(ext, MAX_TEXT_BYTES)
    path = root / relative
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(relative, 0, f"cannot read: {exc.strerror}"))
        return None
    if len(data) > limit:
        problems.append(
            Problem(relative, 0, f"{len(data)} bytes; this kind of file has at most {limit}")
        )
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(relative, line, "not UTF-8 text"))
        return None


def script_problems(relative: str, text: str) -> list[Problem]:
    """Find `<script` and javascript:/vbscript: URLs in any text file: a pack has no scripts."""
    return [
        Problem(relative, text.count("\n", 0, match.start()) + 1, "scripts are not allowed")
        for match in _SCRIPT.finditer(text)
    ]


def content_problems(root: Path, relative: str, *, decode_images: bool = True) -> list[Problem]:
    """Check the bytes of one binary file (image, font, audio) against its extension.

    Images are opened and verified with Pillow; with `decode_images=False` only their header
    is read (format and size), for the bundled packs, which the test suite checks in full.
    """
    ext = extension(relative)
    path = root / relative
    if ext in RASTER_TYPES:
        reason = _image_problem(path, ext) if decode_images else _header_problem(path, ext)
        return [Problem(relative, 0, reason)] if reason else []
    if ext in FONT_TYPES | AUDIO_TYPES:
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            return [Problem(relative, 0, f"cannot read: {exc.strerror}")]
        if not _magic_ok(ext, head):
            return [Problem(relative, 0, f"the content is not a {ext} file")]
    return []
