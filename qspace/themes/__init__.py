"""Skin packs: the pack format, its validator, packing/installing, and what pages need from it.

A pack is a folder (or the same zipped as a `.qtheme`) holding theme.toml, style.css, assets/
and optional template overrides; themes/README.md documents the format for authors. Packs are
untrusted input: everything here assumes a hostile author.

What the app calls:
    available_packs(settings) -> {id: ThemePack}      bundled + installed, cached per process
    pack_stylesheet(pack, values) -> str               variables block + sanitized style.css
    validate_variable_values(pack, values) -> dict     an owner's values, cleaned (ThemeInvalid)
    theme_attributes(pack, values) -> dict             data-theme-<choice> attributes
    render_module_override(pack, module, context)      sandboxed HTML, or None
    asset_path(pack, relative) / asset_url(pack, relative)

What `qspace theme` calls: new_pack, validate_pack, pack_theme, install_pack,
install_from_url, pack_entries, remove_pack.
"""

from qspace.themes.install import (
    ThemeDownloadError,
    download_pack,
    install_from_url,
    install_pack,
    remove_pack,
)
from qspace.themes.limits import MODULES
from qspace.themes.overrides import render_module_override
from qspace.themes.pack import pack_theme
from qspace.themes.packs import ASSET_ROUTE, ThemePack, asset_path, asset_url
from qspace.themes.problems import (
    Problem,
    ThemeConflict,
    ThemeError,
    ThemeInvalid,
    ThemeNotFound,
    ThemeRenderError,
)
from qspace.themes.registry import available_packs, find_pack, pack_entries
from qspace.themes.scaffold import new_pack
from qspace.themes.stylesheet import pack_stylesheet, theme_attributes, validate_variable_values
from qspace.themes.validate import load_pack, validate_pack
from qspace.themes.variables import ThemeVariable

__all__ = [
    "ASSET_ROUTE",
    "MODULES",
    "Problem",
    "ThemeConflict",
    "ThemeDownloadError",
    "ThemeError",
    "ThemeInvalid",
    "ThemeNotFound",
    "ThemePack",
    "ThemeRenderError",
    "ThemeVariable",
    "asset_path",
    "asset_url",
    "available_packs",
    "download_pack",
    "find_pack",
    "install_from_url",
    "install_pack",
    "load_pack",
    "new_pack",
    "pack_entries",
    "pack_stylesheet",
    "pack_theme",
    "remove_pack",
    "render_module_override",
    "theme_attributes",
    "validate_pack",
    "validate_variable_values",
]
