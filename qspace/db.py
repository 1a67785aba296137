"""Database connections: the Tortoise configuration for SQLite and PostgreSQL, and its scope.

Each app owns one TortoiseContext (not global state), so two qspace apps can run in one process
(the in-process federation tests do) and a request, a job or a CLI command always knows which
database it talks to.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tortoise.context import TortoiseContext

# Tortoise keeps the active context in a ContextVar. Its own `with ctx:` stores the reset token on
# the context object, which breaks when many requests enter the same context concurrently; we
# keep the token on the stack instead.
from tortoise.context import _current_context as _tortoise_current_context

from qspace.settings import Settings

MODEL_MODULES = ["qspace.models", "aerich.models"]
MIGRATIONS_ROOT = Path(__file__).parent / "migrations"


def dialect_of(url: str) -> str:
    """Return "sqlite" or "postgres" for a database URL."""
    return "sqlite" if urlsplit(url).scheme == "sqlite" else "postgres"


def connection_config(settings: Settings, url: str | None = None) -> dict[str, Any]:
    """Build the Tortoise connection dict for the configured database."""
    url = url or settings.database_url
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///abs/path, sqlite://relative/path or sqlite://:memory:
        path = unquote(url[len("sqlite://") :].split("?", 1)[0])
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                # WAL lets readers and the writer work at once; NORMAL is durable against
                # application crashes in WAL mode (see benchmarks/README.md for the cost of FULL).
                "journal_mode": "WAL",
                "synchronous": settings.database.sqlite_synchronous,
                "busy_timeout": settings.database.sqlite_busy_timeout_ms,
                "foreign_keys": "ON",
            },
        }
    query = dict(parse_qsl(parts.query))
    credentials: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or "qspace",
        "minsize": 1,
        "maxsize": settings.database.pool_max_size,
        "reset": _keep_session_state,
    }
    if "schema" in query:
        credentials["schema"] = query["schema"]
        credentials["server_settings"] = {"search_path": query["schema"]}
    return {"engine": "tortoise.backends.asyncpg", "credentials": credentials}


async def _keep_session_state(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs on release beyond asyncpg's own rollback of
    an open transaction: nothing. qspace sets no session state (no SET, LISTEN, advisory lock
    or cursor), and asyncpg's default reset costs a round trip after every query."""


def tortoise_config(settings: Settings, url: str | None = None) -> dict[str, Any]:
    url = url or settings.database_url
    # The connection is named after its dialect: Tortoise caches compiled SQL per connection name
    # and model (process-wide), so a SQLite and a PostgreSQL database used one after the other in
    # one process (the test suite does) must not share a name.
    name = dialect_of(url)
    return {
        "connections": {name: connection_config(settings, url)},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": name}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings, url: str | None = None) -> TortoiseContext:
    """Open (lazily connect) the database and return its context; the caller closes it."""
    ctx = TortoiseContext()
    with use_database(ctx):  # Tortoise resolves model connections through the current context
        await ctx.init(config=tortoise_config(settings, url))
    return ctx


@contextlib.contextmanager
def use_database(ctx: TortoiseContext) -> Iterator[None]:
    """Make `ctx` the database of the current task for the duration of the block."""
    token = _tortoise_current_context.set(ctx)
    try:
        yield
    finally:
        _tortoise_current_context.reset(token)


@contextlib.asynccontextmanager
async def database(settings: Settings, url: str | None = None) -> AsyncIterator[TortoiseContext]:
    """Open the database, make it current, and close it on exit (CLI commands use this)."""
    ctx = await open_database(settings, url)
    try:
        with use_database(ctx):
            yield ctx
    finally:
        await ctx.close_connections()


class DatabaseScope:
    """ASGI middleware: every request and lifespan event runs with the app's database current."""

    def __init__(self, app: Any, get_context: Any) -> None:
        self.app = app
        self.get_context = get_context

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        ctx = self.get_context()
        if ctx is None:  # lifespan startup, before the database is open
            await self.app(scope, receive, send)
            return
        with use_database(ctx):
            await self.app(scope, receive, send)
