"""Validate a pack (folder or .qtheme) against every rule of the format, and load valid ones."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qspace.themes.archive import checksum_problems, extract_archive
from qspace.themes.files import PackTree, kind_problem, name_problem, scan_folder
from qspace.themes.limits import (
    CHECKSUMS_FILE,
    MANIFEST_FILE,
    MODULES,
    STYLE_FILE,
    TEMPLATES_DIR,
    extension,
    is_allowed_template,
)
from qspace.themes.manifest import Manifest, parse_manifest
from qspace.themes.packcss import css_problems
from qspace.themes.packs import ThemePack
from qspace.themes.problems import Problem, ThemeInvalid
from qspace.themes.sandbox import make_environment
from qspace.themes.sniff import TEXT_TYPES, content_problems, read_text, script_problems
from qspace.themes.svgcheck import svg_problems
from qspace.themes.templatecheck import template_problems
from qspace.themes.versions import qspace_version


@dataclass
class CheckedFolder:
    """The outcome of checking a pack folder: its manifest (None if invalid) and problems."""

    manifest: Manifest | None
    tree: PackTree
    templates: frozenset[str] = field(default_factory=frozenset)
    problems: list[Problem] = field(default_factory=list)


def _template_names(tree: PackTree) -> frozenset[str]:
    prefix = TEMPLATES_DIR + "/"
    return frozenset(
        name[len(prefix) :]
        for name in tree.files
        if name.startswith(prefix) and is_allowed_template(name[len(prefix) :])
    )


def _file_problems(
    tree: PackTree, templates: frozenset[str], *, decode_images: bool
) -> list[Problem]:
    root = tree.root
    environment = make_environment(root / TEMPLATES_DIR, templates, lambda _: "")
    problems: list[Problem] = []
    for relative in sorted(tree.files):
        if name_problem(relative) or kind_problem(relative) or relative == MANIFEST_FILE:
            continue  # already reported by scan_folder; theme.toml is parsed on its own
        ext = extension(relative)
        if ext not in TEXT_TYPES:
            problems += content_problems(root, relative, decode_images=decode_images)
            continue
        text = read_text(root, relative, problems)
        if text is None:
            continue
        if relative == STYLE_FILE:
            problems += css_problems(text, tree.has_file)
        elif ext == "svg":
            problems += svg_problems(text, relative)
        elif ext == "html":
            name = relative[len(TEMPLATES_DIR) + 1 :]
            problems += template_problems(environment, name, text, templates.__contains__)
        elif relative == CHECKSUMS_FILE:
            problems += checksum_problems(root, tree.files)
        else:
            problems += script_problems(relative, text)
    return problems


def check_folder(
    root: Path, *, current_version: str | None = None, decode_images: bool = True
) -> CheckedFolder:
    """Check every rule on the pack folder `root`; never raises for a bad pack.

    `current_version` is the qspace version to check the pack's range against (default: the
    installed one). `decode_images=False` reads images' headers only (see content_problems).
    """
    tree = scan_folder(root)
    templates = _template_names(tree)
    problems = list(tree.problems)
    manifest = None
    if MANIFEST_FILE in tree.files:
        text = read_text(root, MANIFEST_FILE, problems)
        if text is not None:
            problems += script_problems(MANIFEST_FILE, text)
            manifest, manifest_problems = parse_manifest(
                text, tree.has_file, current_version=current_version or qspace_version()
            )
            problems += manifest_problems
    problems += _file_problems(tree, templates, decode_images=decode_images)
    return CheckedFolder(manifest, tree, templates, sorted(set(problems)))


def check_path(
    path: Path, *, current_version: str | None = None
) -> tuple[Manifest | None, int, list[Problem]]:
    """Check a pack folder or .qtheme file: its manifest (None if invalid), file count, problems.

    An archive is unpacked into a private temporary folder (removed afterwards) under the
    archive caps, then checked like a folder. Problem files are relative to the pack root.
    """
    if path.is_dir():
        checked = check_folder(path, current_version=current_version)
        return checked.manifest, len(checked.tree.files), checked.problems
    if not path.is_file():
        return None, 0, [Problem(str(path), 0, "no such pack folder or .qtheme file")]
    with tempfile.TemporaryDirectory(prefix="qtheme-") as scratch:
        problems = extract_archive(path, Path(scratch))
        if problems:
            return None, 0, problems
        checked = check_folder(Path(scratch), current_version=current_version)
        return checked.manifest, len(checked.tree.files), checked.problems


def validate_pack(path: Path, *, current_version: str | None = None) -> list[Problem]:
    """List every problem of the pack at `path` (a folder or a .qtheme file); [] when valid."""
    return check_path(path, current_version=current_version)[2]


def pack_from(checked: CheckedFolder, *, bundled: bool) -> ThemePack:
    """Build the ThemePack of a folder that checked clean."""
    manifest = checked.manifest
    if manifest is None or checked.problems:
        raise ThemeInvalid(checked.problems or [Problem(MANIFEST_FILE, 0, "invalid theme.toml")])
    overrides = frozenset(m for m in MODULES if f"modules/{m}.html" in checked.templates)
    return ThemePack(
        id=manifest.id,
        name=manifest.name,
        version=manifest.version,
        author=manifest.author,
        license=manifest.license,
        description=manifest.description,
        homepage=manifest.homepage,
        preview=manifest.preview,
        variables=manifest.variables,
        root=checked.tree.root.resolve(),
        bundled=bundled,
        has_templates=bool(overrides),
        qspace=manifest.qspace,
        overrides=overrides,
    )


def load_pack(
    path: Path, *, bundled: bool = False, current_version: str | None = None
) -> ThemePack:
    """Validate the pack folder at `path` and return its ThemePack.

    Raises ThemeInvalid with every problem (a .qtheme must be installed first).
    """
    if not path.is_dir():
        raise ThemeInvalid([Problem(str(path), 0, "not a pack folder")])
    return pack_from(check_folder(path, current_version=current_version), bundled=bundled)
