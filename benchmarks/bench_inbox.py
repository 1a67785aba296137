"""Inbox ingestion: signed `Create` deliveries accepted (202) and stored per second, qspace's
shared inbox against a bare verify-and-insert endpoint (benchmarks/baseline_inbox.py), on
SQLite and on PostgreSQL; and the cost of SQLite's `synchronous=FULL` against `NORMAL`.

Data: one space following ACTORS remote people, each on its own server and with its own RSA
key, stored as qspace stores fetched actors (so every key is known: no fetch happens). The
deliveries (Creates of public Notes, each with a new id, the senders in turn) are signed once,
right before the measurements (signatures are accepted for about an hour), and every run gets
a fresh copy of the database, so no run ever sees an activity twice. wrk sends them through a
Lua script (benchmarks/inbox_load.py says why wrk). A run counts only if every answer was 2xx,
the script never ran out of requests, and the database holds at least as many new rows as wrk
counted answers.

Contenders: qspace as `qspace serve` runs it (the job runner applying the stored activities
meanwhile: each becomes a post in the feed, and shares the one CPU), qspace with the job runner
off (ingestion alone, as the baseline), and for durability qspace and the bare endpoint with
`synchronous=FULL`. Target: qspace ingests at least 60% of the bare endpoint's rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from benchmarks import pg
from benchmarks.context import Context, Throughput, throughput_results
from benchmarks.datagen import DOMAIN, Dataset, create_space_dataset
from benchmarks.harness import BenchmarkError, ServerProcess
from benchmarks.inbox_load import (
    WRK_SCRIPT,
    RemoteActor,
    parse_script_counts,
    remote_actor,
    signed_deliveries,
    write_records,
)
from benchmarks.remote_data import RemoteRow, add_follows, insert_remote_actors
from benchmarks.report import Result, Target
from benchmarks.wrk import WrkRun, run_wrk_script
from federation.keys import generate_rsa_keypair
from qspace.db import database

TARGET = Target("ratio_at_least", 0.60)
ACTORS = 128
# Requests signed per second of wrk run: well above what any contender reaches on one CPU here
# (the bare endpoint does about 4,500/s), so a run never runs out; a run that does is refused.
POOL_RATE = 8_000
# Signatures without an expiry are accepted for 65 minutes (FEDERATION.md); stop well before.
SIGNATURES_VALID_S = 55 * 60
SHARED_INBOX = "/inbox"

Database = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class Side:
    """One contender: which app, on which database, with which settings."""

    label: str
    app: Literal["qspace", "baseline"]
    database: Database
    env: dict[str, str] = field(default_factory=dict)
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL"


@dataclass(frozen=True)
class Pool:
    """The pre-signed requests: a warm-up file and a measurement file, and when they were
    signed."""

    warmup: Path
    measure: Path
    signed_at: float
    request_bytes: int


def _actor_rows(actors: list[RemoteActor]) -> list[RemoteRow]:
    return [
        RemoteRow(
            a.ap_id,
            inbox=f"{a.ap_id}/inbox",
            shared_inbox=f"https://{a.domain}/inbox",
            key_id=a.key_id,
            public_key_pem=a.public_pem,
        )
        for a in actors
    ]


async def _store_senders(data: Dataset, actors: list[RemoteActor]) -> None:
    async with database(data.settings()):
        ids = await insert_remote_actors(_actor_rows(actors))
        followed = list(ids.values())
        await add_follows(data.space_name, followed, space_follows=True, followed_by=False)


def _dataset(ctx: Context, name: str, actors: list[RemoteActor], url: str | None) -> Dataset:
    ctx.log(f"inbox: creating the {name} data set ({len(actors)} known senders)")
    data = create_space_dataset(ctx.workdir, name=name, statuses=0, posts=0, database_url=url)
    asyncio.run(_store_senders(data, actors))
    return data


def _sign_pool(ctx: Context, actors: list[RemoteActor]) -> Pool:
    url = f"https://{DOMAIN}{SHARED_INBOX}"
    warm_count, measure_count = POOL_RATE * ctx.warmup_s, POOL_RATE * ctx.duration_s
    ctx.log(f"inbox: signing {warm_count + measure_count:,} deliveries")
    signed_at = time.monotonic()
    warmup, measure = ctx.workdir / "inbox-warmup.req", ctx.workdir / "inbox-measure.req"
    write_records(warmup, signed_deliveries(url, actors, warm_count, first=measure_count))
    write_records(measure, signed_deliveries(url, actors, measure_count))
    size = (warmup.stat().st_size + measure.stat().st_size) // (warm_count + measure_count)
    return Pool(warmup, measure, signed_at, size)


@dataclass
class Setup:
    """The prepared databases, key file and request pool of one benchmark run."""

    sqlite: Dataset
    postgres: Dataset | None
    keys_path: Path
    pool: Pool | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class RunDatabase:
    """A fresh database for one run: where it is, the servers' settings for it, its cleanup."""

    url: str
    path: Path | None = None
    pg_name: str | None = None

    def drop(self) -> None:
        if self.pg_name is not None:
            pg.drop_database(self.pg_name)
        elif self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _fresh_database(ctx: Context, setup: Setup, side: Side, run: int) -> RunDatabase:
    """A copy of the prepared database (qspace) or an empty one (the bare endpoint)."""
    if side.database == "sqlite":
        path = ctx.workdir / f"inbox-run-{run}.db"
        if side.app == "qspace":
            shutil.copyfile(_sqlite_path(setup.sqlite), path)
        return RunDatabase(f"sqlite://{path}", path=path)
    assert setup.postgres is not None and setup.postgres.database_url is not None
    name = pg.scratch_name(f"inbox run {run}")
    template = setup.postgres.database_url.rsplit("/", 1)[-1] if side.app == "qspace" else None
    return RunDatabase(pg.create_database(name, template=template), pg_name=name)


def _sqlite_path(data: Dataset) -> Path:
    return Path(data.settings().database_url[len("sqlite://") :])


def _server(ctx: Context, setup: Setup, side: Side, db: RunDatabase) -> ServerProcess:
    if side.app == "qspace":
        data = setup.sqlite if side.database == "sqlite" else setup.postgres
        assert data is not None
        env = {**side.env, "QSPACE_DATABASE_URL": db.url}
        if side.synchronous != "NORMAL":
            env["QSPACE_DATABASE_SQLITE_SYNCHRONOUS"] = side.synchronous
        return ctx.qspace_server(data, label=side.label, env=env)
    where = ["--sqlite", str(db.path)] if db.path else ["--postgres", db.url]
    return ctx.module_server(
        side.label,
        "benchmarks.baseline_inbox",
        "--domain",
        DOMAIN,
        "--keys",
        str(setup.keys_path),
        "--synchronous",
        side.synchronous,
        *where,
    )


def _stored_rows(side: Side, db: RunDatabase) -> int:
    table = "inbox_items" if side.app == "qspace" else "inbox_rows"
    if db.path is not None:
        with contextlib.closing(sqlite3.connect(db.path)) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return asyncio.run(pg.count_rows(db.url, table))


def _load(url: str, duration_s: int, requests: Path, connections: int) -> WrkRun:
    """One wrk run through the script; raises BenchmarkError on errors or a used-up pool."""
    script = requests.with_suffix(".lua")
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    run, output = run_wrk_script(
        url,
        duration_s=duration_s,
        connections=connections,
        script=script,
        script_args=[str(requests)],
    )
    counts = parse_script_counts(output)
    if any(c.wrapped for c in counts):
        raise BenchmarkError(f"the {requests.name} pool ran out: raise POOL_RATE ({counts})")
    if run.error_count:
        errors = f"{run.non_2xx_3xx} answers not 2xx, socket errors {run.socket_errors}"
        raise BenchmarkError(f"{url}: {errors}")
    return run


def measure_side(ctx: Context, setup: Setup, side: Side, run_number: int) -> WrkRun:
    """Warm up and measure one contender on a fresh database; check what it stored."""
    assert setup.pool is not None
    if time.monotonic() - setup.pool.signed_at > SIGNATURES_VALID_S:
        raise BenchmarkError("the signed requests are too old now: run fewer repeats")
    db = _fresh_database(ctx, setup, side, run_number)
    try:
        with _server(ctx, setup, side, db) as server:
            url = server.url(SHARED_INBOX)
            warm = _load(url, ctx.warmup_s, setup.pool.warmup, ctx.connections)
            run = _load(url, ctx.duration_s, setup.pool.measure, ctx.connections)
        stored = _stored_rows(side, db)
    finally:
        db.drop()
    answered = warm.requests + run.requests
    if stored < answered:
        raise BenchmarkError(f"{side.label}: {answered} deliveries answered, {stored} stored")
    return run


def _prepare(ctx: Context) -> Setup:
    ctx.log(f"inbox: generating {ACTORS} RSA keys")
    actors = [remote_actor(n, *generate_rsa_keypair()) for n in range(ACTORS)]
    keys_path = ctx.workdir / "inbox-keys.json"
    keys = [{"key_id": a.key_id, "owner": a.ap_id, "public_key_pem": a.public_pem} for a in actors]
    keys_path.write_text(json.dumps(keys), encoding="utf-8")
    setup = Setup(_dataset(ctx, "reader", actors, None), None, keys_path)
    problem = pg.available()
    if problem is None:
        name = pg.scratch_name("inbox")
        url = pg.create_database(name)
        setup.postgres = _dataset(ctx, "readerpg", actors, url)
    else:
        setup.notes.append(f"PostgreSQL not measured: {problem}")
    setup.pool = _sign_pool(ctx, actors)
    return setup


def _sides(setup: Setup) -> list[Side]:
    off = {"QSPACE_SERVER_RUN_WORKER": "false"}
    sides = [
        Side("qspace", "qspace", "sqlite"),
        Side("qspace, job runner off", "qspace", "sqlite", env=off),
        Side("qspace, synchronous=FULL", "qspace", "sqlite", synchronous="FULL"),
        Side("baseline", "baseline", "sqlite"),
        Side("baseline, synchronous=FULL", "baseline", "sqlite", synchronous="FULL"),
    ]
    if setup.postgres is not None:
        sides += [
            Side("qspace on PostgreSQL", "qspace", "postgres"),
            Side("qspace on PostgreSQL, job runner off", "qspace", "postgres", env=off),
            Side("baseline on PostgreSQL", "baseline", "postgres"),
        ]
    return sides


def _results(ctx: Context, setup: Setup, runs: dict[str, list[WrkRun]]) -> list[Result]:
    assert setup.pool is not None
    size = setup.pool.request_bytes

    def compare(labels: list[str], baseline: str) -> Throughput:
        return Throughput({k: runs[k] for k in [*labels, baseline]}, {k: size for k in runs})

    notes = [
        *setup.notes,
        f"{ACTORS} known senders on as many servers; Creates of public Notes of {size:,} B per "
        f"request on the wire, signed draft-cavage; {ctx.connections} connections; a fresh "
        "database per run",
    ]
    results = throughput_results(
        "inbox ingestion, SQLite (WAL, synchronous=NORMAL)",
        compare(["qspace", "qspace, job runner off"], "baseline"),
        baseline="baseline",
        target=TARGET,
        notes=notes,
    )
    durability = ["the baseline column is the same server with synchronous=NORMAL"]
    results += throughput_results(
        "durability: qspace SQLite ingestion, FULL vs NORMAL",
        compare(["qspace, synchronous=FULL"], "qspace"),
        baseline="qspace",
        target=None,
        notes=durability,
    )
    results += throughput_results(
        "durability: bare endpoint SQLite ingestion, FULL vs NORMAL",
        compare(["baseline, synchronous=FULL"], "baseline"),
        baseline="baseline",
        target=None,
        notes=durability,
    )
    if setup.postgres is not None:
        results += throughput_results(
            "inbox ingestion, PostgreSQL",
            compare(
                ["qspace on PostgreSQL", "qspace on PostgreSQL, job runner off"],
                "baseline on PostgreSQL",
            ),
            baseline="baseline on PostgreSQL",
            target=TARGET,
            notes=notes,
        )
    return results


def run(ctx: Context) -> list[Result]:
    """Prepare the databases and the signed pool, measure every side, compare."""
    setup = _prepare(ctx)
    try:
        sides = _sides(setup)
        runs: dict[str, list[WrkRun]] = {side.label: [] for side in sides}
        number = 0
        for repeat in range(ctx.repeats):
            for side in sides if repeat % 2 == 0 else list(reversed(sides)):
                number += 1
                found = measure_side(ctx, setup, side, number)
                runs[side.label].append(found)
                ctx.log(
                    f"  {side.label} repeat {repeat + 1}/{ctx.repeats}: "
                    f"{found.requests_per_s:,.0f} deliveries/s, "
                    f"p99 {found.percentiles_ms.get(99, 0):.1f} ms"
                )
        return _results(ctx, setup, runs)
    finally:
        if setup.postgres is not None and setup.postgres.database_url:
            pg.drop_database(setup.postgres.database_url.rsplit("/", 1)[-1])
