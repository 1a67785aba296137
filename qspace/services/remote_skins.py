"""Skins seen on other qspace servers, and installing one with the admin's approval.

Remote spaces advertise their pack in their actor (`qspace:theme`: id, version, download URL).
An admin sees them on the admin page and may install one: the download goes through the
SSRF-guarded client, is size-capped while streaming, and the pack then passes exactly the
validation `qspace theme install` applies.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from qspace.i18n import gettext as _
from qspace.models import Actor
from qspace.services.errors import ServiceError
from qspace.settings import Settings
from qspace.themes import ThemeError, ThemeInvalid, ThemePack, available_packs, install_pack
from qspace.themes.limits import MAX_ARCHIVE_BYTES


async def seen_skins(settings: Settings, limit: int = 200) -> list[dict[str, Any]]:
    """Packs advertised by remote actors that this server doesn't have (that version)."""
    installed = {(p.id, p.version) for p in available_packs(settings).values()}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    rows = await Actor.filter(is_local=False, deleted_at=None).exclude(ap_raw=None).order_by("-id")
    for actor in rows[:2000]:
        theme = (actor.ap_raw or {}).get("qspace:theme")
        if not isinstance(theme, dict):
            continue
        theme_id, version, url = theme.get("id"), theme.get("version"), theme.get("url")
        if not all(isinstance(v, str) and v for v in (theme_id, version, url)):
            continue
        key = (theme_id, version)
        if key in installed or key in found:
            continue
        found[key] = {
            "id": theme_id[:40],
            "version": version[:40],
            "name": str(theme.get("name") or theme_id)[:100],
            "url": url,
            "seen_on": actor.handle,
        }
        if len(found) >= limit:
            break
    return list(found.values())


async def install_remote_skin(settings: Settings, http: httpx.AsyncClient, url: str) -> ThemePack:
    """Download a .qtheme (https only, unless the server allows http for development) and
    install it after full validation. Raises ServiceError with the reason; nothing is written
    on failure."""
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and settings.federation.allow_http):
        raise ServiceError(_("Skins are downloaded over https only."))
    settings.data_path.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=settings.data_path, prefix=".skin-", suffix=".qtheme")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                async with http.stream("GET", url, follow_redirects=False) as response:
                    if response.status_code != 200:
                        raise ServiceError(
                            _("The skin could not be downloaded (HTTP %(status)s).")
                            % {"status": response.status_code}
                        )
                    received = 0
                    async for chunk in response.aiter_bytes():
                        received += len(chunk)
                        if received > MAX_ARCHIVE_BYTES:
                            raise ServiceError(_("The skin file is too large."))
                        out.write(chunk)
            except httpx.HTTPError as exc:
                raise ServiceError(
                    _("The skin could not be downloaded: %(reason)s") % {"reason": exc}
                ) from None
        try:
            pack, _previous = await asyncio.to_thread(install_pack, settings, path, name_hint="")
        except ThemeInvalid as exc:
            reasons = "; ".join(str(p) for p in exc.problems[:5])
            raise ServiceError(
                _("The skin was refused: %(reason)s") % {"reason": reasons}
            ) from None
        except ThemeError as exc:
            raise ServiceError(_("The skin was refused: %(reason)s") % {"reason": exc}) from None
        return pack
    finally:
        path.unlink(missing_ok=True)
