"""Committed aerich migrations: they build the current schema, and upgrade older databases."""

from __future__ import annotations

import asyncio
import contextvars
import shutil
from pathlib import Path

import pytest
from aerich import Command

from qspace.db import MIGRATIONS_ROOT, database, dialect_of, tortoise_config
from qspace.migrate import apply_migrations, pending_migrations
from qspace.models import Account
from tests.support.fixtures import BACKENDS, drop_pg_database, new_pg_database_url


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'migrate.db'}"
        return
    url = new_pg_database_url()
    yield url
    drop_pg_database(url)


def committed(url: str) -> list[Path]:
    folder = MIGRATIONS_ROOT / dialect_of(url) / "models"
    return sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_", 1)[0]))


def copy_series(files: list[Path], tmp_path: Path) -> Path:
    location = tmp_path / "series"
    (location / "models").mkdir(parents=True)
    for f in files:
        shutil.copy(f, location / "models" / f.name)
    return location


async def test_migrations_build_exactly_the_current_models(settings, empty_database, tmp_path):
    """Ensures applying every migration leaves nothing for aerich to add: models and migrations
    agree (a model change without its migration fails here)."""
    location = copy_series(committed(empty_database), tmp_path)
    applied = await apply_migrations(settings, url=empty_database, location=location)
    assert len(applied) == len(committed(empty_database))

    async def diff() -> str:
        command = Command(
            tortoise_config=tortoise_config(settings, empty_database),
            app="models",
            location=str(location),
        )
        async with command:
            await command.init()
            return await command.migrate(name="drift", no_input=True)

    task = asyncio.get_running_loop().create_task(diff(), context=contextvars.Context())
    assert await task == ""
    assert list((location / "models").glob("*drift*")) == []


async def test_migrate_upgrades_a_database_made_by_the_previous_migration(
    settings, empty_database, tmp_path
):
    """Ensures `qspace migrate` brings a database at the previous migration up to date and keeps
    its rows."""
    files = committed(empty_database)
    assert len(files) >= 2, "needs a previous migration to upgrade from"
    old = copy_series(files[:-1], tmp_path)
    await apply_migrations(settings, url=empty_database, location=old)
    assert await pending_migrations(settings, url=empty_database) == [files[-1].name]
    async with database(settings, empty_database) as ctx:
        await ctx.db().execute_query(
            "INSERT INTO accounts (username, password_hash, is_admin, is_disabled, record_visits,"
            " totp_enabled, totp_last_step, created_at)"
            " VALUES ('olduser', NULL, TRUE, FALSE, TRUE, FALSE, 0, CURRENT_TIMESTAMP)"
        )

    applied = await apply_migrations(settings, url=empty_database)
    assert applied == [files[-1].name]
    assert await pending_migrations(settings, url=empty_database) == []
    async with database(settings, empty_database):
        kept = await Account.get(username="olduser")
        assert kept.is_admin is True
    # Idempotent: running again applies nothing.
    assert await apply_migrations(settings, url=empty_database) == []
