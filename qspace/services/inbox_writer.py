"""Storing received activities in groups: one insert for every delivery that arrived meanwhile.

An inbox answers 202 only once the activity is stored (nothing acknowledged is lost), and under
load most of its time went to one insert per delivery. The writer keeps at most one insert
running: deliveries that arrive while it runs wait for the next one, which stores them all in
one statement and one transaction (one fsync with `synchronous=FULL`). A lone delivery is
written at once, so nothing waits longer than one insert.

Duplicates (a replay, or the same activity from two inboxes at once) are skipped by the unique
activity id, in the batch as across batches.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime
from typing import Any

from tortoise.fields.data import JSON_DUMPS

from federation.inbox import ReceivedActivity
from qspace.models import InboxItem, InboxState, Space
from qspace.services.inbox import activity_type

# Rows per statement at most (executemany runs the statement once per row, in one transaction).
MAX_BATCH = 500

# The insert is written out, not built by the ORM: building a bulk insert (query builder, model
# instances, per-field conversion) cost more than the insert itself on every delivery. The
# columns are the model's; the values are checked against the model's field limits in `store`.
# SQLite is given datetimes as datetimes, formatted by the adapter Tortoise registers, so the
# stored text is what the ORM writes and compares.
_COLUMNS = (
    "ap_id",
    "type",
    "actor_ap_id",
    "space_id",
    "payload",
    "state",
    "attempts",
    "next_attempt_at",
    "received_at",
)


@functools.cache
def _insert_sql(dialect: str) -> str:
    marks = [f"${n}" for n in range(1, len(_COLUMNS) + 1)] if dialect == "postgres" else None
    values = ", ".join(marks or ["?"] * len(_COLUMNS))
    table = InboxItem._meta.db_table
    return (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({values}) "
        "ON CONFLICT (ap_id) DO NOTHING"
    )


_AP_ID = InboxItem._meta.fields_map["ap_id"]
_ACTOR = InboxItem._meta.fields_map["actor_ap_id"]

Row = list[Any]


class InboxWriter:
    """One per app; `store` returns once the activity is committed."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Row, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def store(self, received: ReceivedActivity, space: Space | None) -> None:
        """Store a verified activity for the inbox job (`space`: the personal inbox it came
        to, None for the shared inbox). Raises ValidationError for a value longer than the
        model allows, else what the insert raised."""
        activity = received.activity
        _AP_ID.validate(activity["id"])
        _ACTOR.validate(received.actor)
        now = datetime.now(UTC)
        row = [
            activity["id"],
            activity_type(activity),
            received.actor,
            space.id if space else None,
            JSON_DUMPS(activity),
            InboxState.PENDING.value,
            0,
            now,
            now,
        ]
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writing is None:
            # The task copies this request's context: the app's database is current in it.
            self._writing = asyncio.create_task(self._write_all())
        # Shielded: a delivery whose sender hung up is still stored with its batch.
        await asyncio.shield(done)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    await _insert([row for row, _ in batch])
                except Exception:
                    # One bad row must not fail the others: store them one by one instead.
                    await _one_by_one(batch)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._writing = None


async def _insert(rows: list[Row]) -> None:
    """Insert the rows in one transaction, skipping ids already stored."""
    db = InboxItem._meta.db
    await db.execute_many(_insert_sql(db.capabilities.dialect), rows)


async def _one_by_one(batch: list[tuple[Row, asyncio.Future[None]]]) -> None:
    for row, done in batch:
        try:
            await _insert([row])
        except Exception as exc:  # this request answers with the error
            if not done.done():
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(None)
