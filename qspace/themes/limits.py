"""The rules of the pack format that are plain data: caps, names, file types, overridable modules.

themes/README.md documents every value here; change both together.
"""

from __future__ import annotations

import re
from typing import Final

MiB: Final = 1024 * 1024

# Archive caps, checked from the zip's central directory and again while extracting (sizes in
# headers can lie; the bytes actually inflated are what counts).
MAX_TOTAL_BYTES: Final = 20 * MiB
MAX_FILE_BYTES: Final = 5 * MiB
MAX_ENTRIES: Final = 500
MAX_RATIO: Final = 100  # uncompressed:compressed, for entries above RATIO_MIN_BYTES
RATIO_MIN_BYTES: Final = 64 * 1024
MAX_ARCHIVE_BYTES: Final = MAX_TOTAL_BYTES  # the .qtheme file itself (also the download cap)

# Text files are read whole; keep them small.
MAX_STYLE_BYTES: Final = 256 * 1024
MAX_TEMPLATE_BYTES: Final = 64 * 1024
MAX_TEXT_BYTES: Final = 256 * 1024
MAX_IMAGE_PIXELS: Final = 16_000_000

THEME_ID: Final = re.compile(r"[a-z0-9-]{1,40}")
VARIABLE_NAME: Final = re.compile(r"[a-z][a-z0-9-]{0,31}")
CHOICE_OPTION: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# Every path component: ASCII letters, digits, dot, dash, underscore; no leading dot. This keeps
# asset URLs free of escaping and rules out hidden files, spaces and look-alike characters.
PATH_COMPONENT: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
MAX_PATH_DEPTH: Final = 6

MANIFEST_FILE: Final = "theme.toml"
STYLE_FILE: Final = "style.css"
CHECKSUMS_FILE: Final = "MANIFEST.json"
ASSETS_DIR: Final = "assets"
TEMPLATES_DIR: Final = "templates"
ASSET_LICENSES: Final = "assets/LICENSES.md"

IMAGE_TYPES: Final = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg"})
RASTER_TYPES: Final = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
FONT_TYPES: Final = frozenset({"woff", "woff2"})
AUDIO_TYPES: Final = frozenset({"mp3", "ogg", "m4a"})
# Licence notes: assets/LICENSES.md, or REUSE-style `<asset>.license` files beside each asset.
NOTE_TYPES: Final = frozenset({"md", "txt", "license"})
ASSET_TYPES: Final = IMAGE_TYPES | FONT_TYPES | AUDIO_TYPES | NOTE_TYPES
# Files allowed at the top of a pack besides theme.toml, style.css, MANIFEST.json and the preview.
ROOT_DOCUMENTS: Final = frozenset(
    {"README.md", "CHANGELOG.md", "LICENSE", "LICENSE.md", "LICENSE.txt"}
)

# The module blocks a pack may override (`templates/modules/<name>.html`); the page's module ids.
MODULES: Final = (
    "profile",
    "about",
    "statuses",
    "blog",
    "albums",
    "guestbook",
    "friends",
    "visitors",
    "music",
)
MODULE_TEMPLATES: Final = frozenset(f"modules/{name}.html" for name in MODULES)
# Shared pieces the module templates may include/import/extend: templates/partials/<name>.html.
PARTIAL_TEMPLATE: Final = re.compile(r"partials/[a-z0-9][a-z0-9_-]{0,39}\.html")

# Generic CSS font families (CSS Fonts 4, "generic-family"): the only fonts not shipped in a pack.
GENERIC_FONTS: Final = frozenset(
    {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math", "emoji"}
    | {"ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded", "fangsong"}
)


def is_allowed_template(name: str) -> bool:
    """Tell whether `name` (relative to templates/) is one a pack may ship and include."""
    return name in MODULE_TEMPLATES or PARTIAL_TEMPLATE.fullmatch(name) is not None


def extension(path: str) -> str:
    """The lower-case extension of a file name, without the dot ('' when there is none)."""
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""
