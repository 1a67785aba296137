"""Run the benchmarks one after the other and print one table: `python -m benchmarks.run`.

`make bench` calls this. To add a benchmark, write `benchmarks/bench_<name>.py` with a
`run(ctx: Context) -> list[Result]` function and register it in BENCHMARKS below; use the
helpers on `Context` (data sets, server processes, wrk) so it is bounded and loopback-only too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    bench_activitypub,
    bench_fanout,
    bench_feed,
    bench_inbox,
    bench_json,
    bench_memory,
    bench_space_page,
)
from benchmarks.context import Context
from benchmarks.harness import TASKSET, BenchmarkError
from benchmarks.report import RESULTS_DIR, Result, format_table, machine_info, write_results

Benchmark = Callable[[Context], list[Result]]

# Run in this order, never two at once.
BENCHMARKS: dict[str, Benchmark] = {
    "space_page": bench_space_page.run,
    "json": bench_json.run,
    "activitypub": bench_activitypub.run,
    "memory": bench_memory.run,
    "inbox": bench_inbox.run,
    "fanout": bench_fanout.run,
    "feed": bench_feed.run,
}
MIN_REPEATS = 3


def pin_cpus(enabled: bool) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Keep this process, and the wrk and load-driver processes it starts, off the first CPU and
    return (server CPUs, client CPUs); None when pinning is off or there is only one CPU.

    Side effect: changes this process's CPU affinity. Servers are pinned to one CPU, as on the
    1 vCPU machines qspace is made for (SQLite's thread shares that CPU too).
    """
    cpus = sorted(os.sched_getaffinity(0))
    if not enabled or len(cpus) < 2 or TASKSET is None:
        return None
    server, client = (cpus[0],), tuple(cpus[1:])
    os.sched_setaffinity(0, client)
    return server, client


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="Benchmark qspace against a baseline app."
    )
    parser.add_argument(
        "--only", action="append", choices=list(BENCHMARKS), help="run only this (repeatable)"
    )
    parser.add_argument("--repeats", type=_at_least(MIN_REPEATS), default=MIN_REPEATS)
    parser.add_argument("--duration", type=_at_least(1), default=5, help="seconds per wrk run")
    parser.add_argument("--warmup", type=_at_least(1), default=1, help="seconds of warm-up")
    parser.add_argument("--connections", type=_at_least(1), default=16)
    parser.add_argument("--no-pin", action="store_true", help="do not pin servers to one CPU")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every number."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _notes(results: Sequence[Result]) -> list[str]:
    seen: dict[str, None] = {}
    for result in results:
        for note in result.notes:
            seen.setdefault(f"{result.benchmark}: {note}", None)
    return list(seen)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, write the JSON; 1 if any benchmark failed."""
    args = parse_args(argv)
    started = datetime.now(UTC)
    machine = machine_info()  # before pinning, which hides the other CPUs from this process
    load_before = load_average()
    pinned = pin_cpus(not args.no_pin)
    workdir = Path(tempfile.mkdtemp(prefix="qspace-bench-"))
    ctx = Context(
        workdir,
        repeats=args.repeats,
        duration_s=args.duration,
        warmup_s=args.warmup,
        connections=args.connections,
        server_cpus=pinned[0] if pinned else None,
    )
    results: list[Result] = []
    failures: list[str] = []
    for name in args.only or list(BENCHMARKS):
        ctx.log(f"{name}: running")
        began = time.monotonic()
        try:
            results.extend(BENCHMARKS[name](ctx))
        except BenchmarkError as exc:
            failures.append(f"{name}: {exc}")
            ctx.log(f"{name}: FAILED: {exc}")
        ctx.log(f"{name}: {time.monotonic() - began:.0f} s")
    print(format_table(results))
    for note in _notes(results):
        print(f"- {note}")
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"load average before {load_before}, after {load_average()} (1, 5, 15 min)")
    run_settings = {
        "repeats": ctx.repeats,
        "duration_s": ctx.duration_s,
        "warmup_s": ctx.warmup_s,
        "connections": ctx.connections,
        "wrk_threads": ctx.threads,
        "server_cpus": list(pinned[0]) if pinned else None,
        "client_cpus": list(pinned[1]) if pinned else None,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    path = write_results(
        results,
        machine=machine,
        run_settings=run_settings,
        failures=failures,
        started=started,
        directory=args.results_dir,
    )
    print(f"results: {path} (and latest.json)")
    if failures:
        print(f"server logs kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
