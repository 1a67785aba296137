"""Export of a space: a zip that a later import (or another server) can read.

Layout (format version 1):
  manifest.json   format, version, space, created, counts per kind
  actor.json      the Person actor
  outbox.json     OrderedCollection of Create activities: every item the owner wrote, drafts and
                  private ones included, with qspace:kind / qspace:audience / qspace:state
  followers.csv   actor, handle, state, since
  following.csv   actor, handle, state, since
  media.json      media files: id, item, kind, role, alt, mime, size, path inside the zip
  media/...       the stored files
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from qspace.i18n import gettext as _
from qspace.mapping import (
    QSPACE_CONTEXT,
    item_to_object,
    object_to_create,
    public_addressing,
    space_to_actor,
    with_context,
)
from qspace.models import Follow, Item, Media, Space
from qspace.services.errors import ServiceError
from qspace.urls import Urls

FORMAT = "qspace-export"
VERSION = 1
# Exports are spooled to disk past this size, so a big space never sits in memory.
SPOOL_BYTES = 8 * 1024 * 1024


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["actor", "handle", "state", "since"])
    writer.writerows(rows)
    return out.getvalue()


async def _follow_rows(**filters: Any) -> list[list[str]]:
    rows = []
    side = "followed" if "follower_id" in filters else "follower"
    for follow in await Follow.filter(**filters).select_related(side).order_by("id"):
        other = getattr(follow, side)
        rows.append([other.ap_id, other.handle, follow.state.value, follow.created_at.isoformat()])
    return rows


async def write_export(space: Space, urls: Urls, media_root: Path) -> IO[bytes]:
    """Build the export zip of `space` into a spooled temporary file, rewound for reading."""
    actor = await space.actor
    items = (
        await Item.filter(author_id=actor.id, deleted_at=None)
        .order_by("id")
        .prefetch_related("in_reply_to")
    )
    media = await Media.filter(owner_id=space.id).order_by("id")
    media_by_item: dict[int, list[Media]] = {}
    for m in media:
        if m.item_id:
            media_by_item.setdefault(m.item_id, []).append(m)
    activities = []
    for item in items:
        to, cc = public_addressing(actor) if item.audience.value == "public" else ([], [])
        obj = item_to_object(
            item,
            author=actor,
            urls=urls,
            to=to,
            cc=cc,
            media=media_by_item.get(item.id),
            in_reply_to=item.in_reply_to.ap_id if item.in_reply_to else item.in_reply_to_ap_id,
            include_private_state=True,
        )
        activities.append(object_to_create(obj, actor.ap_id))
    outbox = with_context(
        {
            "id": urls.outbox(space.name),
            "type": "OrderedCollection",
            "totalItems": len(activities),
            "orderedItems": activities,
        },
        QSPACE_CONTEXT,
    )
    counts = Counter(item.kind.value for item in items)
    followers = await _follow_rows(followed_id=actor.id)
    following = await _follow_rows(follower_id=actor.id)
    media_index = []
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for m in media:
            for variant, info in sorted(m.variants.items()):
                source = media_root / info["path"]
                if not source.is_file():
                    continue
                inside = f"media/{m.id}/{variant}{source.suffix}"
                archive.write(source, inside)
                media_index.append(
                    {
                        "id": m.id,
                        "item": m.item_id,
                        "kind": m.kind,
                        "role": m.role,
                        "alt": m.alt,
                        "variant": variant,
                        "mime": info.get("mime", m.mime),
                        "path": inside,
                    }
                )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "space": space.name,
            "actor": actor.ap_id,
            "created": datetime.now(UTC).isoformat(),
            "counts": {
                "items": dict(sorted(counts.items())),
                "followers": len(followers),
                "following": len(following),
                "media": len(media),
            },
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr("actor.json", json.dumps(space_to_actor(space, actor, urls), indent=2))
        archive.writestr("outbox.json", json.dumps(outbox, indent=2, ensure_ascii=False))
        archive.writestr("followers.csv", _csv(followers))
        archive.writestr("following.csv", _csv(following))
        archive.writestr("media.json", json.dumps(media_index, indent=2, ensure_ascii=False))
    spool.seek(0)
    return spool


@dataclass
class ExportSummary:
    """What an export holds, as read back from the archive itself (not from its manifest)."""

    space: str
    items: dict[str, int] = field(default_factory=dict)
    followers: int = 0
    following: int = 0
    media_files: int = 0
    activities: list[dict[str, Any]] = field(default_factory=list)


def read_export(source: IO[bytes] | Path) -> ExportSummary:
    """Read and check an export archive; raises ServiceError for anything malformed."""
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise ServiceError(_("Not a qspace export of a known version."))
            outbox = json.loads(archive.read("outbox.json"))
            activities = outbox.get("orderedItems", [])
            kinds = Counter(a["object"].get("qspace:kind", "unknown") for a in activities)
            followers = list(csv.DictReader(io.StringIO(archive.read("followers.csv").decode())))
            following = list(csv.DictReader(io.StringIO(archive.read("following.csv").decode())))
            media_files = [n for n in archive.namelist() if n.startswith("media/")]
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ServiceError(
            _("The export archive is damaged: %(reason)s") % {"reason": str(exc)}
        ) from None
    return ExportSummary(
        space=manifest.get("space", ""),
        items=dict(sorted(kinds.items())),
        followers=len(followers),
        following=len(following),
        media_files=len(media_files),
        activities=activities,
    )
