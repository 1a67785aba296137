"""How a space looks: its skin pack, the pack's variables, custom CSS; which packs are allowed."""

from __future__ import annotations

from urllib.parse import urlsplit

from qspace.css import sanitize_custom_css
from qspace.i18n import gettext as _
from qspace.models import ServerState, Space
from qspace.services.errors import ServiceError
from qspace.settings import Settings
from qspace.themes import ThemeInvalid, ThemePack, available_packs, validate_variable_values

DEFAULT_THEME = "default"
ALLOWED_KEY = "allowed_themes"
CUSTOM_CSS_MAX_BYTES = 32_768


async def allowed_theme_ids(settings: Settings) -> set[str]:
    """The packs space owners may pick: the admin's choice, else every available pack."""
    packs = set(available_packs(settings))
    state = await ServerState.get_or_none(key=ALLOWED_KEY)
    if state is None or not isinstance(state.value.get("ids"), list):
        return packs
    return (set(state.value["ids"]) & packs) | ({DEFAULT_THEME} & packs)


async def set_allowed_theme_ids(settings: Settings, ids: list[str]) -> None:
    known = set(available_packs(settings))
    chosen = sorted({i for i in ids if i in known} | {DEFAULT_THEME})
    await ServerState.update_or_create(key=ALLOWED_KEY, defaults={"value": {"ids": chosen}})


async def pack_of(space: Space, settings: Settings) -> ThemePack | None:
    """The space's pack if it is still available and allowed, else the default pack."""
    packs = available_packs(settings)
    allowed = await allowed_theme_ids(settings)
    if space.theme_id in packs and space.theme_id in allowed:
        return packs[space.theme_id]
    return packs.get(DEFAULT_THEME)


def _media_url_allowed(base_url: str):  # type: ignore[no-untyped-def]
    host = urlsplit(base_url).netloc

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        local = not parts.scheme and not parts.netloc
        same_host = parts.scheme in ("http", "https") and parts.netloc == host
        return (local or same_host) and parts.path.startswith("/media/")

    return allowed


async def choose_theme(space: Space, settings: Settings, theme_id: str) -> None:
    """Switch skin; the new pack's variables start from its defaults."""
    if theme_id not in await allowed_theme_ids(settings):
        raise ServiceError(_("That skin is not available on this server."))
    if theme_id != space.theme_id:
        space.theme_id = theme_id
        space.theme_vars = {}
        await space.save(update_fields=["theme_id", "theme_vars", "updated_at"])


async def set_variables(space: Space, settings: Settings, values: dict[str, str]) -> None:
    """Store the owner's values for the skin's variables (checked against their types)."""
    pack = await pack_of(space, settings)
    if pack is None:
        raise ServiceError(_("No skin is installed on this server."))
    submitted = {k: v for k, v in values.items() if k in pack.variables and v != ""}
    try:
        cleaned = validate_variable_values(pack, submitted)
    except ThemeInvalid as exc:
        raise ServiceError("; ".join(p.reason for p in exc.problems)) from None
    space.theme_vars = cleaned
    await space.save(update_fields=["theme_vars", "updated_at"])


async def set_custom_css(space: Space, settings: Settings, css: str) -> list[str]:
    """Sanitize and store the owner's CSS; returns the problems found (what was dropped).

    The stored CSS is the sanitized one, scoped to the space's container, so what the owner sees
    in the box afterwards is exactly what visitors get.
    """
    if len(css.encode()) > CUSTOM_CSS_MAX_BYTES:
        raise ServiceError(
            _("Custom CSS may have at most %(count)d bytes.") % {"count": CUSTOM_CSS_MAX_BYTES}
        )
    result = sanitize_custom_css(
        css,
        scope=".space-root",
        max_bytes=CUSTOM_CSS_MAX_BYTES,
        allowed_url=_media_url_allowed(settings.base_url),
    )
    space.custom_css = result.css
    await space.save(update_fields=["custom_css", "updated_at"])
    return [
        _("line %(line)d: %(reason)s") % {"line": p.line, "reason": p.reason}
        for p in result.problems
    ]
