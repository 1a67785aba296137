"""The inbox baseline: a bare Starlette endpoint that verifies an inbox POST and stores it.

What it does per request is the least an inbox must do: read the body, parse the JSON, verify
the draft-cavage signature with `federation.signatures.verify_request` (digest, date window,
RSA) against keys held in memory, check that the key's owner is the activity's actor, and insert
one row (activity id, actor, body) in a single autocommitted statement, answering 202. It leaves
out everything qspace does on top: its middleware, the key lookup through the database and its
cache, the replay check, the blocked-domain check, the ORM, the job table's columns.

SQLite goes through the standard library's `sqlite3` in the event loop (one statement per
request; WAL, `synchronous` as given), PostgreSQL through an asyncpg pool. uvicorn serves it with
the settings of `qspace serve` (benchmarks/baseline_app.py: uvicorn_config).

    python -m benchmarks.baseline_inbox --port P --keys KEYS.json --domain bench.test
        (--sqlite FILE [--synchronous NORMAL|FULL] | --postgres URL)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from benchmarks.baseline_app import uvicorn_config
from federation.errors import FederationError
from federation.signatures import PublicKeyInfo, verify_request

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS inbox_rows "
    "(id {serial} PRIMARY KEY, ap_id TEXT NOT NULL UNIQUE, actor TEXT NOT NULL, "
    "payload TEXT NOT NULL, received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)


class Store(Protocol):
    async def open(self) -> None: ...
    async def insert(self, ap_id: str, actor: str, payload: str) -> None: ...
    async def close(self) -> None: ...


class SqliteStore:
    """One sqlite3 connection in autocommit mode, used from the event loop."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.path = path
        self.synchronous = synchronous
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={self.synchronous}")
        self._db.execute(TABLE_SQL.format(serial="INTEGER"))

    async def insert(self, ap_id: str, actor: str, payload: str) -> None:
        assert self._db is not None
        self._db.execute(
            "INSERT OR IGNORE INTO inbox_rows (ap_id, actor, payload) VALUES (?, ?, ?)",
            (ap_id, actor, payload),
        )

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()


class PostgresStore:
    """An asyncpg pool (as large as qspace's default pool, 10)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
        await self._pool.execute(TABLE_SQL.format(serial="BIGSERIAL"))

    async def insert(self, ap_id: str, actor: str, payload: str) -> None:
        assert self._pool is not None
        await self._pool.execute(
            "INSERT INTO inbox_rows (ap_id, actor, payload) VALUES ($1, $2, $3) "
            "ON CONFLICT (ap_id) DO NOTHING",
            ap_id,
            actor,
            payload,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def load_keys(path: Path) -> dict[str, PublicKeyInfo]:
    """{key id: key} from a JSON file of `{"key_id", "owner", "public_key_pem"}` objects."""
    return {k["key_id"]: PublicKeyInfo(**k) for k in json.loads(path.read_text("utf-8"))}


def create_app(domain: str, keys: dict[str, PublicKeyInfo], store: Store) -> Starlette:
    """The bare inbox at `POST /inbox` (signed for https://`domain`/inbox) and `/healthz`."""
    inbox_url = f"https://{domain}/inbox"

    async def get_key(key_id: str, refresh: bool) -> PublicKeyInfo | None:
        return keys.get(key_id)

    async def inbox(request: Request) -> Response:
        body = await request.body()
        try:
            activity: Any = json.loads(body)
            verified = await verify_request("POST", inbox_url, request.headers, body, get_key)
        except ValueError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        except FederationError as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        if not isinstance(activity, dict) or activity.get("actor") != verified.owner:
            return JSONResponse({"error": "key owner mismatch"}, status_code=401)
        await store.insert(str(activity.get("id")), verified.owner, body.decode())
        return Response(status_code=202)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            yield
        finally:
            await store.close()

    return Starlette(
        routes=[Route("/inbox", inbox, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the bare inbox until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--domain", required=True, help="the host the requests were signed for")
    parser.add_argument("--keys", type=Path, required=True, help="the senders' public keys")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path, help="SQLite database file")
    where.add_argument("--postgres", help="PostgreSQL database URL")
    parser.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    args = parser.parse_args(argv)
    store: Store = (
        SqliteStore(args.sqlite, args.synchronous) if args.sqlite else PostgresStore(args.postgres)
    )
    app = create_app(args.domain, load_keys(args.keys), store)
    server = uvicorn.Server(uvicorn_config(app, args.host, args.port))
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
