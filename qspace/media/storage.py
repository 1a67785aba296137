"""Write a set of media files all at once or not at all, and delete them again."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

from qspace.media.variants import ProcessedImage, StoredVariant

# What delete_variants accepts: see its docstring.
VariantPaths = (
    ProcessedImage
    | Mapping[str, StoredVariant]
    | Mapping[str, Mapping[str, Any]]
    | Iterable[str | os.PathLike[str]]
    | str
    | os.PathLike[str]
)


class StagedFiles:
    """Files written under temporary names beside their targets, renamed into place on commit.

    Use as a context manager: leaving the block without ``commit()`` (or with an exception)
    removes every temporary file, and a commit that fails half-way removes the files it
    already renamed, so a failure leaves nothing behind.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pending: list[tuple[Path, Path]] = []  # (temporary, final)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for temporary, _final in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending.clear()

    def write(self, relative: PurePath, data: bytes) -> None:
        """Write ``data`` to a temporary file in the directory of ``root / relative``.

        Creates the directory if needed; the data is flushed to disk before commit renames it.
        """
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        # A dot name that the renames below never produce, so it cannot clash with media.
        temporary = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
        # 0o666 minus the umask, as for any new file, so a reverse proxy can serve it.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._pending.append((temporary, final))
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())

    def commit(self) -> None:
        """Rename every written file to its final name; replaces files already there.

        Raises OSError if a rename fails, after removing the files already renamed.
        """
        renamed: list[Path] = []
        try:
            for temporary, final in self._pending:
                os.replace(temporary, final)
                renamed.append(final)
        except BaseException:
            for final in renamed:
                final.unlink(missing_ok=True)
            raise
        directories = {final.parent for _temporary, final in self._pending}
        self._pending.clear()
        for directory in directories:
            _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # Makes the renames durable: the database row that points at these files is committed next.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def delete_variants(media_root: Path, processed_or_paths: VariantPaths) -> None:
    """Delete stored variant files; files already gone are skipped, so it can be repeated.

    Accepts a ProcessedImage, a mapping of variant name to StoredVariant or to the stored JSON
    form (``{"path": ...}``, as in ``Media.variants``), or an iterable of paths relative to
    ``media_root``. Raises ValueError, deleting nothing, if a path would leave ``media_root``.
    """
    # Every path is checked before the first deletion, so a bad one deletes nothing.
    relatives = [_inside_root(relative) for relative in _relative_paths(processed_or_paths)]
    for relative in relatives:
        (media_root / relative).unlink(missing_ok=True)


def _relative_paths(target: VariantPaths) -> Iterator[PurePath]:
    variants: Any = target.variants if isinstance(target, ProcessedImage) else target
    if isinstance(variants, str | os.PathLike):
        variants = [variants]
    entries: Iterable[Any] = variants.values() if isinstance(variants, Mapping) else variants
    seen: set[PurePath] = set()
    for entry in entries:
        raw = entry["path"] if isinstance(entry, Mapping) else entry
        raw = raw.path if isinstance(raw, StoredVariant) else raw
        path = PurePath(raw)
        if path not in seen:  # variants too small to resize share the original's file
            seen.add(path)
            yield path


def _inside_root(relative: PurePath) -> PurePath:
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"media path escapes the media root: {relative}")
    return relative
