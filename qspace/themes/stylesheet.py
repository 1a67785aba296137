"""The stylesheet of a space: the pack's variables as custom properties, then its style.css."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from tinycss2.serializer import serialize_string_value

from qspace.themes.limits import ASSETS_DIR, STYLE_FILE, extension
from qspace.themes.packcss import SCOPE, rewrite_urls, sanitize_pack_css
from qspace.themes.packs import ThemePack, asset_path, asset_url
from qspace.themes.problems import Problem, ThemeError, ThemeInvalid
from qspace.themes.variables import DEFAULT_MEDIA_PREFIXES, ThemeVariable, check_value


def _has_file(pack: ThemePack) -> functools.partial[bool]:
    return functools.partial(_pack_has_file, pack)


def _pack_has_file(pack: ThemePack, relative: str) -> bool:
    return asset_path(pack, relative) is not None


def validate_variable_values(
    pack: ThemePack,
    values: Mapping[str, object],
    *,
    media_prefixes: Sequence[str] = DEFAULT_MEDIA_PREFIXES,
) -> dict[str, str]:
    """Check a space owner's values for the pack's variables; return them normalised.

    Colours must be #rgb/#rrggbb, lengths a number with a CSS unit, choices one of the
    options, fonts generic families or a font file of the pack, images `none`, a pack image
    or a URL under one of `media_prefixes` (this server's uploads). Raises ThemeInvalid
    listing every refused value (file "variables", line 0).
    """
    cleaned: dict[str, str] = {}
    problems = []
    for name, value in values.items():
        variable = pack.variables.get(name)
        if variable is None:
            problems.append(Problem("variables", 0, f"{name}: {pack.id} has no such variable"))
            continue
        try:
            cleaned[name] = check_value(variable, value, _has_file(pack), media_prefixes)
        except ValueError as exc:
            problems.append(Problem("variables", 0, f"{name}: {exc}"))
    if problems:
        raise ThemeInvalid(problems)
    return cleaned


def _css_string(value: str) -> str:
    return f'"{serialize_string_value(value)}"'


def _property_value(pack: ThemePack, variable: ThemeVariable, value: str) -> tuple[str, str]:
    """The custom property's value, and an @font-face rule it needs ("" when none)."""
    if variable.type == "image":
        if value == "none":
            return "none", ""
        url = asset_url(pack, value) if value.startswith(ASSETS_DIR + "/") else value
        return f"url({_css_string(url)})", ""
    if variable.type == "font":
        family = f"qs-theme-{variable.name}"
        families, face = [], ""
        for item in value.split(", "):
            if item.startswith(ASSETS_DIR + "/"):
                families.append(_css_string(family))
                url = _css_string(asset_url(pack, item))
                source = f"url({url}) format({_css_string(extension(item))})"
                face = (
                    f"@font-face {{\n  font-family: {_css_string(family)};\n"
                    f"  src: {source};\n  font-display: swap;\n}}\n"
                )
            else:
                families.append(item)
        return ", ".join(families), face
    return value, ""


@functools.lru_cache(maxsize=64)
def _base_css(pack: ThemePack, stamp: tuple[int, int]) -> str:
    """style.css sanitized and with url()s rewritten; `stamp` (mtime, size) keys the cache."""
    text = (pack.root / STYLE_FILE).read_text(encoding="utf-8")
    sanitized = sanitize_pack_css(text, _has_file(pack))
    return rewrite_urls(sanitized.css, functools.partial(asset_url, pack))


def pack_stylesheet(pack: ThemePack, values: Mapping[str, object]) -> str:
    """The CSS for a space using `pack` with the owner's variable `values`.

    A `.space-root { --theme-<name>: ... }` block (plus @font-face rules for pack fonts), then
    the pack's style.css, sanitized and scoped to `.space-root`, with url()s pointing at
    /themes/<id>/<version>/assets/.... Values that no longer fit the pack (a variable removed
    or changed by an upgrade) fall back to the default. Safe to put inside <style>.
    Raises OSError if style.css cannot be read.
    """
    lines, faces = [], []
    for name, variable in pack.variables.items():
        value = variable.default
        if name in values:
            try:
                value = check_value(variable, values[name], _has_file(pack), DEFAULT_MEDIA_PREFIXES)
            except ValueError:
                value = variable.default
        css_value, face = _property_value(pack, variable, value)
        lines.append(f"  {variable.css_property}: {css_value};")
        if face:
            faces.append(face)
    style = pack.root / STYLE_FILE
    info = style.stat()
    base = _base_css(pack, (info.st_mtime_ns, info.st_size))
    block = f"{SCOPE} {{\n" + "\n".join(lines) + "\n}\n" if lines else ""
    css = "".join(faces) + block + base
    if "</" in css:  # values and CSS are checked piece by piece; this is the last guard
        raise ThemeError(f"theme {pack.id}: stylesheet would contain '</'")
    return css


def theme_attributes(pack: ThemePack, values: Mapping[str, object]) -> dict[str, str]:
    """`data-theme-<name>` attributes for the pack's choice variables (for `.space-root`).

    CSS cannot branch on a custom property's value, so choices are also exposed as attributes
    that style.css selects on: `:root[data-theme-layout="sidebar"] .qs-modules { ... }`.
    """
    attributes = {}
    for name, variable in pack.variables.items():
        if variable.type != "choice":
            continue
        value = values.get(name, variable.default)
        attributes[f"data-theme-{name}"] = value if value in variable.options else variable.default
    return attributes
