"""ThemePack, what the app knows about a validated pack, and safe resolution of its files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import quote

from qspace.themes.files import kind_problem, name_problem
from qspace.themes.limits import ASSETS_DIR
from qspace.themes.variables import ThemeVariable, pack_relative

# Where the app serves pack files: /themes/<id>/<version>/assets/<path> and the preview image.
# The version in the URL lets those responses be cached forever (an upgrade changes the URL).
ASSET_ROUTE: Final = "/themes"


@dataclass(frozen=True)
class ThemePack:
    """A validated pack: its theme.toml fields, where it is, and what it overrides."""

    id: str
    name: str
    version: str
    author: str
    license: str
    description: str
    homepage: str | None
    preview: str  # path of the preview image inside the pack
    variables: dict[str, ThemeVariable]
    root: Path
    bundled: bool
    has_templates: bool
    qspace: str = ""
    # Module names ("guestbook") whose templates/modules/<name>.html the pack ships.
    overrides: frozenset[str] = field(default_factory=frozenset)

    def __hash__(self) -> int:
        # `variables` is a dict: hash by identity fields so packs can key caches.
        return hash((self.root, self.id, self.version))

    @property
    def where(self) -> str:
        """ "bundled" or "installed", for listings."""
        return "bundled" if self.bundled else "installed"


def asset_url(pack: ThemePack, relative: str) -> str:
    """The URL path the app serves a pack file at: /themes/<id>/<version>/<relative>."""
    return f"{ASSET_ROUTE}/{pack.id}/{quote(pack.version)}/{quote(relative)}"


def asset_path(pack: ThemePack, relative: str) -> Path | None:
    """Resolve a URL's pack path ("assets/bg.png", or the preview) to a file, safely.

    Returns None for anything outside assets/ (except the preview image), any name the pack
    format does not allow, symbolic links, and files that do not exist. Never raises.
    """
    path = pack_relative(relative)
    if path is None or not (path.startswith(ASSETS_DIR + "/") or path == pack.preview):
        return None
    if name_problem(path) or kind_problem(path):
        return None
    root = pack.root.resolve()
    candidate = root / path
    try:
        # realpath resolves symlinks: refuse if any component was one (the pack has none).
        if os.path.realpath(candidate) != str(candidate) or not candidate.is_file():
            return None
    except OSError:
        return None
    return candidate
