"""The image pipeline: framework-free; callers pass limits and directories.

The web layer streams an upload to a temporary file, then calls ``process_image`` (in a worker
thread) and stores ``ProcessedImage.variants_json()`` in ``Media.variants``.
"""

from qspace.media.errors import MediaRejected
from qspace.media.headers import probe_image_size, sniff_mime
from qspace.media.limits import ImageLimits
from qspace.media.pipeline import DEFAULT_SIZES, process_image
from qspace.media.storage import delete_variants
from qspace.media.variants import ProcessedImage, StoredVariant

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
