"""Install packs into settings.themes_path (atomically), download them, and remove them.

An install never leaves a half-written pack: it extracts into a dot-folder inside themes_path
(same filesystem, so the final rename is atomic), validates that copy, then renames it to
`<id>/`. Any failure removes the dot-folder; the registry ignores dot-folders meanwhile.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from qspace.paths import BUNDLED_THEMES_DIR
from qspace.settings import Settings
from qspace.themes.archive import directory_problems, extract_archive
from qspace.themes.limits import MAX_ARCHIVE_BYTES, THEME_ID
from qspace.themes.packs import ThemePack
from qspace.themes.problems import Problem, ThemeConflict, ThemeError, ThemeInvalid, ThemeNotFound
from qspace.themes.registry import bundled_ids, forget
from qspace.themes.validate import check_folder, pack_from
from qspace.themes.versions import SEMVER, qspace_version

MAX_REDIRECTS = 5


class ThemeDownloadError(ThemeError):
    """A pack could not be downloaded (refused URL, HTTP error, too large, network failure)."""


def _name_hint(name: str) -> str:
    """The id an archive's or folder's name suggests: "retro-1.2.0.qtheme" -> "retro"."""
    stem = name[: -len(".qtheme")] if name.endswith(".qtheme") else name
    match = re.fullmatch(rf"(.+?)-({SEMVER.pattern})", stem)
    return match.group(1) if match else stem


def _copy_folder(source: Path, files: list[str], destination: Path) -> None:
    for relative in files:
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out, (source / relative).open("rb") as data:
            shutil.copyfileobj(data, out)


def _precheck(source: Path, current_version: str) -> list[str] | None:
    """Refuse a bad source before anything is written; return a folder's files (None: zip)."""
    if source.is_dir():
        checked = check_folder(source, current_version=current_version)
        if checked.problems:
            raise ThemeInvalid(checked.problems)
        return sorted(checked.tree.files)
    if not source.is_file():
        raise ThemeInvalid([Problem(str(source), 0, "no such pack folder or .qtheme file")])
    try:
        with zipfile.ZipFile(source) as archive:
            problems = directory_problems(archive, source.name)
    except (zipfile.BadZipFile, OSError) as exc:
        problems = [Problem(source.name, 0, f"not a valid .qtheme (zip) archive: {exc}")]
    if problems:
        raise ThemeInvalid(problems)
    return None


def install_pack(
    settings: Settings,
    source: Path,
    *,
    name_hint: str | None = None,
    bundled_dir: Path = BUNDLED_THEMES_DIR,
    current_version: str | None = None,
) -> tuple[ThemePack, ThemePack | None]:
    """Validate and install a .qtheme file (or a pack folder) as settings.themes_path/<id>/.

    Returns the new pack and the valid one it replaced (None if none). `name_hint` is the
    name the pack came under (default: the file or folder name; "" skips the check that it
    matches the id when replacing an installed pack). Raises ThemeInvalid
    (with every problem), ThemeConflict when the id is a bundled pack's; on any failure
    nothing is left behind in themes_path.
    """
    current_version = current_version or qspace_version()
    folder_files = _precheck(source, current_version)
    themes = settings.themes_path
    created = not themes.exists()
    themes.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=themes))
    try:
        if folder_files is None:
            problems = extract_archive(source, staging)
            if problems:
                raise ThemeInvalid(problems)
        else:
            _copy_folder(source, folder_files, staging)
        checked = check_folder(staging, current_version=current_version)
        if checked.problems or checked.manifest is None:
            raise ThemeInvalid(checked.problems)
        theme_id = checked.manifest.id
        if theme_id in bundled_ids(bundled_dir):
            raise ThemeConflict(f"{theme_id!r} is a bundled theme and cannot be replaced")
        target = themes / theme_id
        previous = _installed(target, current_version)
        label = source.name if name_hint is None else name_hint
        hint = _name_hint(label)
        if target.exists() and THEME_ID.fullmatch(hint) and hint != theme_id:
            raise ThemeInvalid(
                [
                    Problem(
                        label,
                        0,
                        f"theme.toml says id {theme_id!r} but the pack is named {hint!r}: "
                        f"refusing to replace the installed pack {theme_id!r}",
                    )
                ]
            )
        staging.chmod(0o755)
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            _remove_if_empty(themes)
        raise
    forget(target)
    installed = dataclasses.replace(pack_from(checked, bundled=False), root=target.resolve())
    return installed, previous


def _installed(target: Path, current_version: str | None) -> ThemePack | None:
    """The valid pack installed at `target`, if any."""
    if not target.is_dir():
        return None
    try:
        return pack_from(check_folder(target, current_version=current_version), bundled=False)
    except ThemeInvalid:
        return None


def _swap_in(staging: Path, target: Path) -> None:
    """Rename staging to target; an existing target is moved aside first, then deleted."""
    if not target.exists():
        os.rename(staging, target)
        return
    old = target.with_name(f".old-{target.name}-{secrets.token_hex(4)}")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def remove_pack(
    settings: Settings, theme_id: str, *, bundled_dir: Path = BUNDLED_THEMES_DIR
) -> None:
    """Delete the installed pack settings.themes_path/<theme_id>/.

    Raises ThemeConflict for a bundled pack, ThemeNotFound when no such pack is installed.
    """
    target = settings.themes_path / theme_id
    if not THEME_ID.fullmatch(theme_id) or not target.is_dir() or target.is_symlink():
        if THEME_ID.fullmatch(theme_id) and theme_id in bundled_ids(bundled_dir):
            raise ThemeConflict(f"{theme_id!r} is a bundled theme and cannot be removed")
        raise ThemeNotFound(f"no installed theme with id {theme_id!r}")
    doomed = target.with_name(f".remove-{theme_id}-{secrets.token_hex(4)}")
    os.rename(target, doomed)  # atomic: the pack disappears at once, then is deleted
    shutil.rmtree(doomed, ignore_errors=True)
    forget(target)


def _check_url(url: str, *, allow_http: bool) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ThemeDownloadError(f"not a URL: {url!r}") from None
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        only = (
            "https:// (or http:// with federation.allow_http)" if not allow_http else "http(s)://"
        )
        raise ThemeDownloadError(f"refusing {url!r}: only {only} URLs can be installed")
    if parts.username or parts.password:
        raise ThemeDownloadError("refusing a URL with a user name or password in it")


def download_pack(client: httpx.Client, url: str, destination: Path, *, allow_http: bool) -> None:
    """Download a .qtheme into `destination`, following at most 5 redirects.

    Every hop must be https (http only with `allow_http`); the body is capped at
    MAX_ARCHIVE_BYTES (checked from Content-Length and while streaming). Raises
    ThemeDownloadError; `destination` may then hold a partial file.
    """
    for _ in range(MAX_REDIRECTS + 1):
        _check_url(url, allow_http=allow_http)
        try:
            with client.stream("GET", url, follow_redirects=False) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                if response.status_code != 200:
                    raise ThemeDownloadError(
                        f"download failed: HTTP {response.status_code} from {url}"
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_ARCHIVE_BYTES:
                    raise ThemeDownloadError(f"the pack is larger than {MAX_ARCHIVE_BYTES} bytes")
                received = 0
                with destination.open("wb") as out:
                    for chunk in response.iter_bytes():
                        received += len(chunk)
                        if received > MAX_ARCHIVE_BYTES:
                            raise ThemeDownloadError(
                                f"the pack is larger than {MAX_ARCHIVE_BYTES} bytes"
                            )
                        out.write(chunk)
                return
        except httpx.HTTPError as exc:
            raise ThemeDownloadError(f"download failed: {exc}") from None
    raise ThemeDownloadError(f"more than {MAX_REDIRECTS} redirects")


def install_from_url(
    settings: Settings,
    url: str,
    *,
    client: httpx.Client | None = None,
    bundled_dir: Path = BUNDLED_THEMES_DIR,
) -> tuple[ThemePack, ThemePack | None]:
    """Download a .qtheme (see download_pack) into a private temp file and install it.

    Uses `client` when given (tests pass one with a MockTransport), else a client with
    settings.federation.http_timeout. Raises ThemeDownloadError, ThemeInvalid, ThemeConflict.
    """
    own_client = client is None
    http = client or httpx.Client(
        timeout=settings.federation.http_timeout,
        headers={"User-Agent": f"qspace/{qspace_version()} (theme install)"},
    )
    try:
        with tempfile.TemporaryDirectory(prefix="qtheme-download-") as scratch:
            archive = Path(scratch) / "download.qtheme"
            download_pack(http, url, archive, allow_http=settings.federation.allow_http)
            hint = urlsplit(url).path.rsplit("/", 1)[-1]
            return install_pack(settings, archive, name_hint=hint, bundled_dir=bundled_dir)
    finally:
        if own_client:
            http.close()
