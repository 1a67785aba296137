"""Schema migrations with aerich.

aerich writes SQL for one dialect per migration file, so qspace keeps one committed series per
database: `qspace/migrations/sqlite/models/` and `qspace/migrations/postgres/models/`, generated
from the same models by `scripts/make_migration.py`. `qspace migrate` applies the series that
matches the configured database.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from tortoise.exceptions import OperationalError

from qspace.db import MIGRATIONS_ROOT, database, dialect_of, tortoise_config
from qspace.settings import Settings

T = TypeVar("T")


def migrations_location(url: str, root: Path = MIGRATIONS_ROOT) -> Path:
    return root / dialect_of(url)


async def _isolated(fn: Callable[[], Awaitable[T]]) -> T:
    """Run `fn` in a fresh context: aerich initialises Tortoise globally for the current task,
    which must not disturb a database the caller already has open."""
    task = asyncio.get_running_loop().create_task(fn(), context=contextvars.Context())
    return await task


async def apply_migrations(
    settings: Settings, *, url: str | None = None, location: Path | None = None
) -> list[str]:
    """Apply every migration not yet applied; return the names of those applied.

    Idempotent: a database already up to date is left as it is.
    """
    url = url or settings.database_url
    config = tortoise_config(settings, url)
    where = location or migrations_location(url)

    async def run() -> list[str]:
        from aerich import Command  # only migrating needs aerich (see pending_migrations)

        command = Command(tortoise_config=config, app="models", location=str(where))
        async with command:
            await command.init()
            applied: list[str] = await command.upgrade(run_in_transaction=True)
        return applied

    return await _isolated(run)


async def pending_migrations(settings: Settings, *, url: str | None = None) -> list[str]:
    """Names of the committed migrations the database has not applied yet.

    Read from aerich's own record (table `aerich`, one row per applied file) rather than through
    aerich: `qspace serve` checks this at start, and loading aerich there would stay in an idle
    server's memory (about 2 MiB) for nothing. A database without the table has applied none.
    """
    url = url or settings.database_url
    committed = _version_files(migrations_location(url) / "models")
    async with database(settings, url) as ctx:
        try:
            rows = await ctx.db().execute_query_dict(
                "SELECT version FROM aerich WHERE app = 'models'"
            )
        except OperationalError:  # a new, empty database has no aerich table yet
            rows = []
    applied = {row["version"] for row in rows}
    return [name for name in committed if name not in applied]


def _version_files(directory: Path) -> list[str]:
    """The migration files in order, as aerich names and orders them: `<number>_<name>.py`."""
    numbered = [
        path.name
        for path in directory.glob("*.py")
        if "_" in path.stem and path.stem.split("_", 1)[0].isdigit()
    ]
    return sorted(numbered, key=lambda name: int(name.split("_", 1)[0]))
