"""Scratch PostgreSQL databases for the benchmarks: created per run, dropped at the end.

The server is the one the test suite uses (127.0.0.1:5432, trust authentication); the admin
connection goes to an existing database (`test`) and only creates and drops databases whose
names start with `qspace_bench_`. Set QSPACE_BENCH_PG_URL to use another loopback server.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from benchmarks.harness import LOOPBACK, BenchmarkError

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"
PREFIX = "qspace_bench_"
CONNECT_TIMEOUT_S = 5.0
# CREATE DATABASE copies the template; a few seconds at most for the benchmark's data sets.
STATEMENT_TIMEOUT_S = 120.0
_NAME = re.compile(rf"{PREFIX}[a-z0-9_]{{1,40}}")


def admin_url() -> str:
    """The admin connection URL: QSPACE_BENCH_PG_URL, else the local test server.

    Raises BenchmarkError for a server that is not on 127.0.0.1.
    """
    url = os.environ.get("QSPACE_BENCH_PG_URL", ADMIN_URL)
    if urlsplit(url).hostname != LOOPBACK:
        raise BenchmarkError(f"benchmarks only use PostgreSQL on {LOOPBACK}, not {url}")
    return url


def database_url(name: str) -> str:
    """The URL of database `name` on the admin connection's server."""
    parts = urlsplit(admin_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def scratch_name(label: str) -> str:
    """A fresh database name for `label` (lower-case letters, digits and `_`)."""
    clean = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:20]
    return f"{PREFIX}{clean}_{secrets.token_hex(4)}"


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise BenchmarkError(f"refusing to touch database {name!r}: not a benchmark scratch name")
    return f'"{name}"'


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(admin_url(), timeout=CONNECT_TIMEOUT_S)
    try:
        await conn.execute(sql, timeout=STATEMENT_TIMEOUT_S)
    finally:
        await conn.close()


def _run(sql: str) -> None:
    try:
        asyncio.run(_admin(sql))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise BenchmarkError(f"PostgreSQL: {sql}: {exc}") from None


def available() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        _run("SELECT 1")
    except BenchmarkError as exc:
        return str(exc)
    return None


def create_database(name: str, *, template: str | None = None) -> str:
    """Create database `name` (a copy of `template` when given); return its URL.

    Raises BenchmarkError when PostgreSQL refuses (e.g. the template is in use).
    """
    sql = f"CREATE DATABASE {_checked(name)}"
    if template is not None:
        sql += f" TEMPLATE {_checked(template)}"
    _run(sql)
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop database `name` if it exists, closing its connections (PostgreSQL 13+)."""
    _run(f"DROP DATABASE IF EXISTS {_checked(name)} WITH (FORCE)")


async def count_rows(url: str, table: str) -> int:
    """The number of rows in `table` of the database at `url`."""
    if not re.fullmatch(r"[a-z_]+", table):
        raise BenchmarkError(f"not a table name: {table!r}")
    conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()
