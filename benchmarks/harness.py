"""Shared benchmark machinery: server processes on loopback, wrk runs, statistics, RSS readings.

Every wait and every loop here is bounded in count and in time, and only 127.0.0.1 receives
traffic: URLs on other hosts are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import itertools
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
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


def ratio(value: float, baseline: float) -> float:
    """`value / baseline`; raises ValueError when the baseline is not positive."""
    if baseline <= 0:
        raise ValueError(f"a baseline must be positive to compare against, not {baseline}")
    return value / baseline


# --- wrk --------------------------------------------------------------------------------------

_TIME_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# wrk prints byte counts with binary prefixes (its format_binary divides by 1024).
_SIZE_TO_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_NUMBER_UNIT = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>[A-Za-z]*)")


def _number_with_unit(text: str, units: dict[str, float]) -> float:
    match = _NUMBER_UNIT.fullmatch(text.strip())
    if match is None or match["unit"] not in units:
        raise ValueError(f"cannot read {text!r} (known units: {', '.join(units)})")
    return float(match["number"]) * units[match["unit"]]


def parse_time_ms(text: str) -> float:
    """Milliseconds in a wrk time such as "850.00us", "3.21ms" or "1.02s"; raises ValueError."""
    return _number_with_unit(text, _TIME_TO_MS)


def parse_size_bytes(text: str) -> int:
    """Bytes in a wrk size such as "1.85MB"; raises ValueError."""
    return round(_number_with_unit(text, _SIZE_TO_BYTES))


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run reports."""

    requests: int
    duration_s: float
    requests_per_s: float
    latency_avg_ms: float
    latency_max_ms: float
    percentiles_ms: dict[int, float]
    socket_errors: dict[str, int]
    non_2xx_3xx: int
    bytes_read: int

    @property
    def error_count(self) -> int:
        return sum(self.socket_errors.values()) + self.non_2xx_3xx

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_LATENCY = re.compile(r"^\s*Latency\s+(?P<avg>\S+)\s+\S+\s+(?P<max>\S+)", re.M)
_PERCENTILE = re.compile(r"^\s*(?P<p>\d+)%\s+(?P<value>\S+)\s*$", re.M)
_TOTALS = re.compile(r"(?P<requests>\d+) requests in (?P<duration>\S+), (?P<size>\S+) read")
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (?P<connect>\d+), read (?P<read>\d+), "
    r"write (?P<write>\d+), timeout (?P<timeout>\d+)"
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_RATE = re.compile(r"^Requests/sec:\s+(\d+(?:\.\d+)?)", re.M)


def parse_wrk_output(text: str) -> WrkRun:
    """Read the report wrk prints (run with `--latency`); raises ValueError when it is not one."""
    rate, totals, latency = _RATE.search(text), _TOTALS.search(text), _LATENCY.search(text)
    if rate is None or totals is None or latency is None:
        raise ValueError(f"not a wrk report:\n{text}")
    errors = _SOCKET_ERRORS.search(text)
    non_2xx = _NON_2XX.search(text)
    return WrkRun(
        requests=int(totals["requests"]),
        duration_s=parse_time_ms(totals["duration"]) / 1000,
        requests_per_s=float(rate[1]),
        latency_avg_ms=parse_time_ms(latency["avg"]),
        latency_max_ms=parse_time_ms(latency["max"]),
        percentiles_ms={int(m["p"]): parse_time_ms(m["value"]) for m in _PERCENTILE.finditer(text)},
        socket_errors={k: int(v) for k, v in errors.groupdict().items()}
        if errors
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        bytes_read=parse_size_bytes(totals["size"]),
    )


def require_loopback(url: str) -> None:
    """Raise BenchmarkError unless `url` is an http URL on 127.0.0.1."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK:
        raise BenchmarkError(f"benchmarks only send traffic to http://{LOOPBACK}, not {url}")


def run_wrk(url: str, *, duration_s: int, connections: int, threads: int = 1) -> WrkRun:
    """Load `url` with wrk for `duration_s` seconds and return its report.

    Raises BenchmarkError when the URL is not on loopback, or wrk fails or overruns its time.
    """
    require_loopback(url)
    if duration_s < 1:
        raise BenchmarkError("wrk durations are whole seconds, at least 1")
    request_timeout_s = 10
    argv = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s"]
    argv += [f"--timeout={request_timeout_s}s", "--latency", url]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration_s + request_timeout_s + 30
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"wrk did not finish in time: {' '.join(argv)}") from None
    if done.returncode != 0:
        raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    try:
        return parse_wrk_output(done.stdout)
    except ValueError as exc:
        raise BenchmarkError(str(exc)) from None


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


def get_status(url: str, timeout_s: float = 5.0) -> tuple[int, int]:
    """GET a loopback URL once; return (status, body length). Raises httpx.TransportError."""
    require_loopback(url)
    # trust_env=False: an HTTP_PROXY in the environment must not reroute loopback traffic.
    with httpx.Client(trust_env=False, timeout=timeout_s) as client:
        response = client.get(url)
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

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

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
            try:
                if get_status(self.url(self.health_path), timeout_s=1.0)[0] == 200:
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
