"""Background music: a space's playlist of uploaded audio files (no autoplay, ever)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.datastructures import UploadFile

from qspace.i18n import gettext as _
from qspace.models import Media, Space
from qspace.services import freshness
from qspace.services.errors import NotFound, ServiceError
from qspace.settings import Settings

MAX_TRACKS = 20
MAX_TRACK_BYTES = 15 * 1024 * 1024
# What mutagen recognises -> (mime type, file extension). Anything else is refused: the file is
# served back to browsers, so it must really be one of these formats.
FORMATS = {
    "MP3": ("audio/mpeg", ".mp3"),
    "OggVorbis": ("audio/ogg", ".ogg"),
    "OggOpus": ("audio/ogg", ".opus"),
    "MP4": ("audio/mp4", ".m4a"),
    "FLAC": ("audio/flac", ".flac"),
}
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class TrackInfo:
    mime: str
    ext: str
    title: str
    artist: str
    duration: float


def _first(tags: object, *keys: str) -> str:
    if not tags:
        return ""
    for key in keys:
        try:
            value = tags[key]  # type: ignore[index]
        except (KeyError, ValueError, TypeError):
            continue
        text = value[0] if isinstance(value, list) and value else value
        text = str(getattr(text, "text", [text])[0] if hasattr(text, "text") else text)
        if text.strip():
            return text.strip()[:200]
    return ""


def probe_audio(path: Path) -> TrackInfo:
    """Identify an audio file by its content (not its name); raise ServiceError if it isn't one
    of the accepted formats."""
    import mutagen

    try:
        audio = mutagen.File(path)
    except Exception:  # mutagen raises many kinds of errors on malformed input
        audio = None
    if audio is None or type(audio).__name__ not in FORMATS:
        raise ServiceError(_("That file is not an MP3, Ogg, M4A or FLAC audio file."))
    mime, ext = FORMATS[type(audio).__name__]
    tags = audio.tags
    return TrackInfo(
        mime=mime,
        ext=ext,
        title=_first(tags, "TIT2", "title", "\xa9nam"),
        artist=_first(tags, "TPE1", "artist", "\xa9ART"),
        duration=float(getattr(audio.info, "length", 0.0) or 0.0),
    )


def _copy(src: BinaryIO, directory: Path) -> Path:
    src.seek(0, os.SEEK_END)
    if src.tell() > MAX_TRACK_BYTES:
        raise ServiceError(
            _("Music files may be at most %(count)d MB.")
            % {"count": MAX_TRACK_BYTES // (1024 * 1024)}
        )
    src.seek(0)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, _CHUNK)
    return Path(name)


async def add_track(
    space: Space, upload: UploadFile, *, settings: Settings, title: str = ""
) -> Media:
    """Store an uploaded audio file in the space's playlist, with its title and artist read
    from its tags (mutagen). Nothing is stored when the file is refused."""
    if await Media.filter(owner_id=space.id, role="music").count() >= MAX_TRACKS:
        raise ServiceError(_("A playlist holds at most %(count)d tracks.") % {"count": MAX_TRACKS})
    root = settings.media_path
    root.mkdir(parents=True, exist_ok=True)
    temp = await asyncio.to_thread(_copy, upload.file, root)
    try:
        info = await asyncio.to_thread(probe_audio, temp)
        stem = secrets.token_hex(16)
        relative = Path(stem[:2]) / f"{stem}-original{info.ext}"
        (root / relative.parent).mkdir(exist_ok=True)
        size = temp.stat().st_size
        os.replace(temp, root / relative)
    finally:
        temp.unlink(missing_ok=True)
    last = await Media.filter(owner_id=space.id, role="music").order_by("-position").first()
    position = last.position + 1 if last else 0
    name = title.strip() or info.title or Path(upload.filename or "track").stem
    track = await Media.create(
        owner=space,
        kind="audio",
        role="music",
        mime=info.mime,
        bytes=size,
        alt=name[:200],
        variants={"original": {"path": str(relative), "mime": info.mime, "bytes": size}},
        meta={"title": name[:200], "artist": info.artist, "duration": round(info.duration, 1)},
        capability=secrets.token_urlsafe(24),
        position=position,
    )
    await freshness.touch(space.id)
    return track


async def tracks(space: Space) -> list[Media]:
    return await Media.filter(owner_id=space.id, role="music").order_by("position", "id")


async def remove_track(space: Space, media_id: int, settings: Settings) -> None:
    track = await Media.get_or_none(id=media_id, owner_id=space.id, role="music")
    if track is None:
        raise NotFound(_("No such track."))
    await Media.filter(id=track.id).delete()
    for variant in track.variants.values():
        path = (settings.media_path / variant.get("path", "")).resolve()
        if path.is_relative_to(settings.media_path.resolve()):
            path.unlink(missing_ok=True)
    await freshness.touch(space.id)
