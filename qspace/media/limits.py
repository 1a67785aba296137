"""Upload limits for images and the checks that turn a breach into a readable refusal."""

from __future__ import annotations

from dataclasses import dataclass

from qspace.media.errors import MediaRejected


@dataclass(frozen=True)
class ImageLimits:
    """What the pipeline accepts; the caller fills it from its settings."""

    max_bytes: int = 20 * 1024 * 1024
    # Width x height of the canvas; for an animation, the sum over all frames (each is decoded).
    max_pixels: int = 40_000_000
    max_side: int = 16_384

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.max_side) <= 0:
            raise ValueError("image limits must be positive")


def check_file_size(size: int, limits: ImageLimits) -> None:
    """Raise MediaRejected if a file of ``size`` bytes is over the limit."""
    if size > limits.max_bytes:
        raise MediaRejected(
            f"File too large: {_megabytes(size)}, limit {_megabytes(limits.max_bytes)}"
        )


def check_dimensions(width: int, height: int, limits: ImageLimits) -> None:
    """Raise MediaRejected if a canvas of ``width`` x ``height`` is over the limits."""
    if width * height > limits.max_pixels:
        raise MediaRejected(
            f"Image too large: {width}x{height} pixels, limit {_megapixels(limits.max_pixels)}"
        )
    if max(width, height) > limits.max_side:
        raise MediaRejected(
            f"Image too large: {width}x{height} pixels, "
            f"limit {limits.max_side} pixels on the longest side"
        )


def check_animation(frames: int, width: int, height: int, limits: ImageLimits) -> None:
    """Raise MediaRejected if ``frames`` frames of ``width`` x ``height`` exceed the pixel limit."""
    if frames * width * height > limits.max_pixels:
        raise MediaRejected(
            f"Animation too large: {frames} frames of {width}x{height} pixels, "
            f"limit {_megapixels(limits.max_pixels)} in total"
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} MP"
