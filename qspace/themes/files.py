"""The file tree of a pack folder: names, kinds of files, sizes, symlinks and licence notes."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from qspace.themes.limits import (
    ASSET_LICENSES,
    ASSET_TYPES,
    ASSETS_DIR,
    AUDIO_TYPES,
    CHECKSUMS_FILE,
    FONT_TYPES,
    MANIFEST_FILE,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_PATH_DEPTH,
    MAX_TOTAL_BYTES,
    PATH_COMPONENT,
    ROOT_DOCUMENTS,
    STYLE_FILE,
    TEMPLATES_DIR,
    extension,
    is_allowed_template,
)
from qspace.themes.problems import Problem

REQUIRED_FILES = (MANIFEST_FILE, STYLE_FILE)
_ROOT_IMAGES = frozenset({"png", "jpg", "jpeg", "webp"})  # previews


@dataclass
class PackTree:
    """The regular files found in a pack folder (relative POSIX path -> size) and the problems."""

    root: Path
    files: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def has_file(self, relative: str) -> bool:
        """Tell whether the pack has this regular file (a relative POSIX path)."""
        return relative in self.files


def name_problem(relative: str) -> str | None:
    """Explain why a path inside a pack is not acceptable as a name, or return None."""
    parts = relative.split("/")
    if len(parts) > MAX_PATH_DEPTH:
        return f"nested deeper than {MAX_PATH_DEPTH} folders"
    for part in parts:
        if not PATH_COMPONENT.fullmatch(part):
            return (
                f"name {part!r} must use only letters, digits, '.', '_' and '-' "
                "and not start with '.' or '-'"
            )
    return None


def kind_problem(relative: str) -> str | None:
    """Explain why a file may not be in a pack at this place, or return None."""
    ext = extension(relative)
    top, _, rest = relative.partition("/")
    if ext in ("js", "mjs", "cjs"):
        return "JavaScript files are not allowed in a theme pack"
    if not rest:
        if relative in (MANIFEST_FILE, STYLE_FILE, CHECKSUMS_FILE) or relative in ROOT_DOCUMENTS:
            return None
        if ext in _ROOT_IMAGES:
            return None  # the preview image
        if ext in ("html", "htm"):
            return "HTML is only allowed as a template override under templates/"
        return (
            "unknown file at the top of the pack (expected theme.toml, style.css, a preview "
            "image, README.md or LICENSE)"
        )
    if top == ASSETS_DIR:
        if ext in ASSET_TYPES:
            return None
        if ext in ("html", "htm"):
            return "HTML is only allowed as a template override under templates/"
        return (
            f"unknown file type {('.' + ext) if ext else '(none)'} in assets/ (allowed: "
            f"{', '.join(sorted(ASSET_TYPES))})"
        )
    if top == TEMPLATES_DIR:
        if is_allowed_template(rest):
            return None
        return (
            f"templates/{rest} is not an overridable template "
            "(allowed: modules/<module>.html and partials/<name>.html)"
        )
    return f"unknown folder {top}/ (a pack has assets/ and templates/)"


def _walk(tree: PackTree, folder: Path, prefix: str, depth: int) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        tree.problems.append(Problem(prefix.rstrip("/") or ".", 0, f"cannot read: {exc.strerror}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # .git, .DS_Store: an author's working files are never part of a pack
        relative = prefix + entry.name
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            tree.problems.append(Problem(relative, 0, "symbolic links are not allowed"))
        elif stat.S_ISDIR(info.st_mode):
            if depth >= MAX_PATH_DEPTH:
                tree.problems.append(Problem(relative, 0, "folders nested too deeply"))
            else:
                _walk(tree, Path(entry.path), relative + "/", depth + 1)
        elif not stat.S_ISREG(info.st_mode):
            tree.problems.append(Problem(relative, 0, "not a regular file"))
        else:
            tree.files[relative] = info.st_size


def scan_folder(root: Path) -> PackTree:
    """List a pack folder's files and check names, kinds, sizes, counts and licence notes.

    Never follows symbolic links (each one is a problem). Hidden entries (".git", ".DS_Store")
    are skipped: they are never validated, packed or installed.
    """
    tree = PackTree(root)
    if root.is_symlink():
        tree.problems.append(Problem(root.name, 0, "the pack folder is a symbolic link"))
        return tree
    _walk(tree, root, "", 1)
    problems = tree.problems
    for relative, size in tree.files.items():
        reason = name_problem(relative) or kind_problem(relative)
        if reason:
            problems.append(Problem(relative, 0, reason))
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(relative, 0, f"{size} bytes; a file has at most {MAX_FILE_BYTES}")
            )
    seen: dict[str, str] = {}
    for relative in tree.files:
        other = seen.setdefault(relative.lower(), relative)
        if other != relative:
            problems.append(Problem(relative, 0, f"differs from {other} only by letter case"))
    total = sum(tree.files.values())
    if total > MAX_TOTAL_BYTES:
        problems.append(
            Problem(".", 0, f"{total} bytes in all; a pack has at most {MAX_TOTAL_BYTES}")
        )
    if len(tree.files) > MAX_ENTRIES:
        problems.append(
            Problem(".", 0, f"{len(tree.files)} files; a pack has at most {MAX_ENTRIES}")
        )
    for required in REQUIRED_FILES:
        if required not in tree.files:
            problems.append(Problem(required, 0, "required file is missing"))
    problems.extend(licence_problems(tree))
    return tree


def licence_problems(tree: PackTree) -> list[Problem]:
    """Check that each audio and font file has a licence note.

    The note is assets/LICENSES.md naming the file (its path inside assets/), or a companion
    `<file>.license` beside it, the REUSE convention (reuse.software).
    """
    needing = [
        relative
        for relative in tree.files
        if relative.startswith(ASSETS_DIR + "/") and extension(relative) in AUDIO_TYPES | FONT_TYPES
    ]
    if not needing:
        return []
    notes = ""
    if ASSET_LICENSES in tree.files:
        try:
            notes = (tree.root / ASSET_LICENSES).read_text(encoding="utf-8", errors="replace")
        except OSError:
            notes = ""
    problems = []
    for relative in needing:
        inside_assets = relative[len(ASSETS_DIR) + 1 :]
        if relative + ".license" in tree.files or inside_assets in notes:
            continue
        problems.append(
            Problem(
                relative,
                0,
                f"fonts and audio need a licence note: name {inside_assets} in {ASSET_LICENSES} "
                f"or add {relative}.license",
            )
        )
    return problems
