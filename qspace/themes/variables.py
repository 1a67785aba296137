"""Theme variables: the value rules of each type, shared by theme.toml defaults and owner input."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from qspace.themes.limits import ASSETS_DIR, FONT_TYPES, GENERIC_FONTS, IMAGE_TYPES, extension

VARIABLE_TYPES: Final = ("color", "font", "image", "length", "choice")
MAX_VALUE_CHARS: Final = 300
# A #rgb or #rrggbb colour: nothing else can smuggle a url() or a `;` into the stylesheet.
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LENGTH = re.compile(
    r"0|-?(?:\d{1,4}(?:\.\d{1,3})?|\.\d{1,3})(?:px|em|rem|%|vw|vh|vmin|vmax|ch|ex|pt)"
)
_MEDIA_TAIL = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
DEFAULT_MEDIA_PREFIXES: Final = ("/media/",)


@dataclass(frozen=True)
class ThemeVariable:
    """A variable a pack declares; its value becomes the `--theme-<name>` custom property."""

    name: str
    type: str
    default: str
    label: str
    options: tuple[str, ...] = ()

    @property
    def css_property(self) -> str:
        """The custom property the value is assigned to: --theme-<name>."""
        return f"--theme-{self.name}"


def pack_relative(value: str) -> str | None:
    """Normalise a path inside a pack ("./assets/a.png" -> "assets/a.png"); None if it escapes."""
    if not value or "\\" in value or value.startswith("/") or ":" in value or "\x00" in value:
        return None
    normal = posixpath.normpath(value)
    if normal.startswith("../") or normal in (".", "..") or normal.startswith("/"):
        return None
    return normal


def _asset(value: str, types: frozenset[str], has_file: Callable[[str], bool]) -> str:
    path = pack_relative(value)
    if path is None or not path.startswith(ASSETS_DIR + "/"):
        raise ValueError(f"{value!r} must be a file inside the pack's {ASSETS_DIR}/ folder")
    if extension(path) not in types:
        raise ValueError(f"{value!r} must be a {'/'.join(sorted(types))} file")
    if not has_file(path):
        raise ValueError(f"{value!r} is not a file of this pack")
    return path


def check_color(value: str) -> str:
    """A #rgb/#rrggbb colour, lower-cased; raises ValueError."""
    if not _COLOR.fullmatch(value):
        raise ValueError(f"{value!r} is not a colour (#rgb or #rrggbb)")
    return value.lower()


def check_length(value: str) -> str:
    """A CSS length from a short safe pattern; raises ValueError."""
    if not _LENGTH.fullmatch(value):
        raise ValueError(f"{value!r} is not a length such as 12px, 1.5em, 40% or 0")
    return value


def check_font(value: str, has_file: Callable[[str], bool]) -> str:
    """A comma-separated list of generic families and at most one font file of the pack."""
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise ValueError(f"{value!r} is not a list of font families")
    kept = []
    for item in items:
        if item.lower() in GENERIC_FONTS:
            kept.append(item.lower())
        else:
            try:
                kept.append(_asset(item, FONT_TYPES, has_file))
            except ValueError:
                raise ValueError(
                    f"font {item!r} is neither a generic family "
                    f"({', '.join(sorted(GENERIC_FONTS))}) nor a woff/woff2 file of the pack"
                ) from None
    if sum(1 for item in kept if item.startswith(ASSETS_DIR + "/")) > 1:
        raise ValueError("a font variable names at most one font file")
    return ", ".join(kept)


def check_image(
    value: str, has_file: Callable[[str], bool], media_prefixes: Sequence[str] = ()
) -> str:
    """`none`, an image file of the pack, or (owner input) a URL of this server's media."""
    if value in ("", "none"):
        return "none"
    for prefix in media_prefixes:
        tail = value[len(prefix) :] if value.startswith(prefix) else None
        if tail is not None and _MEDIA_TAIL.fullmatch(tail) and ".." not in tail:
            return value
    try:
        return _asset(value, IMAGE_TYPES, has_file)
    except ValueError:
        where = " or an uploaded picture" if media_prefixes else ""
        raise ValueError(
            f"{value!r} must be 'none', an image in the pack's {ASSETS_DIR}/ folder{where}"
        ) from None


def check_value(
    variable: ThemeVariable,
    value: object,
    has_file: Callable[[str], bool],
    media_prefixes: Sequence[str] = (),
) -> str:
    """Return the normalised value for `variable`; raise ValueError saying why it is refused."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    value = value.strip()
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"is longer than {MAX_VALUE_CHARS} characters")
    if variable.type == "color":
        return check_color(value)
    if variable.type == "length":
        return check_length(value)
    if variable.type == "font":
        return check_font(value, has_file)
    if variable.type == "image":
        return check_image(value, has_file, media_prefixes)
    if variable.type == "choice":
        if value not in variable.options:
            raise ValueError(f"{value!r} is not one of {', '.join(variable.options)}")
        return value
    raise ValueError(f"unknown variable type {variable.type!r}")
