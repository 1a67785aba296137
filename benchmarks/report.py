"""Benchmark results: targets, the comparison table, the machine description and the JSON files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from benchmarks.harness import REPO_ROOT, Summary, ratio
from benchmarks.wrk import WRK

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PACKAGES = ("qspace", "starlette", "uvicorn", "uvloop", "httptools", "jinja2", "tortoise-orm")


@dataclass(frozen=True)
class Target:
    """A goal: qspace at least `value` times the baseline ("ratio_at_least"), at most `value`
    times it ("ratio_at_most": for times, where less is better), or qspace's median at most
    `value` ("at_most"). A target that is not `enforced` is shown but not judged yet."""

    kind: Literal["ratio_at_least", "ratio_at_most", "at_most"]
    value: float
    enforced: bool = True

    def describe(self, unit: str) -> str:
        if self.kind == "ratio_at_least":
            text = f">= {self.value:.0%} of baseline"
        elif self.kind == "ratio_at_most":
            text = f"<= {self.value:g}x baseline"
        else:
            text = f"<= {self.value:g} {unit}"
        return text if self.enforced else f"{text} (later)"

    def is_met(self, median: float, compared: float | None) -> bool | None:
        """Whether the goal is reached; None when it is not judged yet or cannot be."""
        if not self.enforced:
            return None
        if self.kind == "at_most":
            return median <= self.value
        if compared is None:
            return None
        return compared >= self.value if self.kind == "ratio_at_least" else compared <= self.value


@dataclass(frozen=True)
class Result:
    """One measured quantity of one qspace configuration, with the baseline's beside it."""

    benchmark: str
    contender: str
    metric: str
    unit: str
    qspace: Summary
    baseline: Summary | None
    target: Target | None = None
    notes: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """qspace's median over the baseline's (None without a baseline)."""
        return None if self.baseline is None else ratio(self.qspace.median, self.baseline.median)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.is_met(self.qspace.median, self.ratio)

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "contender": self.contender,
            "metric": self.metric,
            "unit": self.unit,
            "qspace": self.qspace.as_dict(),
            "baseline": self.baseline.as_dict() if self.baseline else None,
            "ratio": self.ratio,
            "target": self.target.describe(self.unit) if self.target else None,
            "met": self.met,
            "notes": list(self.notes),
            "details": self.details,
        }


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def format_summary(summary: Summary | None, unit: str) -> str:
    """ "1,234 req/s (1,200–1,250)": the median, then the range of the repeats."""
    if summary is None:
        return "-"
    spread = f"{_number(summary.minimum)}–{_number(summary.maximum)}"
    return f"{_number(summary.median)} {unit} ({spread})"


TIME_UNITS = frozenset({"ms", "s"})


def format_ratio(result: Result) -> str:
    """The ratio column: a share for rates and sizes ("45%"), a factor for times ("1.08x")."""
    if result.ratio is None:
        return "-"
    return f"{result.ratio:.2f}x" if result.unit in TIME_UNITS else f"{result.ratio:.0%}"


def format_table(results: Sequence[Result]) -> str:
    """A Markdown table with one row per result: qspace, baseline, their ratio and the target."""
    header = ["benchmark", "qspace", "median (min–max)", "baseline", "qspace/baseline", "target"]
    rows = [header, ["---"] * len(header)]
    for r in results:
        verdict = {True: "met", False: "MISSED", None: ""}[r.met]
        target = f"{r.target.describe(r.unit)} {verdict}".strip() if r.target else ""
        rows.append(
            [
                f"{r.benchmark}: {r.metric}",
                r.contender,
                format_summary(r.qspace, r.unit),
                format_summary(r.baseline, r.unit),
                format_ratio(r),
                target,
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _command_output(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=REPO_ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def machine_info() -> dict[str, Any]:
    """What the numbers depend on: CPUs, CPU model, RAM, Python, the packages, wrk, the commit."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mib": _memory_mib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _package_version(name) for name in PACKAGES},
        "wrk": _command_output([WRK, "--version"]),
        # Read-only: which commit was measured (the work tree may differ from it).
        "commit": _command_output(["git", "rev-parse", "--short", "HEAD"]),
    }


def write_results(
    results: Sequence[Result],
    *,
    machine: dict[str, Any],
    run_settings: dict[str, Any],
    failures: Sequence[str],
    started: datetime,
    directory: Path = RESULTS_DIR,
) -> Path:
    """Write `<start time>.json` and `latest.json` into `directory`; return the first one's path."""
    started = started.astimezone(UTC)
    document = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "settings": run_settings,
        "failures": list(failures),
        "results": [r.as_dict() for r in results],
    }
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2) + "\n"
    path = directory / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text, encoding="utf-8")
    (directory / "latest.json").write_text(text, encoding="utf-8")
    return path
