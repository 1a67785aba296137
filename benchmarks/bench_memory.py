"""Memory: a server's resident set size idle and after 10,000 mixed requests, qspace against the
baseline app.

"Idle" is read one second after start-up and one space page request; "after load" one second
after 10,000 requests spread evenly over the space page, the front page and /healthz, sent over
as many keep-alive connections as wrk uses. RSS is VmRSS from /proc/<pid>/status (shared
libraries included, as the kernel counts them against a 1 GiB machine); the peak is VmHWM.
Targets (absolute, for a 1 GiB VPS): qspace idle <= 80 MiB, after the load <= 120 MiB.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.context import Context
from benchmarks.harness import (
    BenchmarkError,
    ServerProcess,
    Tally,
    drive_requests,
    get_status,
    summarize,
)
from benchmarks.report import Result, Target

REQUESTS = 10_000
SETTLE_S = 1.0
# 10,000 requests take about 20 s on the machine of benchmarks/README.md; this only bounds a hang.
TIME_LIMIT_S = 300.0
IDLE_TARGET = Target("at_most", 80)
LOADED_TARGET = Target("at_most", 120)


@dataclass(frozen=True)
class MemorySample:
    """RSS readings (KiB) of one server process, and the load it served in between."""

    idle_kib: int
    after_kib: int
    peak_kib: int
    load: Tally


def sample_memory(ctx: Context, server: ServerProcess, paths: list[str]) -> MemorySample:
    """Start `server`, read its RSS idle, load it with REQUESTS requests, read it again, stop it.

    Raises BenchmarkError when a response is not 200 or the load overruns its time limit.
    """
    with server:
        status, _size = get_status(server.url(paths[0]))
        if status != 200:
            raise BenchmarkError(f"{server.name}: GET {paths[0]} -> {status}")
        time.sleep(SETTLE_S)
        idle = server.rss_kib()
        load = drive_requests(
            [server.url(p) for p in paths],
            total=REQUESTS,
            concurrency=ctx.connections,
            time_limit_s=TIME_LIMIT_S,
        )
        failed = {code: n for code, n in load.statuses.items() if code != 200}
        if failed:
            raise BenchmarkError(f"{server.name}: responses other than 200: {failed}")
        time.sleep(SETTLE_S)
        return MemorySample(idle, server.rss_kib(), server.peak_rss_kib(), load)


def _mib(samples: list[MemorySample], reading: Callable[[MemorySample], int]) -> list[float]:
    return [reading(s) / 1024 for s in samples]


def run(ctx: Context) -> list[Result]:
    """Sample qspace's and the baseline's memory `ctx.repeats` times each, alternating."""
    data = ctx.space_dataset()
    paths = [f"/@{data.space_name}", "/", "/healthz"]
    makers: dict[str, Callable[[], ServerProcess]] = {
        "qspace": lambda: ctx.qspace_server(data),
        "baseline": lambda: ctx.baseline_server(data),
    }
    samples: dict[str, list[MemorySample]] = {label: [] for label in makers}
    for repeat in range(ctx.repeats):
        order = list(makers) if repeat % 2 == 0 else list(reversed(makers))
        for label in order:
            found = sample_memory(ctx, makers[label](), paths)
            samples[label].append(found)
            ctx.log(
                f"  {label} memory repeat {repeat + 1}/{ctx.repeats}: idle "
                f"{found.idle_kib / 1024:.1f} MiB, after {found.after_kib / 1024:.1f} MiB, "
                f"peak {found.peak_kib / 1024:.1f} MiB ({found.load.elapsed_s:.1f} s load)"
            )
    notes = (
        f"{REQUESTS:,} requests over {ctx.connections} connections, cycling {', '.join(paths)}",
    )
    details = {
        label: [
            {
                "idle_kib": s.idle_kib,
                "after_kib": s.after_kib,
                "peak_kib": s.peak_kib,
                "load_seconds": s.load.elapsed_s,
            }
            for s in found
        ]
        for label, found in samples.items()
    }
    readings: list[tuple[str, Callable[[MemorySample], int], Target | None]] = [
        ("RSS idle (after start-up and 1 request)", lambda s: s.idle_kib, IDLE_TARGET),
        (f"RSS after {REQUESTS:,} mixed requests", lambda s: s.after_kib, LOADED_TARGET),
        ("peak RSS during the load (VmHWM)", lambda s: s.peak_kib, None),
    ]
    return [
        Result(
            benchmark="memory",
            contender="qspace",
            metric=metric,
            unit="MiB",
            qspace=summarize(_mib(samples["qspace"], reading)),
            baseline=summarize(_mib(samples["baseline"], reading)),
            target=target,
            notes=notes,
            details=details,
        )
        for metric, reading, target in readings
    ]
