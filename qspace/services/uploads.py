"""Storing uploaded images: the upload is copied to a temporary file, checked and resized by the
media pipeline in a worker thread, and recorded as a Media row. Albums, statuses and profile
pictures all come through here."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from qspace import media
from qspace.i18n import gettext as _
from qspace.media import ImageLimits, MediaRejected, delete_variants
from qspace.media.limits import check_file_size
from qspace.models import Item, Media, Space
from qspace.services.errors import ServiceError
from qspace.settings import Settings

# Mastodon accepts image descriptions of up to 1500 characters; ours fit there too.
ALT_MAX_CHARS = 1500
_CHUNK = 1024 * 1024


class SpooledUpload(Protocol):
    """An uploaded file already received in full (Starlette's UploadFile is one)."""

    file: BinaryIO


def image_limits(settings: Settings) -> ImageLimits:
    """The pipeline limits configured for this server."""
    return ImageLimits(
        max_bytes=settings.media.max_upload_bytes, max_pixels=settings.media.max_image_pixels
    )


def check_alt(alt: str) -> str:
    """Return the trimmed alt text; raise ServiceError when it is too long."""
    alt = alt.strip()
    if len(alt) > ALT_MAX_CHARS:
        raise ServiceError(
            _("Image descriptions may have at most %(count)d characters.")
            % {"count": ALT_MAX_CHARS}
        )
    return alt


def media_path(capability: str, variant: str) -> str:
    """The site-relative path of a stored variant (the page form of `Urls.media`)."""
    return f"/media/{capability}/{variant}"


async def store_image(
    space: Space,
    upload: SpooledUpload | Path,
    *,
    role: str = "photo",
    alt: str = "",
    item: Item | None = None,
    position: int = 0,
    settings: Settings,
) -> Media:
    """Check, strip and resize an uploaded image, store its variants and create its Media row.

    The upload is copied to a temporary file under the media folder (in chunks) and removed
    again whatever happens; a Path is read in place and left alone. The pipeline runs in a
    worker thread. Raises ServiceError with a reason the uploader can read (too large, not an
    image, corrupt, too long a description), having stored nothing: no row and no file.
    """
    alt = check_alt(alt)
    limits = image_limits(settings)
    root = settings.media_path
    root.mkdir(parents=True, exist_ok=True)
    temporary: Path | None = None
    try:
        if isinstance(upload, Path):
            source = upload
        else:
            temporary = source = await asyncio.to_thread(_copy_to_temp, upload.file, root, limits)
        processed = await asyncio.to_thread(
            media.process_image, source, root, limits=limits, stem=secrets.token_hex(16)
        )
    except MediaRejected as exc:
        raise ServiceError(exc.reason) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    variants = processed.variants_json()
    on_disk = {v["path"]: v["bytes"] for v in variants.values()}  # small sizes share files
    try:
        return await Media.create(
            owner=space,
            item=item,
            kind="image",
            role=role,
            mime=processed.mime,
            width=processed.width,
            height=processed.height,
            blurhash=processed.blurhash,
            alt=alt,
            bytes=sum(on_disk.values()),
            sha256=processed.sha256,
            variants=variants,
            capability=secrets.token_urlsafe(24),
            position=position,
        )
    except BaseException:
        # The row is what makes the files reachable (and deletable): without it, remove them.
        delete_variants(root, processed)
        raise


def _copy_to_temp(src: BinaryIO, directory: Path, limits: ImageLimits) -> Path:
    """Copy `src` to a new temporary file in `directory`; refuse it first if it is too large."""
    src.seek(0, os.SEEK_END)
    check_file_size(src.tell(), limits)
    src.seek(0)
    # A dot name: never a stored variant's name, and skipped by anything listing media.
    fd, name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def delete_media_files(media: list[Media], settings: Settings) -> None:
    """Delete the stored files of media whose rows are already gone; missing files are skipped."""
    for one in media:
        delete_variants(settings.media_path, one.variants)


async def delete_media(media: Media, settings: Settings) -> None:
    """Delete a Media row, then its files (the row first, so no row points at missing files)."""
    await Media.filter(id=media.id).delete()
    delete_media_files([media], settings)
