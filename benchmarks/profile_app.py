"""Profile qspace in-process: where the time of one request goes, without sockets or wrk.

    python -m benchmarks.profile_app [--path /@bench] [--requests 2000] [--config CONFIG]
        [--header "Accept: application/activity+json"] [--header "Cookie: ..."]

Serves a bounded number of requests to the app through httpx's ASGITransport, first timing
qspace and the baseline app alike (wall and CPU time per request; CPU time includes the SQLite
thread), then once more for qspace under pyinstrument, and prints the call tree and the
functions with the most time of their own. Without --config it makes the benchmark data set in a
temporary folder. Needs pyinstrument (`pip install pyinstrument`; not a qspace dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from pyinstrument import Profiler
from starlette.types import ASGIApp

from benchmarks import baseline_app
from benchmarks.datagen import create_space_dataset
from benchmarks.harness import header_dict
from qspace.app import create_app
from qspace.db import open_database
from qspace.logs import setup_logging
from qspace.settings import Settings, load_settings

WARMUP_REQUESTS = 100
FLAT_LINES = 40


@dataclass(frozen=True)
class Timing:
    """Per-request wall and CPU time, in milliseconds, over `requests` sequential requests."""

    requests: int
    wall_ms: float
    cpu_ms: float


async def _serve(client: httpx.AsyncClient, path: str, count: int) -> None:
    for _ in range(count):
        response = await client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}")


async def _time(client: httpx.AsyncClient, path: str, count: int) -> Timing:
    await _serve(client, path, WARMUP_REQUESTS)
    wall, cpu = time.perf_counter(), time.process_time()
    await _serve(client, path, count)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timing(count, wall * 1000 / count, cpu * 1000 / count)


def _client(app: ASGIApp, headers: dict[str, str]) -> httpx.AsyncClient:
    # No socket: the transport calls the ASGI app directly. The host only fills the URL.
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers)


async def _profile(
    settings: Settings,
    fixture: Path,
    path: str,
    count: int,
    headers: dict[str, str],
    documents: dict[str, object] | None,
) -> Profiler:
    database = await open_database(settings)
    app = create_app(settings, database=database, run_worker=False)
    try:
        async with _client(app, headers) as client:
            qspace = await _time(client, path, count)
            profiler = Profiler(interval=0.0002, async_mode="enabled")
            profiler.start()
            await _serve(client, path, count)
            profiler.stop()
    finally:
        await database.close_connections()
    fixture_data = json.loads(fixture.read_text(encoding="utf-8"))
    baseline_asgi = baseline_app.create_app(fixture_data, documents=documents)
    async with _client(baseline_asgi, headers) as client:
        baseline = await _time(client, path, count)
    for name, timing in (("qspace", qspace), ("baseline", baseline)):
        print(
            f"{name:9} {path}: {timing.wall_ms:.3f} ms wall, {timing.cpu_ms:.3f} ms CPU "
            f"per request ({timing.requests} requests, in-process)"
        )
    print(f"qspace/baseline time per request: {qspace.wall_ms / baseline.wall_ms:.1f}x")
    return profiler


def main(argv: Sequence[str] | None = None) -> int:
    """Time and profile; print the results (and write an HTML profile with --html)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_app")
    parser.add_argument("--path", help="default: the data set's space page")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--config", type=Path, help="an existing data set's config.toml")
    parser.add_argument("--fixture", type=Path, help="its baseline fixture (with --config)")
    parser.add_argument("--html", type=Path, help="also write the profile as HTML here")
    parser.add_argument(
        "--header", action="append", default=[], help='"Name: value", sent with every request'
    )
    parser.add_argument(
        "--documents", type=Path, help="ActivityPub documents for the baseline (by path)"
    )
    args = parser.parse_args(argv)
    try:
        headers = header_dict(args.header)
    except ValueError as exc:
        parser.error(str(exc))
    if args.requests < 1 or args.requests > 100_000:
        parser.error("--requests must be between 1 and 100000")
    with tempfile.TemporaryDirectory(prefix="qspace-profile-") as tmp:
        if args.config:
            if not args.fixture:
                parser.error("--config needs --fixture")
            config, fixture, path = args.config, args.fixture, args.path or "/"
        else:
            data = create_space_dataset(Path(tmp))
            config, fixture = data.config_path, data.fixture_path
            path = args.path or f"/@{data.space_name}"
        settings = load_settings(config, {})
        # Log as `qspace serve` does (access log included), into a file instead of the terminal.
        setup_logging(settings.log.level)
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        with open(Path(tmp) / "qspace.log", "w") as log_file:
            handler.setStream(log_file)
            documents = (
                json.loads(args.documents.read_text(encoding="utf-8")) if args.documents else None
            )
            profiler = asyncio.run(
                _profile(settings, fixture, path, args.requests, headers, documents)
            )
            handler.setStream(sys.stderr)
    print(profiler.output_text(unicode=True, color=False, short_mode=True))
    flat = profiler.output_text(unicode=True, color=False, flat=True).splitlines()
    print("\n".join(flat[:FLAT_LINES]))
    if args.html:
        args.html.write_text(profiler.output_html(), encoding="utf-8")
        print(f"HTML profile: {args.html}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
