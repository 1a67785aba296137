"""What every benchmark's `run(ctx)` gets: the run's settings, the shared data set, the servers
under test, and the repeated, interleaved wrk comparison that throughput benchmarks share."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.datagen import Dataset, create_space_dataset
from benchmarks.harness import (
    LOOPBACK,
    BenchmarkError,
    ServerProcess,
    clean_environment,
    free_port,
    get_response,
    python_module_argv,
    summarize,
)
from benchmarks.report import Result, Target
from benchmarks.wrk import WrkRun, run_wrk


@dataclass
class Context:
    """The settings of one benchmark run and helpers to start the servers it compares."""

    workdir: Path
    repeats: int = 3
    duration_s: int = 5
    warmup_s: int = 1
    connections: int = 16
    threads: int = 1
    # CPUs the servers are pinned to (None: not pinned); run.py pins itself, wrk and the load
    # driver to the others so a server never shares its CPU with the load generator.
    server_cpus: tuple[int, ...] | None = None
    _datasets: dict[str, Dataset] = field(default_factory=dict, repr=False)

    def log(self, message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    def space_dataset(self) -> Dataset:
        """The shared data set (one space, 12 status updates and 8 blog posts), made once."""
        if "space" not in self._datasets:
            self.log("creating the data set: qspace init, space create, 20 items")
            self._datasets["space"] = create_space_dataset(self.workdir)
        return self._datasets["space"]

    def _log_path(self, label: str, port: int) -> Path:
        return self.workdir / f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}-{port}.log"

    def qspace_server(
        self, dataset: Dataset, *, label: str = "qspace", env: dict[str, str] | None = None
    ) -> ServerProcess:
        """A `qspace serve` process (not started yet) on the data set's config and database;
        `env` adds QSPACE_* overrides to the otherwise default settings."""
        port = free_port()
        argv = python_module_argv(
            "qspace.cli", "--config", str(dataset.config_path), "serve", "--host", LOOPBACK
        )
        return ServerProcess(
            name=label,
            argv=[*argv, "--port", str(port)],
            port=port,
            log_path=self._log_path(label, port),
            env=clean_environment({**dataset.env, **(env or {})}),
            cpus=self.server_cpus,
        )

    def baseline_server(
        self, dataset: Dataset, *, label: str = "baseline", args: Sequence[str] = ()
    ) -> ServerProcess:
        """The baseline app (not started yet) serving the data set's fixture from memory;
        `args` are more options of `benchmarks.baseline_app` (e.g. --documents)."""
        port = free_port()
        argv = python_module_argv(
            "benchmarks.baseline_app",
            "--port",
            str(port),
            "--fixture",
            str(dataset.fixture_path),
            *args,
        )
        return ServerProcess(
            name=label,
            argv=argv,
            port=port,
            log_path=self._log_path(label, port),
            env=clean_environment(),
            cpus=self.server_cpus,
        )

    def module_server(
        self,
        label: str,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        on_server_cpus: bool = True,
    ) -> ServerProcess:
        """`python -m module --port <free port> *args` as a ServerProcess (not started yet),
        healthy when its /healthz answers 200; pinned like the servers unless told not to
        (a stub the servers talk to belongs with the load generators)."""
        port = free_port()
        return ServerProcess(
            name=label,
            argv=python_module_argv(module, "--port", str(port), *args),
            port=port,
            log_path=self._log_path(label, port),
            env=clean_environment(env),
            cpus=self.server_cpus if on_server_cpus else None,
        )

    def wrk(self, url: str, duration_s: int | None = None, headers: Sequence[str] = ()) -> WrkRun:
        """One wrk run with this run's connections and threads; `headers` as "Name: value"."""
        return run_wrk(
            url,
            duration_s=duration_s or self.duration_s,
            connections=self.connections,
            threads=self.threads,
            headers=headers,
        )


@dataclass(frozen=True)
class Contender:
    """One server under test: its label, a factory for a fresh process, the path to load and
    the request headers to send ("Name: value")."""

    label: str
    make_server: Callable[[], ServerProcess]
    path: str
    headers: tuple[str, ...] = ()
    # Checks the first response (200 already checked); returns what is wrong with it, or None.
    check: Callable[[httpx.Response], str | None] | None = None


@dataclass(frozen=True)
class Throughput:
    """The wrk runs of every contender, and the size of the body each one sent."""

    runs: dict[str, list[WrkRun]]
    body_bytes: dict[str, int]


def measure_throughput(ctx: Context, contenders: Sequence[Contender]) -> Throughput:
    """Measure every contender `ctx.repeats` times with wrk.

    Each measurement gets a fresh server process, a first request that must answer 200, and a
    warm-up run; only one server runs at a time, and the order is reversed on every other repeat
    so slow drifts of the machine do not favour one side. Raises BenchmarkError when a response
    is not 2xx/3xx or a server fails.
    """
    runs: dict[str, list[WrkRun]] = {c.label: [] for c in contenders}
    body_bytes: dict[str, int] = {}
    for repeat in range(ctx.repeats):
        order = list(contenders) if repeat % 2 == 0 else list(reversed(contenders))
        for contender in order:
            with contender.make_server() as server:
                url = server.url(contender.path)
                first = get_response(url, headers=contender.headers)
                if first.status_code != 200:
                    raise BenchmarkError(
                        f"{contender.label}: GET {contender.path} -> {first.status_code}"
                    )
                problem = contender.check(first) if contender.check else None
                if problem:
                    raise BenchmarkError(f"{contender.label}: GET {contender.path}: {problem}")
                body_bytes[contender.label] = len(first.content)
                ctx.wrk(url, duration_s=ctx.warmup_s, headers=contender.headers)
                run = ctx.wrk(url, headers=contender.headers)
            if run.non_2xx_3xx:
                raise BenchmarkError(f"{contender.label}: {run.non_2xx_3xx} responses not 2xx/3xx")
            runs[contender.label].append(run)
            ctx.log(
                f"  {contender.label} {contender.path} repeat {repeat + 1}/{ctx.repeats}: "
                f"{run.requests_per_s:,.0f} req/s, p99 {run.percentiles_ms.get(99, 0):.1f} ms"
            )
    return Throughput(runs, body_bytes)


def throughput_results(
    benchmark: str,
    measured: Throughput,
    *,
    baseline: str,
    target: Target | None,
    notes: Sequence[str] = (),
) -> list[Result]:
    """One requests/s Result per contender other than `baseline`, compared with it."""
    baseline_runs = measured.runs[baseline]
    results = []
    for label, runs in measured.runs.items():
        if label == baseline:
            continue
        details = {
            "latency_p50_ms": {
                side: summarize([r.percentiles_ms[50] for r in rs]).as_dict()
                for side, rs in ((label, runs), (baseline, baseline_runs))
            },
            "latency_p99_ms": {
                side: summarize([r.percentiles_ms[99] for r in rs]).as_dict()
                for side, rs in ((label, runs), (baseline, baseline_runs))
            },
            "body_bytes": {
                label: measured.body_bytes[label],
                baseline: measured.body_bytes[baseline],
            },
            # Repeat i of each side ran back to back: their ratios show how steady the ratio is.
            "ratio_by_repeat": [
                q.requests_per_s / b.requests_per_s
                for q, b in zip(runs, baseline_runs, strict=True)
            ],
            "socket_errors": sum(r.error_count for r in (*runs, *baseline_runs)),
            "runs": {
                label: [r.as_dict() for r in runs],
                baseline: [r.as_dict() for r in baseline_runs],
            },
        }
        results.append(
            Result(
                benchmark=benchmark,
                contender=label,
                metric="requests/s",
                unit="req/s",
                qspace=summarize([r.requests_per_s for r in runs]),
                baseline=summarize([r.requests_per_s for r in baseline_runs]),
                target=target,
                notes=tuple(notes),
                details=details,
            )
        )
    return results
