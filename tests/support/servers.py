"""Real qspace servers as separate processes on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

QSPACE = [sys.executable, "-m", "qspace.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def qspace(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one qspace command to completion and return its result (never raises on failure)."""
    return subprocess.run(
        [*QSPACE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@dataclass
class ServerProcess:
    """A `qspace serve` process on 127.0.0.1:port with its own data folder."""

    data_dir: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> str:
        return str(self.data_dir / "config.toml")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return qspace("--config", self.config, *args, env=self.env)

    def start(self, timeout: float = 30) -> None:
        self.log_path = self.data_dir / f"serve-{self.port}.log"
        # The child keeps its own copy of the file descriptor; ours can close at once.
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [*QSPACE, "--config", self.config, "serve", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, **self.env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start within {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 30) -> int:
        """Send SIGTERM (graceful shutdown) and return the exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""
