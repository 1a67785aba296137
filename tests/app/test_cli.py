"""The qspace CLI driven as a script would: init, space create/list, post, check, migrate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qspace.cli import main
from tests.support.fixtures import BACKENDS, drop_pg_database, new_pg_database_url


@pytest.fixture(params=BACKENDS)
def database_url(request):
    """An empty database for the CLI: a SQLite file by default, or a scratch PostgreSQL db."""
    if request.param == "sqlite":
        yield ""
        return
    url = new_pg_database_url()
    yield url
    drop_pg_database(url)


@pytest.fixture
def server_dir(tmp_path: Path, database_url: str, capsys) -> Path:
    """A data folder made by `qspace init` with an admin whose password comes from a file."""
    password = tmp_path / "admin-password"
    password.write_text("a long admin password\n")
    data = tmp_path / "data"
    args = ["init", "--data-dir", str(data), "--domain", "example.test:8443"]
    args += ["--admin", "root_admin", "--password-file", str(password)]
    if database_url:
        args += ["--database-url", database_url]
    assert main(args) == 0
    capsys.readouterr()
    return data


def run(server_dir: Path, *args: str) -> int:
    return main(["--config", str(server_dir / "config.toml"), *args])


def test_init_writes_a_private_config_with_a_random_secret(server_dir, capsys):
    """Ensures init writes config.toml (mode 0600) with a fresh secret and the given domain."""
    config = server_dir / "config.toml"
    text = config.read_text()
    assert 'domain = "example.test:8443"' in text
    assert "secret_key" in text
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    assert run(server_dir, "space", "list") == 0
    out = capsys.readouterr().out
    assert "@root_admin\troot_admin" in out


def test_init_refuses_to_overwrite_an_existing_config(server_dir, capsys):
    """Ensures a second init leaves the existing config (and its secret) untouched."""
    before = (server_dir / "config.toml").read_text()
    assert main(["init", "--data-dir", str(server_dir), "--domain", "other.test"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert (server_dir / "config.toml").read_text() == before


def test_space_create_then_post_prints_the_item_url_last(server_dir, tmp_path, capsys):
    """Ensures a script can create a space and publish, reading the new URL from the last line."""
    pw = tmp_path / "pw"
    pw.write_text("bob's password 123")
    assert (
        run(
            server_dir,
            "space",
            "create",
            "bob",
            "--display-name",
            "Bob B",
            "--password-file",
            str(pw),
            "--auto-accept-follows",
        )
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "https://example.test:8443/@bob"

    assert (
        run(
            server_dir,
            "post",
            "bob",
            "--kind",
            "status",
            "--audience",
            "public",
            "--text",
            "hello world",
        )
        == 0
    )
    url = capsys.readouterr().out.strip().splitlines()[-1]
    assert url.startswith("https://example.test:8443/@bob/status/")

    body = tmp_path / "post.md"
    body.write_text("# Heading\n\nSome *markdown*.")
    assert (
        run(
            server_dir,
            "post",
            "bob",
            "--kind",
            "blog",
            "--title",
            "First post",
            "--audience",
            "friends",
            "--file",
            str(body),
        )
        == 0
    )
    url = capsys.readouterr().out.strip().splitlines()[-1]
    assert url == "https://example.test:8443/@bob/blog/first-post"

    assert run(server_dir, "space", "list") == 0
    assert "@bob\tbob\tBob B" in capsys.readouterr().out


def test_post_refuses_bad_input_with_a_clear_message(server_dir, capsys):
    """Ensures bad post arguments exit non-zero with a reason and publish nothing."""
    assert (
        run(
            server_dir,
            "post",
            "root_admin",
            "--kind",
            "blog",
            "--audience",
            "public",
            "--text",
            "no title",
        )
        == 2
    )
    assert "--title" in capsys.readouterr().err
    assert (
        run(server_dir, "post", "nobody", "--kind", "status", "--audience", "public", "--text", "x")
        == 1
    )
    assert "No such space" in capsys.readouterr().err
    assert (
        run(
            server_dir,
            "post",
            "root_admin",
            "--kind",
            "status",
            "--audience",
            "public",
            "--text",
            "   ",
        )
        == 1
    )
    assert "needs some text" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        run(
            server_dir,
            "post",
            "root_admin",
            "--kind",
            "status",
            "--audience",
            "everyone",
            "--text",
            "x",
        )
    assert info.value.code == 2


def test_space_create_refuses_taken_and_reserved_names(server_dir, capsys):
    """Ensures duplicate or reserved space names fail with exit 1 and a reason."""
    assert run(server_dir, "space", "create", "root_admin") == 1
    assert "taken" in capsys.readouterr().err
    assert run(server_dir, "space", "create", "admin", "--owner", "root_admin") == 1
    assert "reserved" in capsys.readouterr().err
    assert run(server_dir, "space", "create", "Bad Name!") == 1
    assert "lowercase" in capsys.readouterr().err


def test_check_and_migrate_on_a_healthy_server(server_dir, capsys):
    """Ensures check exits 0 and migrate reports an up-to-date database after init."""
    assert run(server_dir, "check") == 0
    assert "database: ok" in capsys.readouterr().out
    assert run(server_dir, "migrate") == 0
    assert "up to date" in capsys.readouterr().out


def test_broken_config_exits_2_naming_file_key_and_line(tmp_path, capsys):
    """Ensures a malformed config stops every command with exit 2 and a precise message."""
    config = tmp_path / "config.toml"
    config.write_text('[security]\nsecret_key = "' + "k" * 40 + '"\n[server]\nport = "x"\n')
    assert main(["--config", str(config), "check"]) == 2
    err = capsys.readouterr().err
    assert f"{config}:4: server.port" in err
    config.write_text("[server\n")
    assert main(["--config", str(config), "serve"]) == 2
    err = capsys.readouterr().err
    assert f"{config}:1" in err and "invalid TOML" in err


def test_config_path_comes_from_the_environment(server_dir, capsys, monkeypatch):
    """Ensures QSPACE_CONFIG is used when --config is not given."""
    monkeypatch.setenv("QSPACE_CONFIG", str(server_dir / "config.toml"))
    assert main(["space", "list"]) == 0
    assert "@root_admin" in capsys.readouterr().out


def test_password_file_must_not_be_empty(tmp_path, capsys):
    """Ensures init refuses an empty password file and writes no config."""
    empty = tmp_path / "empty"
    empty.write_text("")
    data = tmp_path / "d"
    code = main(
        [
            "init",
            "--data-dir",
            str(data),
            "--domain",
            "x.test",
            "--admin",
            "a",
            "--password-file",
            str(empty),
        ]
    )
    assert code == 2
    assert "empty" in capsys.readouterr().err
    assert not (data / "config.toml").exists()


def test_check_reports_unapplied_migrations(tmp_path, capsys):
    """Ensures check exits 2 when the database was never migrated."""
    config = tmp_path / "config.toml"
    config.write_text('[security]\nsecret_key = "' + "k" * 40 + '"\n')
    assert main(["--config", str(config), "check"]) == 2
    assert "qspace migrate" in capsys.readouterr().err
    assert os.path.exists(tmp_path / "qspace.db")


def test_reserved_space_name_leaves_no_account_behind(server_dir, capsys):
    """Ensures a refused space name does not leave a half-created account."""
    assert run(server_dir, "space", "create", "admin") == 1
    assert "reserved" in capsys.readouterr().err
    assert run(server_dir, "space", "create", "admin2") == 0
    capsys.readouterr()
    assert run(server_dir, "space", "create", "admin", "--owner", "admin2") == 1
