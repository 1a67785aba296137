"""wrk, the load generator of the throughput benchmarks: its command line, a run bounded in
time, and the report it prints, read into numbers (`WrkRun`).

Only 127.0.0.1 receives traffic: `run_wrk` refuses any other URL before starting wrk.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import BenchmarkError, require_loopback

WRK = shutil.which("wrk") or "/usr/bin/wrk"

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


def wrk_argv(
    url: str,
    *,
    duration_s: int,
    connections: int,
    threads: int = 1,
    headers: Sequence[str] = (),
    script: Path | None = None,
    script_args: Sequence[str] = (),
    request_timeout_s: int = 10,
) -> list[str]:
    """The wrk command line: `headers` as "Name: value" (`-H`), `script` a Lua file (`-s`)
    whose `init(args)` receives `script_args`. Raises BenchmarkError for a bad duration."""
    if duration_s < 1:
        raise BenchmarkError("wrk durations are whole seconds, at least 1")
    argv = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s"]
    for header in headers:
        argv += ["-H", header]
    if script is not None:
        argv += ["-s", str(script)]
    argv += [f"--timeout={request_timeout_s}s", "--latency", url]
    return [*argv, "--", *script_args] if script_args else argv


def run_wrk(
    url: str,
    *,
    duration_s: int,
    connections: int,
    threads: int = 1,
    headers: Sequence[str] = (),
) -> WrkRun:
    """Load `url` with wrk for `duration_s` seconds and return its report.

    Raises BenchmarkError when the URL is not on loopback, or wrk fails or overruns its time.
    """
    run, _output = run_wrk_script(
        url, duration_s=duration_s, connections=connections, threads=threads, headers=headers
    )
    return run


def run_wrk_script(
    url: str,
    *,
    duration_s: int,
    connections: int,
    threads: int = 1,
    headers: Sequence[str] = (),
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> tuple[WrkRun, str]:
    """Like run_wrk, optionally with a Lua script; return the report and wrk's whole output
    (where the script's `done()` prints). Raises BenchmarkError like run_wrk."""
    require_loopback(url)
    request_timeout_s = 10
    argv = wrk_argv(
        url,
        duration_s=duration_s,
        connections=connections,
        threads=threads,
        headers=headers,
        script=script,
        script_args=script_args,
        request_timeout_s=request_timeout_s,
    )
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration_s + request_timeout_s + 30
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"wrk did not finish in time: {' '.join(argv)}") from None
    if done.returncode != 0:
        raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    try:
        return parse_wrk_output(done.stdout), done.stdout
    except ValueError as exc:
        raise BenchmarkError(str(exc)) from None
