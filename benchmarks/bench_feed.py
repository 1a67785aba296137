"""Home feed at scale: p50/p99 of `home_feed` for a space following 500 people, as the server's
stored posts grow from 10k to 100k to 1M, on SQLite and on PostgreSQL.

The data set (benchmarks/feed_data.py) has 2,000 remote authors posting at the same rate, of
whom the space follows 500: a quarter of the posts are in its feed. The newest post is
from just before the run, and each growth adds older posts, so each size is the same server
with a longer history. At each size,
benchmarks/feed_driver.py times the first page and a page 1,000 posts deep (reached through the
cursor), in a fresh process pinned like a server, `--repeats` times. Target: the p99 at 1M posts
is at most 1.5 times the p99 at 10k (keyset pagination and the right index keep a page's cost
flat as the table grows).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import feed_data, pg
from benchmarks.context import Context
from benchmarks.datagen import Dataset, create_space_dataset
from benchmarks.harness import TASKSET, BenchmarkError, percentile, python_module_argv, summarize
from benchmarks.remote_data import add_follows, insert_remote_actors
from benchmarks.report import Result, Target
from qspace.db import database

TARGET = Target("ratio_at_most", 1.5)
SIZES = (10_000, 100_000, 1_000_000)
PAGES = {"first page": "first_page_ms", "page 1,000 posts deep": "deep_page_ms"}
# Seconds per page kind and run: at 1M posts on SQLite a page takes about half a second, so a
# run there makes about 20 calls (its p99 is then about its maximum).
TIME_PER_PAGE_KIND_S = 10
DRIVER_TIMEOUT_S = 180
AS_IS = "qspace"
# SQLite plans by heuristics until ANALYZE has stored statistics, which qspace never runs; this
# variant runs it on the benchmark's database only (and removes them again before growing).
ANALYZED = "qspace + ANALYZE (benchmark database only)"


@dataclass
class FeedSeries:
    """The measurements of one database: driver results by variant and size."""

    database: str
    dataset: Dataset
    authors: list[tuple[int, str]]
    runs: dict[str, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)
    # The newest post is from just before this moment (feed_data.generate_posts).
    end: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def variants(self) -> list[str]:
        return [AS_IS, ANALYZED] if self.dataset.database_url is None else [AS_IS]


async def _store_authors(data: Dataset) -> list[tuple[int, str]]:
    async with database(data.settings()):
        rows = feed_data.author_rows()
        ids = await insert_remote_actors(rows)
        followed = [ids[row.ap_id] for row in rows[: feed_data.FOLLOWED]]
        await add_follows(data.space_name, followed, space_follows=True, followed_by=False)
        return [(ids[row.ap_id], row.ap_id) for row in rows]


def _grow(series: FeedSeries, first: int, count: int) -> None:
    data = series.dataset
    if data.database_url is None:
        feed_data.insert_posts_sqlite(
            _sqlite_path(data), series.authors, first, count, end=series.end
        )
    else:
        asyncio.run(
            feed_data.insert_posts_postgres(
                data.database_url, series.authors, first, count, end=series.end
            )
        )


def _sqlite_path(data: Dataset) -> Path:
    return Path(data.settings().database_url[len("sqlite://") :])


def _statistics(data: Dataset, *, present: bool) -> None:
    """Store SQLite's planner statistics (ANALYZE), or remove them again."""
    with contextlib.closing(sqlite3.connect(_sqlite_path(data))) as conn, conn:
        if present:
            conn.execute("ANALYZE")
        elif conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            conn.execute("DELETE FROM sqlite_stat1")


def _drive(ctx: Context, data: Dataset) -> dict[str, Any]:
    argv = python_module_argv(
        "benchmarks.feed_driver",
        "--config",
        str(data.config_path),
        "--space",
        data.space_name,
        "--time-limit",
        str(TIME_PER_PAGE_KIND_S),
    )
    if data.database_url:
        argv += ["--database-url", data.database_url]
    if ctx.server_cpus is not None and TASKSET:
        argv = [TASKSET, "-c", ",".join(map(str, ctx.server_cpus)), *argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=DRIVER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BenchmarkError("the feed driver did not finish in time") from None
    if done.returncode != 0:
        raise BenchmarkError(f"the feed driver failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure_series(ctx: Context, series: FeedSeries) -> None:
    """Grow the data set through SIZES, measuring each variant `ctx.repeats` times at each."""
    stored = 0
    for size in SIZES:
        ctx.log(f"feed ({series.database}): adding {size - stored:,} posts")
        _grow(series, stored, size - stored)
        stored = size
        for variant in series.variants:
            if variant == ANALYZED:
                _statistics(series.dataset, present=True)
            runs = series.runs.setdefault(variant, {}).setdefault(size, [])
            for repeat in range(ctx.repeats):
                found = _drive(ctx, series.dataset)
                if found["items"] < size:
                    raise BenchmarkError(f"expected {size:,} posts, found {found['items']}")
                runs.append(found)
                ctx.log(
                    f"  feed {series.database}, {variant}, {size:,} posts, repeat "
                    f"{repeat + 1}/{ctx.repeats}: first page p99 "
                    f"{percentile(found['first_page_ms'], 0.99):.1f} ms, deep page p99 "
                    f"{percentile(found['deep_page_ms'], 0.99):.1f} ms"
                )
            if variant == ANALYZED:
                _statistics(series.dataset, present=False)


def _prepare(ctx: Context) -> tuple[list[FeedSeries], list[str]]:
    notes: list[str] = []
    sets: list[FeedSeries] = []
    for name, url in (("SQLite", None), ("PostgreSQL", "postgres")):
        if url is not None:
            problem = pg.available()
            if problem is not None:
                notes.append(f"PostgreSQL not measured: {problem}")
                continue
            url = pg.create_database(pg.scratch_name("feed"))
        ctx.log(f"feed: creating the {name} data set ({feed_data.AUTHORS:,} authors)")
        data = create_space_dataset(
            ctx.workdir,
            name="feeder" if url is None else "feederpg",
            statuses=0,
            posts=0,
            database_url=url,
        )
        sets.append(FeedSeries(name, data, asyncio.run(_store_authors(data))))
    return sets, notes


def _results(series: FeedSeries, notes: list[str]) -> list[Result]:
    """Per variant and page kind: the p99 (judged for qspace as it is) and the p50 at the
    largest size against the smallest; the middle size is in the JSON details."""
    smallest, largest = SIZES[0], SIZES[-1]
    results = []
    for variant, by_size in series.runs.items():
        for page, key in PAGES.items():
            for share, label in ((0.99, "p99"), (0.5, "p50")):
                at = {
                    size: summarize([percentile(r[key], share) for r in runs])
                    for size, runs in by_size.items()
                }
                judged = share == 0.99 and variant == AS_IS
                results.append(
                    Result(
                        benchmark=f"home feed on {series.database}, {page}",
                        contender=f"{variant}, {largest:,} posts",
                        metric=f"{label} latency (baseline column: {smallest:,} posts)",
                        unit="ms",
                        qspace=at[largest],
                        baseline=at[smallest],
                        target=TARGET if judged else None,
                        notes=tuple(notes),
                        details={
                            "by_size": {str(n): summary.as_dict() for n, summary in at.items()},
                            **(_details(by_size) if share == 0.99 else {}),
                        },
                    )
                )
    return results


def _details(by_size: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """What the JSON keeps: the latencies of every run and the plans at each size."""
    return {
        str(size): {
            "calls": [len(r["first_page_ms"]) for r in runs],
            "first_page_ms": [r["first_page_ms"] for r in runs],
            "deep_page_ms": [r["deep_page_ms"] for r in runs],
            "plan_first_page": runs[0]["plan_first_page"],
            "plan_deep_page": runs[0]["plan_deep_page"],
            "sql": runs[0]["sql"],
        }
        for size, runs in by_size.items()
    }


def run(ctx: Context) -> list[Result]:
    """Build, grow and measure the feed data sets; drop the PostgreSQL one at the end."""
    sets, notes = _prepare(ctx)
    notes.append(
        f"{feed_data.AUTHORS:,} authors posting alike, {feed_data.FOLLOWED} of them followed; "
        "10% followers-only posts; each size measured in fresh processes, "
        f"{ctx.repeats} runs of up to 200 calls ({TIME_PER_PAGE_KIND_S} s at most) per page kind"
    )
    try:
        results: list[Result] = []
        for series in sets:
            measure_series(ctx, series)
            results += _results(series, notes)
        return results
    finally:
        for series in sets:
            if series.dataset.database_url:
                pg.drop_database(series.dataset.database_url.rsplit("/", 1)[-1])
