"""Generate the next aerich migration for both SQLite and PostgreSQL from the current models.

Usage: .venv/bin/python scripts/make_migration.py NAME [--postgres URL]

Each dialect gets its own series (aerich writes dialect-specific SQL). The script builds a scratch
database per dialect, applies the committed migrations, then asks aerich for the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import subprocess
import sys
import tempfile
import uuid
import warnings
from pathlib import Path

import asyncpg
from aerich import Command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qspace.db import MIGRATIONS_ROOT, tortoise_config
from qspace.settings import SecuritySettings, Settings

SETTINGS = Settings(security=SecuritySettings(secret_key="x" * 32))


async def generate(url: str, dialect: str, name: str) -> None:
    location = MIGRATIONS_ROOT / dialect
    config = tortoise_config(SETTINGS, url)
    command = Command(tortoise_config=config, app="models", location=str(location))
    existing = list((location / "models").glob("*.py")) if (location / "models").exists() else []
    async with command:
        if not existing:
            await command.init_db(safe=True)
            print(f"{dialect}: wrote the initial migration")
            check_compiles(location)
            return
        await command.init()
        await command.upgrade(run_in_transaction=True)
        # aerich diffs against the newest *applied* version, read at init: read it again now.
        await command.init()
        made = await command.migrate(name=name, no_input=True)
        print(f"{dialect}: {made or 'no changes'}")
    check_compiles(location)


def check_compiles(location: Path) -> None:
    """aerich copies model docstrings into SQL comments; a backslash there would make the
    migration file warn (invalid escape) when imported, so refuse such files early."""
    for path in sorted((location / "models").glob("*.py")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")


async def in_fresh_context(coro) -> None:
    await asyncio.get_running_loop().create_task(coro, context=contextvars.Context())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--dialect", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    if args.dialect is None:
        # aerich keeps its diff state in class attributes: one process per dialect, or the
        # second series would also receive the first one's SQL.
        for dialect in ("sqlite", "postgres"):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    args.name,
                    "--postgres",
                    args.postgres,
                    "--dialect",
                    dialect,
                ],
                check=True,
            )
        return
    if args.dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            await in_fresh_context(generate(f"sqlite://{tmp}/scratch.db", "sqlite", args.name))
        return
    scratch = f"qspace_migration_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        base = args.postgres.rsplit("/", 1)[0]
        await in_fresh_context(generate(f"{base}/{scratch}", "postgres", args.name))
    finally:
        await admin.execute(f'DROP DATABASE "{scratch}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
