"""What the image pipeline stored: one record per file, and the whole result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StoredVariant:
    """One stored rendition of an image."""

    name: str  # "original", or a key of the sizes passed to process_image ("large", ...)
    path: Path  # relative to the media root
    width: int
    height: int
    bytes: int
    mime: str

    def to_json(self) -> dict[str, Any]:
        """Return the form kept in ``Media.variants[name]`` (path as a POSIX string)."""
        return {
            "path": self.path.as_posix(),
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
            "mime": self.mime,
        }


@dataclass(frozen=True)
class ProcessedImage:
    """The stored variants of one image, with what pages and federation need to show it."""

    variants: dict[str, StoredVariant]
    width: int  # of the upright image
    height: int
    blurhash: str
    mime: str  # of the original variant
    sha256: str  # hex digest of the stored original variant's bytes

    def variants_json(self) -> dict[str, dict[str, Any]]:
        """Return ``variants`` in the form kept in ``Media.variants``."""
        return {name: variant.to_json() for name, variant in self.variants.items()}
