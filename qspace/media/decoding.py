"""Decode an allowlisted image into upright sRGB frames that carry no metadata.

Colour: an embedded ICC profile is applied (converted to sRGB) and then dropped. Browsers treat
untagged images as sRGB, so the stored pixels look as the camera or editor meant, while the
profile itself, which can name the device that made it, never reaches a stored file.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from qspace.media.errors import MediaRejected
from qspace.media.headers import CORRUPT_IMAGE, ImageHeader
from qspace.media.limits import ImageLimits, check_animation, check_dimensions

# 16- and 32-bit greyscale (16-bit greyscale PNG opens as I;16); Pillow's convert("L") clips
# these at 255 instead of scaling, so they are scaled by hand.
_WIDE_GREY_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
# Modes LittleCMS can transform directly; others are converted to RGB(A) first.
_CMS_MODES = frozenset({"RGB", "RGBA", "L", "CMYK"})
# APNG and multi-picture JPEG (MPO) keep their first picture only.
_ANIMATED_FORMATS = frozenset({"GIF", "WEBP"})
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass
class DecodedImage:
    """Pixels ready to encode: every frame RGB or RGBA, upright, sRGB, with an empty ``info``."""

    format: str  # the source format, as Pillow names it: JPEG, PNG, GIF or WEBP
    frames: list[Image.Image]
    durations: list[int] = field(default_factory=list)  # milliseconds, one per frame
    loop: int | None = None  # animation repeats (0 = forever); None = play once

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1


def decode_image(src: Path, header: ImageHeader, limits: ImageLimits) -> DecodedImage:
    """Decode ``src`` (already identified by ``header``) fully into memory.

    Only the first frame of a JPEG or PNG is kept; GIF and WebP animations keep every frame.
    Raises MediaRejected for a corrupt or truncated file, or one over ``limits`` once opened.
    """
    try:
        with Image.open(src, formats=[header.format]) as im:
            check_dimensions(im.width, im.height, limits)
            if header.format in _ANIMATED_FORMATS and getattr(im, "is_animated", False):
                return _decode_animation(im, header.format, limits)
            # In place, so the decoded pixels are not held twice before the conversion copy.
            ImageOps.exif_transpose(im, in_place=True)
            return DecodedImage(header.format, [_to_srgb(im)])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's process-wide guard is stricter than the caller's limit: still a refusal.
        raise MediaRejected(f"Image too large: {header.width}x{header.height} pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        # Pillow signals bad data with all of these (UnidentifiedImageError is an OSError;
        # a truncated file raises OSError because LOAD_TRUNCATED_IMAGES stays False).
        raise MediaRejected(CORRUPT_IMAGE) from exc


def _decode_animation(im: Image.Image, image_format: str, limits: ImageLimits) -> DecodedImage:
    loop = im.info.get("loop")
    frames: list[Image.Image] = []
    durations: list[int] = []
    n_frames: int = getattr(im, "n_frames", 1)
    for index in range(n_frames):
        im.seek(index)
        # Checked before each frame is decoded: a GIF frame that reaches past the logical
        # screen makes Pillow grow the canvas, and every frame is then decoded at that size.
        check_dimensions(im.width, im.height, limits)
        check_animation(n_frames, im.width, im.height, limits)
        upright = ImageOps.exif_transpose(im)  # decodes the frame
        # Read after decoding: Pillow's WebP plugin sets a frame's duration when it loads it.
        durations.append(int(im.info.get("duration", 0)))
        frames.append(_to_srgb(upright, keep_alpha=True))
    return DecodedImage(image_format, _on_common_canvas(frames), durations, loop)


def _on_common_canvas(frames: list[Image.Image]) -> list[Image.Image]:
    """Pad frames decoded before a GIF canvas grew to the final size, anchored top left."""
    width = max(frame.width for frame in frames)
    height = max(frame.height for frame in frames)
    padded = []
    for frame in frames:
        if frame.size != (width, height):
            canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
            canvas.paste(frame, (0, 0))
            frame = canvas
        padded.append(frame)
    return padded


def _to_srgb(im: Image.Image, *, keep_alpha: bool = False) -> Image.Image:
    """Return ``im`` as RGB or RGBA in sRGB with an empty ``info``.

    Alpha is dropped when fully opaque unless ``keep_alpha`` (animation frames share one mode).
    """
    icc_profile = im.info.get("icc_profile")
    if im.mode in _WIDE_GREY_MODES:
        im = im.convert("I").point(lambda value: value / 257).convert("L")
    mode = "RGBA" if keep_alpha or im.has_transparency_data else "RGB"
    if im.mode not in _CMS_MODES:
        im = im.convert(mode)
    converted = _apply_icc_profile(im, icc_profile, mode) if icc_profile else None
    out = converted if converted is not None else im.convert(mode)
    if not keep_alpha:
        out = without_opaque_alpha(out)
    # Every stored variant is encoded from images built here: with no info, Pillow's encoders
    # have no EXIF, XMP, ICC profile or comment to copy into the file.
    out.info = {}
    return out


def without_opaque_alpha(im: Image.Image) -> Image.Image:
    """Return ``im`` as RGB if it is RGBA with every pixel opaque, else ``im`` itself.

    ``info`` is carried over, so pass images from ``decode_image``, whose ``info`` is empty.
    """
    if im.mode == "RGBA" and im.getchannel("A").getextrema() == (255, 255):
        return im.convert("RGB")
    return im


def _apply_icc_profile(im: Image.Image, icc_profile: bytes, mode: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(im, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile, or one that does not fit the pixels: keep the numbers as they are.
        return None
