"""Theme commands: `qspace theme new|validate|pack|install|list|remove` for skin packs.

new, validate and pack are author tools and need no config; install, list and remove act on a
server's themes folder (settings.themes_path) and read --config.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from qspace.cli.common import CommandError, settings_from
from qspace.themes import (
    Problem,
    ThemeConflict,
    ThemeError,
    ThemeInvalid,
    install_from_url,
    install_pack,
    new_pack,
    pack_entries,
    pack_theme,
    remove_pack,
)
from qspace.themes.validate import check_path


def register(commands: Any) -> None:
    theme = commands.add_parser("theme", help="create, validate, pack and install skin packs")
    actions = theme.add_subparsers(dest="action", required=True, metavar="ACTION")

    new = actions.add_parser("new", help="write a new pack folder ID/ to start from")
    new.add_argument("id", help="the theme id: lowercase letters, digits and '-'")
    new.add_argument("--dir", type=Path, default=Path("."), help="parent folder (default: .)")
    new.add_argument("--name", help="display name (default: from the id)")
    new.set_defaults(handler=cmd_new)

    validate = actions.add_parser("validate", help="check a pack folder or .qtheme file")
    validate.add_argument("path", type=Path)
    validate.set_defaults(handler=cmd_validate)

    pack = actions.add_parser("pack", help="validate a pack folder and write its .qtheme")
    pack.add_argument("path", type=Path)
    pack.add_argument("--output", type=Path, help="default: <id>-<version>.qtheme beside it")
    pack.set_defaults(handler=cmd_pack)

    install = actions.add_parser("install", help="validate and install a .qtheme (file or URL)")
    install.add_argument("source", metavar="FILE|URL")
    install.set_defaults(handler=cmd_install)

    listing = actions.add_parser("list", help="list bundled and installed packs")
    listing.set_defaults(handler=cmd_list)

    remove = actions.add_parser("remove", help="delete an installed pack")
    remove.add_argument("id")
    remove.set_defaults(handler=cmd_remove)


def _print_problems(problems: list[Problem], folder: Path | None = None) -> None:
    """Print `file:line: reason` lines; files are joined to `folder` so editors can open them."""
    for problem in problems:
        file = str(folder / problem.file) if folder is not None else problem.file
        print(f"{file}:{problem.line}: {problem.reason}")
    count = len(problems)
    print(f"{count} problem{'s' if count != 1 else ''} found")


def _invalid(error: ThemeInvalid, folder: Path | None = None) -> CommandError:
    _print_problems(error.problems, folder)
    return CommandError("the theme pack is not valid", 2)


def cmd_new(args: argparse.Namespace) -> int:
    try:
        root = new_pack(args.id, args.dir, name=args.name)
    except ThemeConflict as exc:
        raise CommandError(str(exc), 1) from None
    except ThemeError as exc:
        raise CommandError(str(exc), 2) from None
    print(f"created {root}")
    print(f"next: edit it, then `qspace theme validate {root}` and `qspace theme pack {root}`")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    path: Path = args.path
    manifest, count, problems = check_path(path)
    if problems:
        _print_problems(problems, path if path.is_dir() else None)
        return 2
    name = f"{manifest.id} {manifest.version}" if manifest is not None else ""
    print(f"{path}: valid theme {name} ({count} files)")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    try:
        output = pack_theme(args.path, args.output)
    except ThemeInvalid as exc:
        raise _invalid(exc, args.path) from None
    except ThemeError as exc:
        raise CommandError(str(exc), 2) from None
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    print(f"wrote {output}")
    print(f"sha256 {digest}")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    source: str = args.source
    try:
        if "://" in source:
            pack, previous = install_from_url(settings, source)
        else:
            path = Path(source)
            pack, previous = install_pack(settings, path)
    except ThemeInvalid as exc:
        raise _invalid(exc) from None
    except ThemeError as exc:
        raise CommandError(str(exc), 1) from None
    replaced = f" (replacing version {previous.version})" if previous is not None else ""
    print(f"installed theme {pack.id} {pack.version}{replaced} into {pack.root}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    entries = pack_entries(settings)
    if not entries:
        print("no themes")
    for entry in entries:
        where = "bundled" if entry.bundled else "installed"
        if entry.pack is not None:
            print(f"{entry.pack.id}\t{entry.pack.version}\t{entry.pack.name}\t{where}")
        else:
            reason = entry.error.problems[0] if entry.error and entry.error.problems else "?"
            print(f"{entry.folder.name}\t-\tUNUSABLE: {reason}\t{where}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        remove_pack(settings, args.id)
    except ThemeError as exc:
        raise CommandError(str(exc), 1) from None
    print(f"removed theme {args.id}")
    return 0
