"""Installing, listing and removing packs: the CLI round trip, atomicity, URLs, the registry."""

from __future__ import annotations

import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from qspace.cli import main
from qspace.settings import Settings, load_settings, replace
from qspace.themes import (
    ThemeConflict,
    ThemeDownloadError,
    ThemeInvalid,
    available_packs,
    install_from_url,
    install_pack,
    pack_theme,
    remove_pack,
)

MINIMAL = Path(__file__).parents[1] / "data" / "themes" / "minimal"
SECRET = "s" * 40


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config whose data folder is tmp_path/data (themes go to tmp_path/data/themes)."""
    path = tmp_path / "config.toml"
    path.write_text(f'[server]\ndata_dir = "data"\n\n[security]\nsecret_key = "{SECRET}"\n')
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder for pack sources and archives, apart from the data folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def theme(config: Path, *args: str) -> int:
    return main(["--config", str(config), "theme", *args])


def make_pack(work: Path, *, theme_id: str = "minimal", version: str = "1.0.0") -> Path:
    root = Path(shutil.copytree(MINIMAL, work / theme_id))
    toml = root / "theme.toml"
    text = toml.read_text().replace('id = "minimal"', f'id = "{theme_id}"')
    toml.write_text(text.replace('version = "1.0.0"', f'version = "{version}"'))
    return root


def make_archive(work: Path, **kwargs: str) -> Path:
    root = make_pack(work, **kwargs)
    archive = pack_theme(root, work / f"{root.name}-{kwargs.get('version', '1.0.0')}.qtheme")
    shutil.rmtree(root)
    return archive


def bad_archive(path: Path) -> Path:
    """A zip that passes the central-directory checks but fails validation (fixed position)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("theme.toml", "preview.png"):
            archive.writestr(name, (MINIMAL / name).read_bytes())
        archive.writestr("style.css", "a { position: fixed }\n")
    return path


def themes_dir(config: Path) -> Path:
    return load_settings(config, {}).themes_path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- the CLI round trip -------------------------------------------------------------------


def test_new_pack_install_list_remove_round_trip(config, work, capsys):
    """Ensures new -> pack -> install -> list -> remove works end to end through the CLI."""
    assert theme(config, "new", "my-theme", "--dir", str(work)) == 0
    assert theme(config, "pack", str(work / "my-theme")) == 0
    archive = work / "my-theme-0.1.0.qtheme"
    assert theme(config, "install", str(archive)) == 0
    installed = themes_dir(config) / "my-theme"
    assert (installed / "theme.toml").is_file()
    assert (installed / "MANIFEST.json").is_file()
    capsys.readouterr()

    assert theme(config, "list") == 0
    rows = capsys.readouterr().out.splitlines()
    assert "my-theme\t0.1.0\tMy Theme\tinstalled" in rows
    assert "retro\t1.0.0\tRetro 2008\tbundled" in rows
    assert {row.split("\t")[0] for row in rows} >= {"default", "retro", "midnight", "my-theme"}

    assert theme(config, "remove", "my-theme") == 0
    assert not installed.exists()
    assert leftovers(themes_dir(config)) == []
    capsys.readouterr()
    assert theme(config, "list") == 0
    assert "my-theme" not in capsys.readouterr().out


def test_new_refuses_an_existing_folder(work, capsys):
    """Ensures `theme new` never overwrites a folder (exit 1) and needs no config."""
    (work / "taken").mkdir()
    assert (
        main(["--config", str(work / "missing.toml"), "theme", "new", "taken", "--dir", str(work)])
        == 1
    )
    assert "exists already" in capsys.readouterr().err


def test_new_refuses_a_bad_id(work, capsys):
    """Ensures `theme new` with an id outside [a-z0-9-] is a usage error (exit 2)."""
    assert main(["theme", "new", "Bad_Id", "--dir", str(work)]) == 2
    assert not (work / "Bad_Id").exists()


def test_install_of_an_invalid_pack_writes_nothing(config, work, capsys):
    """Ensures a pack failing validation exits 2 with its problems and leaves no trace."""
    archive = bad_archive(work / "minimal-1.0.0.qtheme")
    assert theme(config, "install", str(archive)) == 2
    assert "style.css:1: position" in capsys.readouterr().out
    assert not themes_dir(config).exists()


def test_failed_upgrade_keeps_the_installed_pack(config, work):
    """Ensures a failed install over an existing pack leaves it intact and no staging folder."""
    assert theme(config, "install", str(make_archive(work))) == 0
    installed = themes_dir(config) / "minimal"
    before = {p.name: p.read_bytes() for p in installed.iterdir()}
    assert theme(config, "install", str(bad_archive(work / "minimal-2.0.0.qtheme"))) == 2
    assert {p.name: p.read_bytes() for p in installed.iterdir()} == before
    assert leftovers(themes_dir(config)) == ["minimal"]


def test_install_upgrades_an_installed_pack(config, work, capsys):
    """Ensures installing a newer version replaces the old one and says so."""
    assert theme(config, "install", str(make_archive(work))) == 0
    assert theme(config, "install", str(make_archive(work, version="1.1.0"))) == 0
    assert "installed theme minimal 1.1.0 (replacing version 1.0.0)" in capsys.readouterr().out
    assert 'version = "1.1.0"' in (themes_dir(config) / "minimal" / "theme.toml").read_text()
    assert leftovers(themes_dir(config)) == ["minimal"]


def test_install_refuses_to_replace_a_bundled_pack(config, work, capsys):
    """Ensures a pack claiming a bundled id (retro) is refused with exit 1."""
    assert theme(config, "install", str(make_archive(work, theme_id="retro"))) == 1
    assert "bundled theme" in capsys.readouterr().err
    assert leftovers(themes_dir(config)) == []


def test_install_refuses_an_id_differing_from_the_archive_name_over_another_pack(
    config, work, capsys
):
    """Ensures other-1.0.0.qtheme whose theme.toml says `minimal` cannot replace `minimal`."""
    assert theme(config, "install", str(make_archive(work))) == 0
    impostor = make_archive(work).rename(work / "other-1.0.0.qtheme")
    assert theme(config, "install", str(impostor)) == 2
    assert "theme.toml says id 'minimal' but the pack is named 'other'" in capsys.readouterr().out
    assert leftovers(themes_dir(config)) == ["minimal"]


def test_install_accepts_any_archive_name_for_a_new_pack(config, work):
    """Ensures the name check only guards replacing an installed pack."""
    archive = make_archive(work).rename(work / "download.qtheme")
    assert theme(config, "install", str(archive)) == 0
    assert (themes_dir(config) / "minimal" / "theme.toml").is_file()


def test_install_from_a_folder(config, work):
    """Ensures a pack folder can be installed directly, hidden files left behind."""
    root = make_pack(work)
    (root / ".DS_Store").write_bytes(b"junk")
    assert theme(config, "install", str(root)) == 0
    assert leftovers(themes_dir(config) / "minimal") == ["preview.png", "style.css", "theme.toml"]


def test_remove_refuses_a_bundled_pack(config, capsys):
    """Ensures bundled packs cannot be removed (exit 1)."""
    assert theme(config, "remove", "retro") == 1
    assert "bundled theme" in capsys.readouterr().err


def test_remove_of_an_unknown_pack_fails(config, capsys):
    """Ensures removing a pack that is not installed exits 1."""
    assert theme(config, "remove", "nothing-here") == 1
    assert "no installed theme" in capsys.readouterr().err


def test_remove_refuses_ids_that_are_paths(config, tmp_path):
    """Ensures `remove ../x` cannot reach outside themes_path."""
    victim = tmp_path / "data" / "keep"
    victim.mkdir(parents=True)
    (tmp_path / "data" / "themes").mkdir()
    assert theme(config, "remove", "../keep") == 1
    assert victim.is_dir()


def test_list_shows_an_unusable_installed_pack(config, work, capsys):
    """Ensures a pack broken after installation is listed as unusable, not hidden."""
    assert theme(config, "install", str(make_archive(work))) == 0
    (themes_dir(config) / "minimal" / "style.css").write_text("@import url(x.css);\n")
    capsys.readouterr()
    assert theme(config, "list") == 0
    rows = capsys.readouterr().out.splitlines()
    broken = [row for row in rows if row.startswith("minimal\t")]
    assert len(broken) == 1
    assert broken[0].startswith("minimal\t-\tUNUSABLE: ")
    assert broken[0].endswith("\tinstalled")


# --- the registry -------------------------------------------------------------------------


def test_available_packs_lists_bundled_and_installed(settings: Settings, work):
    """Ensures available_packs has the three bundled packs plus installed ones, by id."""
    install_pack(settings, make_archive(work))
    packs = available_packs(settings)
    assert {"default", "retro", "midnight", "minimal"} <= set(packs)
    assert packs["retro"].bundled and not packs["minimal"].bundled
    assert packs["minimal"].root == (settings.themes_path / "minimal").resolve()


def test_available_packs_caches_until_a_pack_changes(settings: Settings, work):
    """Ensures packs are validated once per process and again when style.css changes."""
    install_pack(settings, make_pack(work))  # a folder: no MANIFEST.json to go stale
    first = available_packs(settings)["minimal"]
    assert available_packs(settings)["minimal"] is first
    style = settings.themes_path / "minimal" / "style.css"
    style.write_text("a { position: fixed }\n/* a different size */\n")
    assert "minimal" not in available_packs(settings)


def test_install_returns_the_pack_and_what_it_replaced(settings: Settings, work):
    """Ensures install_pack reports the new pack and the previous version."""
    first, previous = install_pack(settings, make_archive(work))
    assert (first.id, first.version, previous) == ("minimal", "1.0.0", None)
    second, previous = install_pack(settings, make_archive(work, version="2.0.0"))
    assert second.version == "2.0.0" and previous is not None and previous.version == "1.0.0"


def test_remove_pack_raises_for_bundled(settings: Settings):
    """Ensures remove_pack refuses bundled ids with ThemeConflict."""
    with pytest.raises(ThemeConflict):
        remove_pack(settings, "default")


# --- URLs ---------------------------------------------------------------------------------


@pytest.fixture
def loopback_server(work: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving files from `work`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = work / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_install_from_a_loopback_url_when_http_is_allowed(config, work, loopback_server):
    """Ensures `install URL` downloads and installs over http when federation.allow_http."""
    config.write_text(config.read_text() + "\n[federation]\nallow_http = true\n")
    make_archive(work)
    assert theme(config, "install", f"{loopback_server}/minimal-1.0.0.qtheme") == 0
    assert (themes_dir(config) / "minimal" / "theme.toml").is_file()


def test_install_url_reports_http_errors(config, work, loopback_server, capsys):
    """Ensures a 404 is a failure (exit 1) that writes nothing."""
    config.write_text(config.read_text() + "\n[federation]\nallow_http = true\n")
    assert theme(config, "install", f"{loopback_server}/missing.qtheme") == 1
    assert "HTTP 404" in capsys.readouterr().err
    assert not themes_dir(config).exists()


def test_install_refuses_plain_http_by_default(config, capsys):
    """Ensures http:// URLs are refused before any connection unless allow_http is set."""
    assert theme(config, "install", "http://127.0.0.1:9/x.qtheme") == 1
    assert "only https://" in capsys.readouterr().err


def mock_client(routes: dict[str, httpx.Response]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return routes.get(str(request.url), httpx.Response(404))

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_install_from_https_url(settings: Settings, work):
    """Ensures an https download is installed, with the URL's file name as the name hint."""
    body = make_archive(work).read_bytes()
    client = mock_client(
        {"https://themes.test/minimal-1.0.0.qtheme": httpx.Response(200, content=body)}
    )
    pack, _ = install_from_url(settings, "https://themes.test/minimal-1.0.0.qtheme", client=client)
    assert pack.id == "minimal"


def test_install_from_url_refuses_a_redirect_to_http(settings: Settings):
    """Ensures every redirect hop must be https too."""
    client = mock_client(
        {
            "https://themes.test/a.qtheme": httpx.Response(
                302, headers={"Location": "http://themes.test/a"}
            )
        }
    )
    with pytest.raises(ThemeDownloadError, match="only https://"):
        install_from_url(settings, "https://themes.test/a.qtheme", client=client)
    assert not settings.themes_path.exists()


def test_install_from_url_caps_the_download_size(settings: Settings):
    """Ensures a body above the 20 MiB archive cap is refused while streaming."""

    def stream() -> Iterator[bytes]:
        for _ in range(21):
            yield b"\0" * 1024 * 1024

    client = mock_client({"https://themes.test/big.qtheme": httpx.Response(200, content=stream())})
    with pytest.raises(ThemeDownloadError, match="larger than 20971520"):
        install_from_url(settings, "https://themes.test/big.qtheme", client=client)
    assert not settings.themes_path.exists()


def test_install_from_url_refuses_declared_oversize(settings: Settings):
    """Ensures a Content-Length above the cap is refused before reading the body."""
    response = httpx.Response(200, headers={"Content-Length": str(50 * 1024 * 1024)}, content=b"")
    client = mock_client({"https://themes.test/big.qtheme": response})
    with pytest.raises(ThemeDownloadError, match="larger than"):
        install_from_url(settings, "https://themes.test/big.qtheme", client=client)


def test_install_from_url_allows_http_only_with_the_setting(settings: Settings, work):
    """Ensures federation.allow_http turns plain-http installs on."""
    body = make_archive(work).read_bytes()
    client = mock_client({"http://themes.test/minimal.qtheme": httpx.Response(200, content=body)})
    with pytest.raises(ThemeDownloadError):
        install_from_url(settings, "http://themes.test/minimal.qtheme", client=client)
    allowing = replace(settings, federation={"allow_http": True})
    pack, _ = install_from_url(allowing, "http://themes.test/minimal.qtheme", client=client)
    assert pack.id == "minimal"


def test_install_from_url_of_an_invalid_pack_writes_nothing(settings: Settings, work):
    """Ensures a downloaded pack is validated before anything reaches themes_path."""
    body = bad_archive(work / "bad.qtheme").read_bytes()
    client = mock_client({"https://themes.test/bad.qtheme": httpx.Response(200, content=body)})
    with pytest.raises(ThemeInvalid):
        install_from_url(settings, "https://themes.test/bad.qtheme", client=client)
    assert not settings.themes_path.exists()
