"""Shared benchmark machinery: server processes on loopback, statistics, RSS readings (wrk
itself is in wrk.py).

Every wait and every loop here is bounded in count and in time, and only 127.0.0.1 receives
traffic: URLs on other hosts are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
TASKSET = shutil.which("taskset")


class BenchmarkError(RuntimeError):
    """A benchmark could not produce a valid measurement (a server or a tool failed)."""


# --- statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The median, minimum and maximum of repeated measurements of one quantity."""

    median: float
    minimum: float
    maximum: float
    samples: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": self.minimum,
            "max": self.maximum,
            "samples": list(self.samples),
        }


def summarize(samples: Sequence[float]) -> Summary:
    """Summarize repeated measurements; raises ValueError when there are none."""
    if not samples:
        raise ValueError("no samples to summarize")
    values = tuple(float(s) for s in samples)
    return Summary(statistics.median(values), min(values), max(values), values)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` 0.99 for p99): the smallest sample with at least
    that share of the samples at or below it. Raises ValueError for no samples or a bad share."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"a percentile is a share in (0, 1], not {fraction}")
    ordered = sorted(samples)
    rank = math.ceil(fraction * len(ordered))
    return float(ordered[rank - 1])


def ratio(value: float, baseline: float) -> float:
    """`value / baseline`; raises ValueError when the baseline is not positive."""
    if baseline <= 0:
        raise ValueError(f"a baseline must be positive to compare against, not {baseline}")
    return value / baseline


# --- loopback only ---------------------------------------------------------------------------


def require_loopback(url: str) -> None:
    """Raise BenchmarkError unless `url` is an http URL on 127.0.0.1."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK:
        raise BenchmarkError(f"benchmarks only send traffic to http://{LOOPBACK}, not {url}")


# --- processes and memory ---------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def parse_proc_status_kib(text: str, name: str) -> int:
    """The KiB value of a `Name:  1234 kB` line of /proc/<pid>/status; raises ValueError."""
    match = re.search(rf"^{re.escape(name)}:\s+(\d+) kB$", text, re.M)
    if match is None:
        raise ValueError(f"no {name} line in /proc status")
    return int(match[1])


def read_proc_status_kib(pid: int, name: str) -> int:
    """Read one KiB field (VmRSS, VmHWM) of a live process; raises BenchmarkError if it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
        return parse_proc_status_kib(text, name)
    except (OSError, ValueError) as exc:
        raise BenchmarkError(f"cannot read {name} of process {pid}: {exc}") from None


def header_dict(headers: Sequence[str]) -> dict[str, str]:
    """{"Accept": "application/json"} from ["Accept: application/json"]; raises ValueError."""
    found = {}
    for header in headers:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"not a header line: {header!r}")
        found[name.strip()] = value.strip()
    return found


def get_response(url: str, timeout_s: float = 5.0, headers: Sequence[str] = ()) -> httpx.Response:
    """GET a loopback URL once, with `headers` ("Name: value"). Raises httpx.TransportError."""
    require_loopback(url)
    # trust_env=False: an HTTP_PROXY in the environment must not reroute loopback traffic.
    with httpx.Client(trust_env=False, timeout=timeout_s) as client:
        return client.get(url, headers=header_dict(headers))


def get_status(url: str, timeout_s: float = 5.0, headers: Sequence[str] = ()) -> tuple[int, int]:
    """GET a loopback URL once; return (status, body length). Raises httpx.TransportError."""
    response = get_response(url, timeout_s, headers)
    return response.status_code, len(response.content)


@dataclass
class ServerProcess:
    """A server process listening on 127.0.0.1:`port`; ready once `health_path` answers 200.

    Use it as a context manager: the process is started on entry and stopped on exit.
    """

    name: str
    argv: list[str]
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    health_path: str = "/healthz"
    cpus: tuple[int, ...] | None = None
    process: subprocess.Popen[bytes] | None = None
    # "https" for a server speaking TLS; `ready` then answers the status of a GET of a URL
    # (the plain-http default, get_status, refuses https).
    scheme: str = "http"
    ready: Callable[[str], int] | None = None

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchmarkError(f"{self.name} is not running")
        return self.process.pid

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the process and wait until it is healthy; raises BenchmarkError otherwise."""
        argv = self.argv
        if self.cpus is not None and TASKSET:
            # taskset execs the command, so the pid (and the RSS read from it) is the server's.
            argv = [TASKSET, "-c", ",".join(map(str, self.cpus)), *argv]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO_ROOT
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"{self.name} exited early; see {self.log_path}")
            url = self.url(self.health_path)
            try:
                status = self.ready(url) if self.ready else get_status(url, timeout_s=1.0)[0]
                if status == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchmarkError(
            f"{self.name} was not healthy within {timeout_s}s; see {self.log_path}"
        )

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """Ask the process to stop (SIGTERM), kill it after `timeout_s`; return its exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        code = self.process.returncode
        self.process = None
        return code

    def rss_kib(self) -> int:
        """The resident set size now (VmRSS)."""
        return read_proc_status_kib(self.pid, "VmRSS")

    def peak_rss_kib(self) -> int:
        """The highest resident set size so far (VmHWM)."""
        return read_proc_status_kib(self.pid, "VmHWM")

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without QSPACE_* overrides (runs use the config file and its
    defaults), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QSPACE_")}
    return {**env, **(extra or {})}


def python_module_argv(module: str, *args: str) -> list[str]:
    """Run `module` with this interpreter (the .venv one under `make bench`)."""
    return [sys.executable, "-m", module, *args]


# --- a load of exactly N requests -------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """How many requests got which status, and how long they took in total."""

    total: int
    statuses: dict[int, int]
    elapsed_s: float


async def _drive(urls: Sequence[str], total: int, concurrency: int) -> Tally:
    started = time.perf_counter()
    numbers = itertools.count()
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=10.0) as client:

        async def worker() -> None:
            # Each worker takes the next request number until all `total` are handed out.
            while (n := next(numbers)) < total:
                response = await client.get(urls[n % len(urls)])
                statuses[response.status_code] += 1

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    return Tally(sum(statuses.values()), dict(statuses), time.perf_counter() - started)


def drive_requests(
    urls: Sequence[str], *, total: int, concurrency: int, time_limit_s: float
) -> Tally:
    """Send exactly `total` GETs, cycling through `urls`, over `concurrency` connections.

    Raises BenchmarkError when a URL is not on loopback or the load takes over `time_limit_s`.
    """
    if not urls:
        raise BenchmarkError("no URLs to request")
    for url in urls:
        require_loopback(url)

    async def bounded() -> Tally:
        return await asyncio.wait_for(_drive(urls, total, concurrency), time_limit_s)

    try:
        return asyncio.run(bounded())
    except TimeoutError:
        raise BenchmarkError(f"{total} requests took longer than {time_limit_s}s") from None
