"""One home-feed measurement, in a process of its own (pinned to the server CPU): the latency of
`qspace.services.feed.home_feed` for a space's owner, on the first page and on a deep page.

The viewer is built once, as a signed-in request builds it (`viewer_for` with the owner's
spaces). The deep page's cursor is found by walking `--deep-pages` pages first. Each page kind
is then timed `--iterations` times (fewer if `--time-limit` seconds run out) after a short
warm-up. The SQL of one first-page call is captured from Tortoise's query log and explained by
the database, so the report can show which index the plan uses.

    python -m benchmarks.feed_driver --config CONFIG [--database-url URL] --space NAME

Prints one JSON object: latencies (ms) of both page kinds, the plans, and the number of items.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvloop

from qspace.db import database, dialect_of
from qspace.models import Actor, Item, Space
from qspace.services import feed, spaces
from qspace.services.audience import Viewer, viewer_for
from qspace.settings import load_settings

WARMUP_CALLS = 5


class _CapturedQueries(logging.Handler):
    """Keeps the (sql, values) of the queries Tortoise logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            self.queries.append((args[0], list(args[1] or [])))


async def _timed(
    call: Callable[[], Awaitable[object]], iterations: int, time_limit_s: float
) -> list[float]:
    """Milliseconds per call, for up to `iterations` calls within `time_limit_s`."""
    for _ in range(WARMUP_CALLS):
        await call()
    latencies: list[float] = []
    deadline = time.perf_counter() + time_limit_s
    while len(latencies) < iterations and time.perf_counter() < deadline:
        started = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def _feed_sql(viewer: Viewer, before: feed.Cursor | None) -> tuple[str, list[Any]]:
    """The SQL and parameters of one home_feed call's items query."""
    log = logging.getLogger("tortoise.db_client")
    capture = _CapturedQueries()
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(capture)
    try:
        await feed.home_feed(viewer, before=before)
    finally:
        log.removeHandler(capture)
        log.setLevel(level)
    items = [q for q in capture.queries if '"items"' in q[0] and "ORDER BY" in q[0]]
    if not items:
        raise RuntimeError(f"no items query among {len(capture.queries)} captured")
    return items[0]


async def _plan(dialect: str, sql: str, values: list[Any]) -> list[str]:
    """The database's plan for the query (PostgreSQL: with the time it took)."""
    conn = Item._meta.db
    if dialect == "sqlite":
        _count, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}", values)
        return [str(dict(row)["detail"]) for row in rows]
    _count, rows = await conn.execute_query(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", values)
    return [str(next(iter(dict(row).values()))) for row in rows]


async def measure(
    config: Path,
    database_url: str | None,
    space_name: str,
    *,
    iterations: int,
    time_limit_s: float,
    deep_pages: int,
) -> dict[str, Any]:
    """Time the first page and a deep page of the space owner's home feed."""
    settings = load_settings(config, {"QSPACE_DATABASE_URL": database_url} if database_url else {})
    async with database(settings):
        space = await spaces.get_space(space_name)
        own = await Space.filter(owner_id=space.owner_id).values_list("id", flat=True)
        viewer = await viewer_for(await Actor.get(id=space.actor_id), own_space_ids=list(own))
        cursor = None
        for _ in range(deep_pages):
            _page, cursor = await feed.home_feed(viewer, before=cursor)
        if cursor is None:
            raise RuntimeError(f"the feed has fewer than {deep_pages} pages")
        deep = cursor
        first = await _timed(lambda: feed.home_feed(viewer), iterations, time_limit_s)
        deep_ms = await _timed(
            lambda: feed.home_feed(viewer, before=deep), iterations, time_limit_s
        )
        dialect = dialect_of(settings.database_url)
        sql, values = await _feed_sql(viewer, None)
        deep_sql, deep_values = await _feed_sql(viewer, deep)
        return {
            "items": await Item.all().count(),
            "following": len(viewer.following),
            "first_page_ms": first,
            "deep_page_ms": deep_ms,
            "deep_page_depth": deep_pages * feed.PAGE_SIZE,
            "deep_cursor": deep.encode(),
            "sql": sql,
            "plan_first_page": await _plan(dialect, sql, values),
            "plan_deep_page": await _plan(dialect, deep_sql, deep_values),
        }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one measurement and print its JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--space", required=True)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per page kind")
    parser.add_argument("--deep-pages", type=int, default=50)
    args = parser.parse_args(argv)
    result = uvloop.run(
        measure(
            args.config,
            args.database_url,
            args.space,
            iterations=args.iterations,
            time_limit_s=args.time_limit,
            deep_pages=args.deep_pages,
        )
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
