"""The friend commands (follow, requests, approve, decline, unfollow) between local spaces,
and their errors; the cross-server flow is in tests/e2e/test_federation_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from qspace.cli import main
from tests.support.fixtures import BACKENDS, drop_pg_database, new_pg_database_url

DOMAIN = "example.test:8443"
ALICE = f"@alice@{DOMAIN}"
BOB = f"@bob@{DOMAIN}"


@pytest.fixture(params=BACKENDS)
def server_dir(request, tmp_path: Path, capsys) -> Path:
    """A data folder with the spaces alice and bob (neither accepts follows automatically)."""
    url = new_pg_database_url() if request.param == "postgres" else ""
    if url:
        request.addfinalizer(lambda: drop_pg_database(url))
    data = tmp_path / "data"
    args = ["init", "--data-dir", str(data), "--domain", DOMAIN]
    assert main([*args, "--database-url", url] if url else args) == 0
    for name in ("alice", "bob"):
        assert run(data, "space", "create", name) == 0
    capsys.readouterr()
    return data


def run(server_dir: Path, *args: str) -> int:
    return main(["--config", str(server_dir / "config.toml"), *args])


def output(capsys) -> str:
    return capsys.readouterr().out


def test_follow_request_then_decline(server_dir, capsys):
    """Ensures a request shows in `requests` until `decline` removes it."""
    assert run(server_dir, "follow", "alice", BOB) == 0
    assert f"@alice -> {BOB}: requested (pending)" in output(capsys)
    assert run(server_dir, "requests", "bob") == 0
    assert ALICE in output(capsys)
    assert run(server_dir, "decline", "bob", ALICE) == 0
    assert f"@bob declined {ALICE}" in output(capsys)
    assert run(server_dir, "requests", "bob") == 0
    assert "no follow requests" in output(capsys)


def test_approve_with_follow_back_and_unfollow(server_dir, capsys):
    """Ensures approve --follow-back accepts and follows back; unfollow ends a follow."""
    assert run(server_dir, "follow", "alice", f"https://{DOMAIN}/@bob") == 0
    output(capsys)
    assert run(server_dir, "approve", "bob", ALICE, "--follow-back") == 0
    out = output(capsys)
    assert f"@bob accepted {ALICE}" in out
    # alice asked first, so bob's follow back needs no approval: they are friends.
    assert f"@bob -> {ALICE}: following" in out
    assert run(server_dir, "requests", "alice") == 0
    assert "no follow requests" in output(capsys)
    assert run(server_dir, "unfollow", "alice", BOB) == 0
    assert f"@alice no longer follows {BOB}" in output(capsys)
    assert run(server_dir, "unfollow", "alice", BOB) == 1
    assert "don't follow" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("follow", "alice", "@nobody@example.test:8443"), "No space called"),
        (("follow", "alice", "not a handle"), "Not a handle or URL"),
        (("follow", "nobody", BOB), "No such space"),
        (("follow", "alice", ALICE), "can't follow yourself"),
        (("approve", "bob", ALICE), "does not follow"),
        (("decline", "bob", "@stranger@remote.test"), "No known person"),
        (("follow", "alice", "@someone@127.0.0.1:9"), "could not be asked"),
    ],
)
def test_friend_commands_explain_failures_with_exit_1(server_dir, capsys, args, message):
    """Ensures unknown people, bad handles and refused lookups exit 1 with a reason."""
    assert run(server_dir, *args) == 1
    assert message in capsys.readouterr().err
