"""`qspace init` + `qspace serve` as a user runs them: a real uvicorn process on loopback."""

from __future__ import annotations

import httpx
import pytest

from tests.support.servers import ServerProcess, free_port, qspace

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_server(tmp_path):
    port = free_port()
    data = tmp_path / "demo"
    result = qspace(
        "init",
        "--data-dir",
        str(data),
        "--domain",
        f"127.0.0.1:{port}",
        "--scheme",
        "http",
        "--demo",
    )
    assert result.returncode == 0, result.stderr
    server = ServerProcess(data, port)
    server.start()
    yield server
    server.stop()


def test_serve_answers_front_page_space_page_and_health(demo_server):
    """Ensures a freshly initialised demo server serves real HTML for / and /@demo."""
    front = httpx.get(demo_server.base_url + "/")
    assert front.status_code == 200
    assert "<!doctype html>" in front.text.lower()
    assert "Demo Space" in front.text
    space = httpx.get(demo_server.base_url + "/@demo")
    assert space.status_code == 200
    assert "Hello from my new space!" in space.text
    assert "Welcome to qspace" in space.text
    assert httpx.get(demo_server.base_url + "/healthz").json()["status"] == "ok"


def test_script_flow_space_create_post_then_page(demo_server, tmp_path):
    """Ensures space create + post from a script show up on the running server."""
    pw = tmp_path / "pw"
    pw.write_text("another long password\n")
    created = demo_server.cli("space", "create", "carol", "--password-file", str(pw))
    assert created.returncode == 0, created.stderr
    posted = demo_server.cli(
        "post",
        "carol",
        "--kind",
        "status",
        "--audience",
        "public",
        "--text",
        "posted from a script",
    )
    assert posted.returncode == 0, posted.stderr
    url = posted.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{demo_server.base_url}/@carol/status/")
    page = httpx.get(demo_server.base_url + "/@carol")
    assert "posted from a script" in page.text


def test_busy_port_gives_a_clear_message_not_a_traceback(demo_server):
    """Ensures a second server on the same port exits 1 explaining the port is in use."""
    result = qspace("--config", demo_server.config, "serve", "--port", str(demo_server.port))
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_sigterm_shuts_down_gracefully(demo_server):
    """Ensures SIGTERM stops the server cleanly with exit status 0 and a finished shutdown."""
    assert demo_server.stop() == 0
    assert "Application shutdown complete" in demo_server.log()


def test_serve_refuses_an_unmigrated_database(tmp_path):
    """Ensures serve exits 2 and asks for `qspace migrate` when the schema is not current."""
    config = tmp_path / "config.toml"
    config.write_text('[security]\nsecret_key = "' + "k" * 40 + '"\n')
    result = qspace("--config", str(config), "serve", "--port", str(free_port()))
    assert result.returncode == 2
    assert "qspace migrate" in result.stderr
