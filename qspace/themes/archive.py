"""`.qtheme` archives: reproducible packing, and unpacking that trusts nothing in the zip.

Limits (limits.py) are checked twice: from the central directory before anything is written,
and again on the bytes actually inflated, since the sizes a zip declares can lie.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from qspace.themes.files import name_problem
from qspace.themes.limits import (
    CHECKSUMS_FILE,
    MAX_ARCHIVE_BYTES,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_MIN_BYTES,
)
from qspace.themes.problems import Problem

# 1980-01-01 00:00 is the earliest time a zip can hold: a fixed one makes packing reproducible.
FIXED_DATE_TIME: Final = (1980, 1, 1, 0, 0, 0)
FILE_MODE: Final = 0o100644  # a regular file, rw-r--r--
UNIX: Final = 3  # "version made by" host system (APPNOTE.TXT 4.4.2)
CHUNK: Final = 64 * 1024
CHECKSUMS_FORMAT: Final = 1


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checksums_json(root: Path, files: Iterable[str]) -> bytes:
    """MANIFEST.json: the sha256 of every file of the pack, keys sorted, stable bytes."""
    listed = {name: sha256_of(root / name) for name in sorted(files) if name != CHECKSUMS_FILE}
    text = json.dumps({"format": CHECKSUMS_FORMAT, "files": listed}, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def checksum_problems(root: Path, files: Iterable[str]) -> list[Problem]:
    """Compare a pack's MANIFEST.json (when it has one) with its files."""
    names = set(files) - {CHECKSUMS_FILE}
    try:
        text = (root / CHECKSUMS_FILE).read_text(encoding="utf-8")
        listed = json.loads(text)["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        return [Problem(CHECKSUMS_FILE, 0, 'not a checksum list ({"format": 1, "files": {...}})')]

    def line(name: str) -> int:
        match = re.search(re.escape(json.dumps(name)), text)
        return text.count("\n", 0, match.start()) + 1 if match else 0

    hint = " (after editing a pack, `qspace theme pack` writes a fresh MANIFEST.json)"
    problems = [
        Problem(CHECKSUMS_FILE, line(name), f"lists {name}, which is not in the pack{hint}")
        for name in sorted(set(listed) - names)
    ]
    problems += [
        Problem(CHECKSUMS_FILE, 0, f"does not list {name}{hint}")
        for name in sorted(names - set(listed))
    ]
    problems += [
        Problem(CHECKSUMS_FILE, line(name), f"the sha256 of {name} does not match{hint}")
        for name in sorted(names & set(listed))
        if listed[name] != sha256_of(root / name)
    ]
    return problems


def pack_folder(root: Path, files: Iterable[str], output: Path) -> None:
    """Write `files` of the pack at `root` and a fresh MANIFEST.json into the zip `output`.

    Byte-identical for identical content: entries sorted, fixed dates, modes and compression,
    no extra fields or comment. Writes to a temporary name, then renames (atomic).
    """
    entries = {name: (root / name).read_bytes() for name in files if name != CHECKSUMS_FILE}
    entries[CHECKSUMS_FILE] = checksums_json(root, entries)
    temporary = output.with_name(f".{output.name}.tmp")
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
                info.create_system = UNIX
                info.external_attr = FILE_MODE << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name], compresslevel=9)
        os.replace(temporary, output)
    finally:
        temporary.unlink(missing_ok=True)


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if "\\" in name:
        return "backslash in path (only / separates folders)"
    if ".." in name.split("/"):
        return "path traversal (..)"
    # Unix zips keep st_mode in the high 16 bits; many writers leave the file type bits 0.
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == UNIX else 0
    if kind == stat.S_IFLNK:
        return "symbolic links are not allowed"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "not a regular file"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "compression method not supported (use deflate)"
    if info.is_dir():
        return name_problem(name.rstrip("/")) if name.rstrip("/") else "empty name"
    if info.file_size > MAX_FILE_BYTES:
        return f"{info.file_size} bytes; a file has at most {MAX_FILE_BYTES}"
    if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * info.compress_size:
        return f"compressed more than {MAX_RATIO}:1 (a zip bomb?)"
    return name_problem(name)


def directory_problems(archive: zipfile.ZipFile, label: str) -> list[Problem]:
    """Check every entry of the central directory before anything is extracted."""
    infos = archive.infolist()
    problems = []
    if len(infos) > MAX_ENTRIES:
        return [Problem(label, 0, f"{len(infos)} entries; a pack has at most {MAX_ENTRIES}")]
    seen: set[str] = set()
    total = 0
    for info in infos:
        shown = info.filename if info.filename.isprintable() else repr(info.filename)
        if reason := _entry_problem(info):
            problems.append(Problem(shown, 0, reason))
        key = info.filename.rstrip("/").lower()
        if key in seen:
            problems.append(Problem(shown, 0, "duplicate entry in the archive"))
        seen.add(key)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        problems.append(
            Problem(label, 0, f"{total} bytes unpacked; a pack has at most {MAX_TOTAL_BYTES}")
        )
    return problems


def _copy_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Inflate one entry into a new file, stopping past its declared size or the budget."""
    limit = min(info.file_size, MAX_FILE_BYTES, budget)
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out, archive.open(info) as source:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise _Oversize(f"inflates past {limit} bytes: its header lies (a zip bomb?)")
            out.write(chunk)
    return written


class _Oversize(Exception):
    pass


def extract_archive(path: Path, destination: Path) -> list[Problem]:
    """Unpack the .qtheme at `path` into the empty folder `destination`, or say why not.

    Nothing is written unless the central directory passes every check; when extraction
    itself fails, `destination` may hold partial files (the caller removes the folder).
    """
    label = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [Problem(label, 0, f"cannot read: {exc.strerror}")]
    if size > MAX_ARCHIVE_BYTES:
        return [Problem(label, 0, f"{size} bytes; a .qtheme has at most {MAX_ARCHIVE_BYTES}")]
    try:
        with zipfile.ZipFile(path) as archive:
            problems = directory_problems(archive, label)
            if problems:
                return problems
            budget = MAX_TOTAL_BYTES
            for info in sorted(archive.infolist(), key=lambda item: item.filename):
                if info.is_dir():
                    continue
                target = destination / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    budget -= _copy_capped(archive, info, target, budget)
                except _Oversize as exc:
                    return [Problem(info.filename, 0, str(exc))]
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
    ) as exc:
        return [Problem(label, 0, f"not a valid .qtheme (zip) archive: {exc}")]
    return []
