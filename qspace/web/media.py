"""Serving stored media files at their capability URLs: /media/{capability}/{variant}.

The capability is an unguessable token, so friends whose servers fetch media unsigned
(Mastodon) can load friends-only photos; the URL is only ever shown to viewers who may see the
item. What a token alone can't decide is still checked here: media of a deleted item, or of a
photo no longer attached to any item, is gone (404), and a photo in a gated album is served only
to its owner and to sessions that unlocked the album (404 for everyone else, as for any hidden
item).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from qspace.i18n import gettext as _
from qspace.models import Audience, Item, ItemState, Media, Space
from qspace.services import albums
from qspace.services.errors import NotFound
from qspace.web.session import get_auth

# Variants never change once stored (a new upload gets a new token), so shared caches may keep
# public ones for a year; anything else is cached by the browser alone, and briefly.
PUBLIC_CACHE = "public, max-age=31536000, immutable"
PRIVATE_CACHE = "private, max-age=3600"
# Media not attached to an item that anyone may see: profile pictures and backgrounds.
PUBLIC_ROLES = frozenset({"avatar", "banner", "background", "music"})


async def serve_media(request: Request) -> Response:
    """Stream one stored variant with its type; 404 for unknown or hidden media."""
    media = await Media.get_or_none(capability=request.path_params["capability"])
    variant = media.variants.get(request.path_params["variant"]) if media else None
    if media is None or not isinstance(variant, dict):
        raise NotFound(_("No such file."))
    public = await _check_servable(request, media)
    path = _inside_media_root(request, str(variant.get("path", "")))
    headers = {
        "Cache-Control": PUBLIC_CACHE if public else PRIVATE_CACHE,
        "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(path, media_type=str(variant.get("mime") or media.mime), headers=headers)


async def _check_servable(request: Request, media: Media) -> bool:
    """Raise NotFound if `media` must not be served to this request; return whether it is
    public (cacheable by anyone)."""
    if media.item_id is None:
        # A photo whose item was deleted outright (the foreign key is set to null) is gone.
        if media.role not in PUBLIC_ROLES:
            raise NotFound(_("No such file."))
        return True
    item = await Item.get_or_none(id=media.item_id)
    if item is None or item.deleted_at is not None:
        raise NotFound(_("No such file."))
    album = item if item.gate_answer_hash else None
    if album is None and item.container_id is not None:
        album = await Item.get_or_none(id=item.container_id)
        if album is None or album.deleted_at is not None:
            raise NotFound(_("No such file."))
    if album is not None and albums.is_gated(album):
        auth = await get_auth(request)
        owner = (
            auth.account is not None
            and await Space.filter(id=album.space_id, owner_id=auth.account.id).exists()
        )
        data = auth.session.data if auth.session else None
        if not albums.is_unlocked(album, data, owner=owner):
            raise NotFound(_("No such file."))
        return False
    return item.audience in (Audience.PUBLIC, Audience.UNLISTED) and (
        item.state == ItemState.PUBLISHED
    )


def _inside_media_root(request: Request, relative: str) -> Path:
    """The file of a stored variant, refusing any path that would leave the media folder."""
    root = request.app.state.services.settings.media_path.resolve()
    path = (root / relative).resolve()
    if not relative or not path.is_relative_to(root) or not path.is_file():
        raise NotFound(_("No such file."))
    return path
