"""The image pipeline: framework-free; callers pass limits and directories.

The web layer streams an upload to a temporary file, then calls ``process_image`` (in a worker
thread) and stores ``ProcessedImage.variants_json()`` in ``Media.variants``.
"""

import importlib
from typing import Any

from qspace.media.errors import MediaRejected
from qspace.media.headers import probe_image_size, sniff_mime
from qspace.media.limits import ImageLimits
from qspace.media.storage import delete_variants
from qspace.media.variants import ProcessedImage, StoredVariant

# Pillow and blurhash are imported with the pipeline on first use, not at start-up: most
# requests never process an image, and they cost several MiB of an idle server's memory.
_LAZY = {"DEFAULT_SIZES": "qspace.media.pipeline", "process_image": "qspace.media.pipeline"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "DEFAULT_SIZES",
    "ImageLimits",
    "MediaRejected",
    "ProcessedImage",
    "StoredVariant",
    "delete_variants",
    "probe_image_size",
    "process_image",
    "sniff_mime",
]
