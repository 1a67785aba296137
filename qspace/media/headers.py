"""Read an image's format, pixel size and frame count from its header, without decoding it.

Pillow's decompression-bomb guard is a process-wide setting, and Pillow allocates memory while it
opens some formats (the whole WebP canvas; a GIF canvas grown by a frame that reaches past it).
Reading the header with the standard library first lets the pipeline apply the caller's limits
before Pillow touches the file. Layouts: JPEG (ITU-T T.81 B.1.1), PNG (RFC 2083 4.1.1),
GIF (GIF89a spec sections 17-23), WebP (RFC 9649 2.5-2.7).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qspace.media.errors import MediaRejected

NOT_AN_IMAGE = "Not an image: only JPEG, PNG, GIF and WebP files are accepted"
CORRUPT_IMAGE = "Corrupt or truncated image"

MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}

# Start-of-frame markers carry the size; C4 (DHT), C8 (reserved) and CC (DAC) are not frames.
_JPEG_SOF_MARKERS = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
# Markers without a length field: TEM and RST0-RST7.
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})


class _Malformed(Exception):
    """The header ended early or contradicts its format."""


@dataclass(frozen=True)
class ImageHeader:
    """What the header of an allowlisted image declares."""

    format: str  # a key of MIME_BY_FORMAT, as Pillow names the format
    width: int
    height: int
    frames: int  # counted for GIF and WebP; 1 for JPEG and PNG (their extra frames are not kept)

    @property
    def mime(self) -> str:
        return MIME_BY_FORMAT[self.format]


def sniff_format(prefix: bytes) -> str | None:
    """Name the allowlisted format whose signature starts ``prefix`` (12 bytes), or None."""
    if prefix.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if prefix.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if prefix[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if prefix[:4] == b"RIFF" and prefix[8:12] == b"WEBP":
        return "WEBP"
    return None


def sniff_mime(src: Path) -> str | None:
    """Return the MIME type of an allowlisted image judged by its first bytes, else None.

    Reads 12 bytes; says nothing about whether the rest of the file is valid.
    """
    with src.open("rb") as fp:
        image_format = sniff_format(fp.read(12))
    return MIME_BY_FORMAT[image_format] if image_format else None


def probe_image_size(src: Path) -> tuple[int, int]:
    """Return the (width, height) an allowlisted image declares in its header.

    The size is as stored: EXIF orientation is not applied. A GIF's size includes frames
    that reach past its logical screen, as Pillow draws them.
    Raises MediaRejected if the file is not a JPEG, PNG, GIF or WebP image or its header is broken.
    """
    header = read_header(src)
    return header.width, header.height


def read_header(src: Path) -> ImageHeader:
    """Read format, size and frame count of an allowlisted image without decoding pixels.

    Raises MediaRejected if the file is not a JPEG, PNG, GIF or WebP image or its header is broken.
    """
    with src.open("rb") as fp:
        image_format = sniff_format(fp.read(12))
        if image_format is None:
            raise MediaRejected(NOT_AN_IMAGE)
        fp.seek(0)
        try:
            header = _READERS[image_format](fp)
        except (_Malformed, struct.error) as exc:
            raise MediaRejected(CORRUPT_IMAGE) from exc
    if header.width <= 0 or header.height <= 0:
        raise MediaRejected(CORRUPT_IMAGE)
    return header


def _read(fp: BinaryIO, size: int) -> bytes:
    data = fp.read(size)
    if len(data) != size:
        raise _Malformed
    return data


def _jpeg_header(fp: BinaryIO) -> ImageHeader:
    fp.seek(2)  # past SOI
    while True:
        # Like Pillow, skip stray bytes between segments rather than refuse the file.
        if _read(fp, 1) != b"\xff":
            continue
        marker = _read(fp, 1)[0]
        while marker == 0xFF:  # fill bytes (T.81 B.1.1.2)
            marker = _read(fp, 1)[0]
        if marker in _JPEG_STANDALONE_MARKERS:
            continue
        if marker in (0xD9, 0xDA):  # EOI or scan data before any frame header
            raise _Malformed
        (length,) = struct.unpack(">H", _read(fp, 2))
        if length < 2:
            raise _Malformed
        if marker in _JPEG_SOF_MARKERS:
            _precision, height, width = struct.unpack(">BHH", _read(fp, 5))
            return ImageHeader("JPEG", width, height, 1)
        fp.seek(length - 2, os.SEEK_CUR)


def _png_header(fp: BinaryIO) -> ImageHeader:
    fp.seek(8)
    length, chunk_type = struct.unpack(">I4s", _read(fp, 8))
    if chunk_type != b"IHDR" or length < 8:
        raise _Malformed
    width, height = struct.unpack(">II", _read(fp, 8))
    return ImageHeader("PNG", width, height, 1)


def _skip_colour_table(fp: BinaryIO, flags: int) -> None:
    if flags & 0x80:
        fp.seek(3 << ((flags & 0x07) + 1), os.SEEK_CUR)


def _skip_gif_sub_blocks(fp: BinaryIO) -> None:
    while size := fp.read(1):
        if size == b"\x00":
            return
        fp.seek(size[0], os.SEEK_CUR)


def _gif_header(fp: BinaryIO) -> ImageHeader:
    fp.seek(6)
    width, height, flags = struct.unpack("<HHB", _read(fp, 5))
    _read(fp, 2)  # background colour index, pixel aspect ratio
    _skip_colour_table(fp, flags)
    frames = 0
    while (block := fp.read(1)) not in (b"", b";"):
        if block == b"!":  # extension: label, then data sub-blocks
            _read(fp, 1)
            _skip_gif_sub_blocks(fp)
        elif block == b",":  # image descriptor
            left, top, frame_width, frame_height, flags = struct.unpack("<HHHHB", _read(fp, 9))
            # Pillow grows the canvas to hold a frame that reaches past the logical screen.
            width = max(width, left + frame_width)
            height = max(height, top + frame_height)
            _skip_colour_table(fp, flags)
            _read(fp, 1)  # LZW minimum code size
            _skip_gif_sub_blocks(fp)
            frames += 1
        # Any other byte is ignored, as Pillow does.
    if frames == 0:
        raise _Malformed
    return ImageHeader("GIF", width, height, frames)


def _webp_header(fp: BinaryIO) -> ImageHeader:
    fp.seek(12)
    chunk_type, _size = struct.unpack("<4sI", _read(fp, 8))
    payload = _read(fp, 10)
    if chunk_type == b"VP8X":
        width = 1 + int.from_bytes(payload[4:7], "little")
        height = 1 + int.from_bytes(payload[7:10], "little")
        animated = bool(payload[0] & 0x02)
        return ImageHeader("WEBP", width, height, _count_webp_frames(fp) if animated else 1)
    if chunk_type == b"VP8 ":
        if payload[3:6] != b"\x9d\x01\x2a":
            raise _Malformed
        width, height = struct.unpack("<HH", payload[6:10])
        return ImageHeader("WEBP", width & 0x3FFF, height & 0x3FFF, 1)
    if chunk_type == b"VP8L":
        if payload[0] != 0x2F:
            raise _Malformed
        (bits,) = struct.unpack("<I", payload[1:5])
        return ImageHeader("WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1)
    raise _Malformed


def _count_webp_frames(fp: BinaryIO) -> int:
    fp.seek(12)
    frames = 0
    while len(chunk_header := fp.read(8)) == 8:
        chunk_type, size = struct.unpack("<4sI", chunk_header)
        frames += chunk_type == b"ANMF"
        fp.seek(size + (size & 1), os.SEEK_CUR)  # chunks are padded to an even length
    return max(frames, 1)


_READERS: dict[str, Callable[[BinaryIO], ImageHeader]] = {
    "JPEG": _jpeg_header,
    "PNG": _png_header,
    "GIF": _gif_header,
    "WEBP": _webp_header,
}
