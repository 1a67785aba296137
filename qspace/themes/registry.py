"""Find the packs a server can use: bundled ones (shipped with qspace) and installed ones.

Each pack folder is validated once per process and again when it changes: a folder replaced
by `qspace theme install` (new inode) or an edited theme.toml/style.css (new mtime).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from qspace.paths import BUNDLED_THEMES_DIR
from qspace.settings import Settings
from qspace.themes.limits import MANIFEST_FILE, STYLE_FILE, THEME_ID
from qspace.themes.packs import ThemePack
from qspace.themes.problems import Problem, ThemeInvalid, ThemeNotFound
from qspace.themes.validate import check_folder, pack_from

log = logging.getLogger("qspace.themes")

Stamp = tuple[int, ...]


@dataclass(frozen=True)
class PackEntry:
    """A pack folder and what loading it gave: the pack, or why it is unusable."""

    folder: Path
    bundled: bool
    pack: ThemePack | None
    error: ThemeInvalid | None


_lock = threading.Lock()
_cache: dict[Path, tuple[Stamp, PackEntry]] = {}


def _stamp(folder: Path) -> Stamp | None:
    try:
        info = folder.stat()
        parts = [info.st_ino, info.st_mtime_ns]
        for name in (MANIFEST_FILE, STYLE_FILE):
            file_info = (folder / name).stat()
            parts += [file_info.st_mtime_ns, file_info.st_size]
    except OSError:
        return None
    return tuple(parts)


def _load(folder: Path, bundled: bool) -> PackEntry:
    # Bundled packs ship with qspace and the test suite checks them in full; here their images'
    # headers are enough, which keeps Pillow (about 2 MiB) out of a server that never decodes
    # an image. Installed packs get every check.
    checked = check_folder(folder, decode_images=not bundled)
    manifest = checked.manifest
    problems = list(checked.problems)
    if manifest is not None and manifest.id != folder.name:
        problems.append(
            Problem(MANIFEST_FILE, 1, f"id {manifest.id!r} differs from the folder name")
        )
    if problems:
        error = ThemeInvalid(problems)
        log.warning("theme pack %s is not usable: %s", folder, error)
        return PackEntry(folder, bundled, None, error)
    return PackEntry(folder, bundled, pack_from(checked, bundled=bundled), None)


def load_entry(folder: Path, *, bundled: bool) -> PackEntry:
    """Validate the pack folder (or reuse the result while it has not changed)."""
    stamp = _stamp(folder)
    with _lock:
        cached = _cache.get(folder)
    if cached is not None and stamp is not None and cached[0] == stamp:
        return cached[1]
    entry = _load(folder, bundled)
    if stamp is not None:
        with _lock:
            _cache[folder] = (stamp, entry)
    return entry


def forget(folder: Path) -> None:
    """Drop a folder's cached result (after installing or removing it)."""
    with _lock:
        _cache.pop(folder, None)


def _folders(parent: Path) -> list[Path]:
    try:
        children = sorted(parent.iterdir())
    except OSError:
        return []
    # Dot-folders are installs and removals in progress (see install.py).
    return [
        child
        for child in children
        if not child.name.startswith(".") and THEME_ID.fullmatch(child.name) and child.is_dir()
    ]


def bundled_ids(bundled_dir: Path = BUNDLED_THEMES_DIR) -> frozenset[str]:
    """The ids of the bundled packs (their folder names), valid or not."""
    return frozenset(folder.name for folder in _folders(bundled_dir))


def pack_entries(settings: Settings, bundled_dir: Path = BUNDLED_THEMES_DIR) -> list[PackEntry]:
    """Every bundled and installed pack folder, usable or not, bundled first, by id.

    An installed folder with a bundled pack's id is listed as unusable (bundled ones win).
    """
    entries = [load_entry(folder, bundled=True) for folder in _folders(bundled_dir)]
    bundled = {entry.folder.name for entry in entries}
    installed_dir = settings.themes_path
    if installed_dir.resolve() == bundled_dir.resolve():
        return entries  # a data folder at the source checkout's root: nothing is installed
    for folder in _folders(installed_dir):
        if folder.name in bundled:
            reason = Problem(MANIFEST_FILE, 0, f"{folder.name!r} is the id of a bundled pack")
            entries.append(PackEntry(folder, False, None, ThemeInvalid([reason])))
        else:
            entries.append(load_entry(folder, bundled=False))
    return entries


def available_packs(
    settings: Settings, bundled_dir: Path = BUNDLED_THEMES_DIR
) -> dict[str, ThemePack]:
    """The usable packs by id: bundled plus installed (in settings.themes_path).

    Invalid packs are left out (and logged once per change). Cached per process; each call
    costs a directory listing and a few stat() calls.
    """
    return {
        entry.pack.id: entry.pack
        for entry in pack_entries(settings, bundled_dir)
        if entry.pack is not None
    }


def find_pack(
    settings: Settings, theme_id: str, bundled_dir: Path = BUNDLED_THEMES_DIR
) -> ThemePack:
    """The usable pack with this id; raises ThemeNotFound."""
    pack = available_packs(settings, bundled_dir).get(theme_id)
    if pack is None:
        raise ThemeNotFound(f"no usable theme with id {theme_id!r}")
    return pack
