"""Skins on pages: the space's stylesheet, theme assets, sandboxed module overrides, plain view.

A skin's CSS and the owner's custom CSS are served as a separate stylesheet (never inline), so
the page's Content-Security-Policy can refuse inline styles and scripts altogether; the chrome
(navigation, log in/out, plain view) is outside `.space-root`, which is all a skin can style.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from qspace.i18n import gettext as _
from qspace.models import Space
from qspace.services import looks, spaces
from qspace.services.errors import NotFound
from qspace.themes import (
    ThemePack,
    ThemeRenderError,
    asset_path,
    available_packs,
    pack_stylesheet,
    pack_theme,
    render_module_override,
    theme_attributes,
)

log = logging.getLogger("qspace.skins")


@dataclass
class Skin:
    pack: ThemePack | None
    plain: bool
    stylesheet_url: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def _fingerprint(space: Space, pack: ThemePack | None) -> str:
    which = f"{pack.id}:{pack.version}" if pack else ""
    raw = f"{which}:{space.theme_vars}:{space.custom_css}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


async def skin_for(request: Request, space: Space) -> Skin:
    """The skin a visitor sees on `space`: none in plain view (`?plain=1`)."""
    settings = request.app.state.services.settings
    if request.query_params.get("plain") == "1":
        return Skin(pack=None, plain=True)
    preview = request.query_params.get("skin")
    pack = None
    # Owners (and theme authors) preview a pack before choosing it: ?skin=<id>.
    if preview and preview in await looks.allowed_theme_ids(settings):
        pack = available_packs(settings).get(preview)
    if pack is None:
        pack = await looks.pack_of(space, settings)
    values = space.theme_vars if pack and pack.id == space.theme_id else {}
    suffix = f"&skin={pack.id}" if preview and pack else ""
    return Skin(
        pack=pack,
        plain=False,
        stylesheet_url=f"/@{space.name}/style.css?v={_fingerprint(space, pack)}{suffix}",
        attributes=theme_attributes(pack, values) if pack else {},
    )


def override(skin: Skin, module: str, context: dict) -> str | None:
    """A module's HTML from the skin's sandboxed template, or None (use the server's own)."""
    if skin.plain or skin.pack is None or module not in skin.pack.overrides:
        return None
    try:
        return render_module_override(skin.pack, module, context)
    except ThemeRenderError as exc:
        log.warning("skin %s: module %s fell back: %s", skin.pack.id, module, exc)
        return None


async def stylesheet(request: Request) -> Response:
    """The space's CSS: the skin's variables and style.css, then the owner's custom CSS."""
    space = await spaces.get_space(request.path_params["name"])
    settings = request.app.state.services.settings
    preview = request.query_params.get("skin")
    pack = None
    if preview and preview in await looks.allowed_theme_ids(settings):
        pack = available_packs(settings).get(preview)
    pack = pack or await looks.pack_of(space, settings)
    values = space.theme_vars if pack and pack.id == space.theme_id else {}
    parts = [pack_stylesheet(pack, values) if pack else ""]
    if space.custom_css and not preview:
        parts.append("/* The space owner's custom CSS (sanitized) */\n" + space.custom_css)
    body = "\n".join(parts)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/css; charset=utf-8", headers=headers)


async def asset(request: Request) -> Response:
    """A file of a skin pack (images, fonts, audio), cached for a long time: URLs carry the
    pack's version."""
    settings = request.app.state.services.settings
    pack = available_packs(settings).get(request.path_params["theme_id"])
    if pack is None or pack.version != request.path_params["version"]:
        raise NotFound(_("No such file."))
    path = asset_path(pack, request.path_params["path"])
    if path is None:
        raise NotFound(_("No such file."))
    return FileResponse(
        path,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def download(request: Request) -> Response:
    """The installed pack as a reproducible .qtheme, for other servers' admins to install
    (advertised in each space's actor as `qspace:theme`)."""
    settings = request.app.state.services.settings
    pack = available_packs(settings).get(request.path_params["theme_id"])
    if pack is None or pack.version != request.path_params["version"]:
        raise NotFound("No such skin.")
    cache = settings.data_path / "cache" / "themes"
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{pack.id}-{pack.version}.qtheme"
    if not target.exists():
        # Packing is reproducible, so a cached archive never goes stale for a given version.
        await asyncio.to_thread(pack_theme, pack.root, target)
    return FileResponse(
        target,
        media_type="application/zip",
        filename=target.name,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
