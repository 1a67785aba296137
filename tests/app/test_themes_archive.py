"""`.qtheme` archives: reproducible packing and unpacking that trusts nothing in the zip."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from qspace.cli import main
from qspace.themes import ThemeError, ThemeInvalid, install_pack, pack_theme, validate_pack
from qspace.themes.archive import extract_archive

MINIMAL = Path(__file__).parents[1] / "data" / "themes" / "minimal"
MiB = 1024 * 1024


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid pack."""
    return Path(shutil.copytree(MINIMAL, tmp_path / "minimal"))


def build_zip(path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]], *, base=True) -> Path:
    """A zip holding the minimal pack's files (when `base`) plus hostile `extra` entries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate-name test
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            if base:
                for name in ("theme.toml", "style.css", "preview.png"):
                    archive.writestr(name, (MINIMAL / name).read_bytes())
            for info, data in extra:
                archive.writestr(info, data)
    return path


def patch_central_sizes(path: Path, name: str, *, compressed: int, uncompressed: int) -> None:
    """Rewrite the sizes the central directory declares for one entry (a lying header)."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + name_length] == name.encode():
            struct.pack_into("<II", data, start + 20, compressed, uncompressed)
            path.write_bytes(bytes(data))
            return
        start += 4
    raise AssertionError(f"{name} not in the central directory")


def problems_of(archive: Path) -> list[str]:
    return [str(problem) for problem in validate_pack(archive)]


# --- packing ------------------------------------------------------------------------------


def test_packing_twice_gives_byte_identical_archives(pack, tmp_path):
    """Ensures `qspace theme pack` is reproducible even when file times change in between."""
    first = pack_theme(pack, tmp_path / "one.qtheme")
    for path in pack.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    (pack / "style.css").chmod(0o600)
    second = pack_theme(pack, tmp_path / "two.qtheme")
    assert first.read_bytes() == second.read_bytes()


def test_pack_uses_sorted_entries_fixed_dates_and_modes(pack, tmp_path):
    """Ensures entries are sorted, dated 1980-01-01 and stored as regular 0644 files."""
    (pack / "assets").mkdir()
    (pack / "assets" / "b.license").write_text("x")
    archive = zipfile.ZipFile(pack_theme(pack, tmp_path / "out.qtheme"))
    names = archive.namelist()
    assert names == sorted(names)
    assert "MANIFEST.json" in names and "assets/b.license" in names
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == stat.S_IFREG | 0o644
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_pack_writes_sha256_of_every_file(pack, tmp_path):
    """Ensures MANIFEST.json lists the sha256 of every other file of the pack."""
    archive = zipfile.ZipFile(pack_theme(pack, tmp_path / "out.qtheme"))
    manifest = json.loads(archive.read("MANIFEST.json"))
    expected = {
        name: hashlib.sha256(archive.read(name)).hexdigest()
        for name in archive.namelist()
        if name != "MANIFEST.json"
    }
    assert manifest == {"format": 1, "files": expected}


def test_packed_archive_validates_clean(pack, tmp_path):
    """Ensures what `pack` writes passes `validate` (checksums included)."""
    assert validate_pack(pack_theme(pack, tmp_path / "out.qtheme")) == []


def test_pack_command_names_the_archive_after_id_and_version(pack, capsys):
    """Ensures the default output is <id>-<version>.qtheme beside the pack folder."""
    assert main(["theme", "pack", str(pack)]) == 0
    output = pack.parent / "minimal-1.0.0.qtheme"
    assert output.is_file()
    out = capsys.readouterr().out
    assert f"wrote {output}" in out
    assert hashlib.sha256(output.read_bytes()).hexdigest() in out


def test_pack_command_refuses_an_invalid_pack_and_writes_nothing(pack, capsys):
    """Ensures packing an invalid folder exits 2 with its problems and writes no archive."""
    (pack / "style.css").write_text("a { position: fixed }\n")
    assert main(["theme", "pack", str(pack), "--output", str(pack.parent / "x.qtheme")]) == 2
    assert "style.css:1: position" in capsys.readouterr().out
    assert not (pack.parent / "x.qtheme").exists()


def test_pack_refuses_an_output_inside_the_pack(pack):
    """Ensures the archive cannot be written into the folder being packed."""
    with pytest.raises(ThemeError, match="outside the pack folder"):
        pack_theme(pack, pack / "self.qtheme")


# --- hostile archives ---------------------------------------------------------------------


def test_refuses_path_traversal_entry(tmp_path):
    """Ensures an entry named ../x is refused before anything is extracted."""
    archive = build_zip(tmp_path / "t.qtheme", [("../evil.png", b"x")])
    assert problems_of(archive) == ["../evil.png:0: path traversal (..)"]


def test_refuses_absolute_path_entry(tmp_path):
    """Ensures an entry with an absolute path is refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("/etc/cron.d/evil", b"x")])
    assert problems_of(archive) == ["/etc/cron.d/evil:0: absolute path"]


def test_refuses_drive_letter_entry(tmp_path):
    """Ensures an entry starting with a Windows drive letter is refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("C:/evil.png", b"x")])
    assert problems_of(archive) == ["C:/evil.png:0: absolute path"]


def test_refuses_backslash_entry(tmp_path):
    """Ensures backslash separators (..\\ on Windows) are refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("assets\\..\\..\\evil.png", b"x")])
    assert any("backslash in path" in p for p in problems_of(archive))


def test_refuses_symlink_entry(tmp_path):
    """Ensures an entry whose Unix mode says symlink is refused."""
    info = zipfile.ZipInfo("assets/link.png")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = build_zip(tmp_path / "t.qtheme", [(info, b"/etc/passwd")])
    assert problems_of(archive) == ["assets/link.png:0: symbolic links are not allowed"]


def test_refuses_duplicate_entries(tmp_path):
    """Ensures two entries with the same name (one could hide the other) are refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("style.css", b"a { color: red }")])
    assert problems_of(archive) == ["style.css:0: duplicate entry in the archive"]


def test_refuses_entries_differing_only_by_case(tmp_path):
    """Ensures names that collide on case-insensitive filesystems are refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("Style.css", b"a { color: red }")])
    assert any("duplicate entry" in p for p in problems_of(archive))


def test_refuses_too_many_entries(tmp_path):
    """Ensures an archive above the 500-entry cap is refused outright."""
    entries = [(f"assets/n{i}.txt", b"x") for i in range(501)]
    archive = build_zip(tmp_path / "t.qtheme", entries)
    assert problems_of(archive) == ["t.qtheme:0: 504 entries; a pack has at most 500"]


def test_refuses_high_compression_ratio(tmp_path):
    """Ensures an entry compressed beyond 100:1 (a zip bomb's signature) is refused."""
    archive = build_zip(tmp_path / "t.qtheme", [("assets/zeros.txt", b"\0" * MiB)])
    assert problems_of(archive) == ["assets/zeros.txt:0: compressed more than 100:1 (a zip bomb?)"]


def test_refuses_declared_file_above_per_file_cap(tmp_path):
    """Ensures an entry declaring more than 5 MiB is refused from the central directory."""
    archive = build_zip(tmp_path / "t.qtheme", [("assets/big.txt", b"x" * 100)])
    patch_central_sizes(archive, "assets/big.txt", compressed=6 * MiB, uncompressed=6 * MiB)
    assert "assets/big.txt:0: 6291456 bytes; a file has at most 5242880" in problems_of(archive)


def test_refuses_declared_total_above_cap(tmp_path):
    """Ensures entries adding up to more than 20 MiB are refused from the central directory."""
    names = [f"assets/part{i}.txt" for i in range(5)]
    archive = build_zip(tmp_path / "t.qtheme", [(name, b"x" * 100) for name in names])
    for name in names:
        patch_central_sizes(archive, name, compressed=5 * MiB - 1, uncompressed=5 * MiB - 1)
    assert any("a pack has at most 20971520" in p for p in problems_of(archive))


def test_refuses_entry_whose_header_lies_about_its_size(tmp_path):
    """Ensures extraction stops at the declared size: a header under-stating it is caught."""
    data = os.urandom(200_000)  # incompressible, so the ratio check does not fire first
    archive = build_zip(tmp_path / "t.qtheme", [("assets/noise.txt", data)])
    info = zipfile.ZipFile(archive).getinfo("assets/noise.txt")
    patch_central_sizes(
        archive, "assets/noise.txt", compressed=info.compress_size, uncompressed=100
    )
    destination = tmp_path / "out"
    destination.mkdir()
    problems = extract_archive(archive, destination)
    assert problems and "not a valid .qtheme" in problems[0].reason
    written = destination / "assets" / "noise.txt"
    assert not written.exists() or written.stat().st_size <= 100


def test_refuses_a_file_that_is_not_a_zip(tmp_path):
    """Ensures garbage named .qtheme is reported, not crashed on."""
    archive = tmp_path / "t.qtheme"
    archive.write_bytes(b"this is not a zip")
    assert problems_of(archive) == [
        "t.qtheme:0: not a valid .qtheme (zip) archive: File is not a zip file"
    ]


def test_archive_problems_name_files_inside_the_pack(tmp_path):
    """Ensures problems inside a valid zip name the pack file and line (not the temp folder)."""
    archive = build_zip(tmp_path / "t.qtheme", [("assets/x.svg", b"<svg>\n<script/></svg>")])
    assert problems_of(archive) == ["assets/x.svg:2: scripts are not allowed"]


def test_extract_writes_nothing_for_a_refused_directory(tmp_path):
    """Ensures a central-directory refusal happens before any file is written."""
    archive = build_zip(tmp_path / "t.qtheme", [("../evil.png", b"x")])
    destination = tmp_path / "out"
    destination.mkdir()
    assert extract_archive(archive, destination)
    assert list(destination.iterdir()) == []


def test_install_of_hostile_archive_raises_theme_invalid(tmp_path, settings):
    """Ensures a hostile archive cannot be installed and leaves themes_path untouched."""
    archive = build_zip(tmp_path / "t.qtheme", [("../../evil.png", b"x")])
    with pytest.raises(ThemeInvalid):
        install_pack(settings, archive)
    assert not settings.themes_path.exists()
    assert not (tmp_path / "evil.png").exists()
