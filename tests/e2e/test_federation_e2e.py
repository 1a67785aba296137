"""Federation between real processes on 127.0.0.1: two `qspace serve` servers befriending each
other through the CLI, and a `qspace worker` killed in the middle of a delivery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from qspace.db import database
from qspace.models import Delivery, DeliveryState
from qspace.services import outbox, spaces
from qspace.settings import load_settings
from tests.support.fixtures import BACKENDS, drop_pg_database, new_pg_database_url
from tests.support.servers import QSPACE, ServerProcess, free_port, qspace

pytestmark = pytest.mark.e2e
AP = {"Accept": "application/activity+json"}


def init_server(data: Path, port: int, *, database_url: str = "") -> ServerProcess:
    """`qspace init` an http server on 127.0.0.1:port (allow_http is on for http)."""
    args = ["init", "--data-dir", str(data), "--domain", f"127.0.0.1:{port}", "--scheme", "http"]
    if database_url:
        args += ["--database-url", database_url]
    result = qspace(*args)
    assert result.returncode == 0, result.stderr
    return ServerProcess(data, port)


def cli_ok(server: ServerProcess, *args: str) -> str:
    result = server.cli(*args)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `check` (the servers work in their own processes) until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def collection(server: ServerProcess, path: str) -> list[str]:
    page = httpx.get(f"{server.base_url}{path}?page=1", headers=AP).json()
    return list(page.get("orderedItems", []))


@pytest.fixture
def two_servers(tmp_path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    a = init_server(tmp_path / "a", free_port())
    b = init_server(tmp_path / "b", free_port())
    cli_ok(a, "space", "create", "alice")
    cli_ok(b, "space", "create", "bob", "--auto-accept-follows")
    cli_ok(b, "space", "create", "carol")
    a.start()
    try:
        b.start()
        yield a, b
    finally:
        b.stop()
        a.stop()


def test_two_servers_befriend_each_other_over_signed_activities(two_servers):
    """Ensures WebFinger discovery, a signed Follow/Accept, a manual approval with follow-back
    and an Undo work between two real servers."""
    a, b = two_servers
    bob = f"@bob@127.0.0.1:{b.port}"
    out = cli_ok(a, "follow", "alice", bob)
    assert f"{b.base_url}/@bob" in out
    # bob accepts automatically: the Accept travels back and A records the follow.
    wait_for(lambda: collection(a, "/@alice/following") == [f"{b.base_url}/@bob"], "Accept")
    assert collection(b, "/@bob/followers") == [f"{a.base_url}/@alice"]

    # carol approves by hand and follows back; alice's server accepts the follow back on its
    # own (alice asked first): they are friends.
    cli_ok(a, "follow", "alice", f"@carol@127.0.0.1:{b.port}")
    alice = f"@alice@127.0.0.1:{a.port}"
    wait_for(lambda: alice in cli_ok(b, "requests", "carol"), "the request to reach carol")
    cli_ok(b, "approve", "carol", alice, "--follow-back")
    wait_for(
        lambda: (
            collection(b, "/@carol/following") == [f"{a.base_url}/@alice"]
            and f"{b.base_url}/@carol" in collection(a, "/@alice/following")
        ),
        "friendship on both sides",
    )
    cli_ok(a, "unfollow", "alice", bob)
    wait_for(lambda: collection(b, "/@bob/followers") == [], "the Undo")


@dataclass
class StubInbox:
    """An inbox on 127.0.0.1 that records POSTs, and never answers the first one."""

    bodies: list[bytes] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> ThreadingHTTPServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # the name http.server dispatches to
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stub.bodies.append(body)
                if len(stub.bodies) == 1:
                    # Hold the first request open: the worker is killed while waiting for us,
                    # so this delivery is never acknowledged.
                    stub.first_arrived.set()
                    stub.release.wait(60)
                    self.close_connection = True
                    return
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                stub.answered.append(len(stub.bodies))

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def start_worker(config: Path, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QSPACE_FEDERATION_HTTP_TIMEOUT": "3"}
    with open(log, "a") as handle:
        return subprocess.Popen(
            [*QSPACE, "--config", str(config), "worker"],
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_killed_worker_delivery_is_sent_exactly_once_after_restart(tmp_path, backend):
    """Ensures a delivery whose worker was SIGKILLed mid-request is retried after its claim
    expires and ends SENT once, the peer having acknowledged exactly one copy."""
    pg_url = new_pg_database_url() if backend == "postgres" else ""
    stub = StubInbox()
    http_server = stub.serve()
    inbox = f"http://127.0.0.1:{http_server.server_address[1]}/inbox"
    server = init_server(tmp_path / "q", free_port(), database_url=pg_url)
    cli_ok(server, "space", "create", "alice")
    settings = load_settings(Path(server.config), {})
    worker: subprocess.Popen[str] | None = None
    log = tmp_path / "worker.log"
    try:
        # Given a queued delivery to the stub inbox
        async with database(settings):
            alice = await spaces.get_space("alice")
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{settings.base_url}/@alice/activities/follow/once",
                "type": "Follow",
                "actor": alice.actor.ap_id,
                "object": "http://127.0.0.1/users/peer",
            }
            await outbox.enqueue_activity(activity, actor=alice.actor, inboxes=[inbox])
        # When a worker is killed while the stub holds its request open
        worker = start_worker(Path(server.config), log)
        assert stub.first_arrived.wait(30), log.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        async with database(settings):
            claimed = await Delivery.get()
        assert claimed.state == DeliveryState.PENDING
        assert claimed.attempts == 1 and claimed.locked_until is not None
        # ... and a new worker starts
        worker = start_worker(Path(server.config), log)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            async with database(settings):
                row = await Delivery.get()
            if row.state != DeliveryState.PENDING:
                break
            await asyncio.sleep(0.3)
        # Then the row is SENT once, after the second attempt, and the peer acknowledged one
        # copy; both copies carry the same activity id, so a receiver keeps one.
        assert row.state == DeliveryState.SENT, log.read_text()
        assert row.attempts == 2
        assert stub.answered == [2]
        assert len(stub.bodies) == 2
        assert stub.bodies[0] == stub.bodies[1]
        assert activity["id"].encode() in stub.bodies[1]
        await asyncio.sleep(1.5)  # another cycle or two: nothing is sent again
        assert len(stub.bodies) == 2
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        stub.release.set()
        http_server.shutdown()
        http_server.server_close()
        if pg_url:
            drop_pg_database(pg_url)
