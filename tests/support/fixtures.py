"""Fixtures shared by the whole suite: settings, a fresh database per test, the app, a client.

Database tests run on SQLite always and on PostgreSQL too when QSPACE_TEST_DATABASE_URL is set
(each run creates its own database there, so concurrent runs never collide).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from qspace.app import create_app
from qspace.db import open_database, use_database
from qspace.settings import (
    FederationSettings,
    SecuritySettings,
    ServerSettings,
    Settings,
)

PG_URL = os.environ.get("QSPACE_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
TEST_SECRET = "test-secret-" + "x" * 40


def make_settings(data_dir: Path, *, domain: str = "local.test", **sections: object) -> Settings:
    """Settings for a test server; `sections` replaces whole sections (e.g. federation=...)."""
    base = Settings(
        server=ServerSettings(domain=domain, scheme="https", data_dir=str(data_dir)),
        security=SecuritySettings(secret_key=TEST_SECRET),
        federation=FederationSettings(),
    )
    return Settings(**{**base.__dict__, **sections})  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


async def _admin_connect() -> asyncpg.Connection:
    return await asyncpg.connect(PG_URL)


def _run_in_thread(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion on its own loop in a thread: the callers may already be
    inside pytest-asyncio's running loop, where asyncio.run() is not allowed."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro_fn()).result()


def _pg_execute(sql: str) -> None:
    async def run() -> None:
        conn = await _admin_connect()
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _run_in_thread(run)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, dropped at the end."""
    if not PG_URL:
        pytest.skip("QSPACE_TEST_DATABASE_URL is not set")
    url = new_pg_database_url()
    yield url
    drop_pg_database(url)


def new_pg_database_url() -> str:
    """Create a scratch PostgreSQL database; the caller drops it with drop_pg_database()."""
    name = f"qspace_test_{os.getpid()}_{secrets.token_hex(4)}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_pg_schema_ready: set[str] = set()


async def fresh_database(settings: Settings, backend: str, pg: str | None) -> TortoiseContext:
    """An open, empty database with the current schema, made current for the caller."""
    if backend == "sqlite":
        ctx = await open_database(settings, "sqlite://:memory:")
        with use_database(ctx):
            await ctx.generate_schemas(safe=False)
        return ctx
    assert pg is not None
    ctx = await open_database(settings, pg)
    with use_database(ctx):
        if pg not in _pg_schema_ready:
            await ctx.generate_schemas(safe=True)
            _pg_schema_ready.add(pg)
        else:
            conn = ctx.db()
            tables = [
                row["tablename"]
                for row in await conn.execute_query_dict(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            if tables:
                quoted = ", ".join(f'"{t}"' for t in tables)
                await conn.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    return ctx


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db(
    backend: str, settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[TortoiseContext]:
    """A fresh database with the current schema, current for the test (SQLite and PostgreSQL)."""
    pg = request.getfixturevalue("pg_url") if backend == "postgres" else None
    ctx = await fresh_database(settings, backend, pg)
    with use_database(ctx):
        yield ctx
    await ctx.close_connections()


@pytest.fixture
def app(settings: Settings, db: TortoiseContext) -> Starlette:
    return create_app(settings, database=db, run_worker=False)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://local.test") as c:
        yield c
