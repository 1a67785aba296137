"""`qspace theme pack`: validate a pack folder, then write its reproducible .qtheme."""

from __future__ import annotations

from pathlib import Path

from qspace.themes.archive import pack_folder
from qspace.themes.problems import ThemeError, ThemeInvalid
from qspace.themes.validate import check_folder


def pack_theme(
    source: Path, output: Path | None = None, *, current_version: str | None = None
) -> Path:
    """Validate the pack folder `source` and zip it into `output`; return the archive's path.

    The default output is `<id>-<version>.qtheme` beside the pack folder. Packing the same
    content twice gives byte-identical files. Raises ThemeInvalid (every problem) or
    ThemeError when `source` is not a folder or `output` lies inside it.
    """
    if not source.is_dir():
        raise ThemeError(f"{source} is not a pack folder")
    checked = check_folder(source, current_version=current_version)
    if checked.problems or checked.manifest is None:
        raise ThemeInvalid(checked.problems)
    manifest = checked.manifest
    root = source.resolve()
    target = (output or root.parent / f"{manifest.id}-{manifest.version}.qtheme").resolve()
    if target.is_relative_to(root):
        raise ThemeError(f"write the .qtheme outside the pack folder, not to {target}")
    if target.is_dir():
        raise ThemeError(f"{target} is a folder")
    pack_folder(root, sorted(checked.tree.files), target)
    return target
