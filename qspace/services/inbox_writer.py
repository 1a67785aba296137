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
from datetime import UTC, datetime

from federation.inbox import ReceivedActivity
from qspace.models import InboxItem, Space
from qspace.services.inbox import activity_type

# Rows per statement at most: SQLite allows 32,766 parameters, eight per row here.
MAX_BATCH = 500


class InboxWriter:
    """One per app; `store` returns once the activity is committed."""

    def __init__(self) -> None:
        self._waiting: list[tuple[InboxItem, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def store(self, received: ReceivedActivity, space: Space | None) -> None:
        """Store a verified activity for the inbox job (`space`: the personal inbox it came
        to, None for the shared inbox). Raises what the insert raised."""
        activity = received.activity
        row = InboxItem(
            ap_id=activity["id"],
            type=activity_type(activity),
            actor_ap_id=received.actor,
            space_id=space.id if space else None,
            payload=activity,
            next_attempt_at=datetime.now(UTC),
        )
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
                    await InboxItem.bulk_create([row for row, _ in batch], ignore_conflicts=True)
                except Exception:
                    # One bad row must not fail the others: store them one by one instead.
                    await _one_by_one(batch)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._writing = None


async def _one_by_one(batch: list[tuple[InboxItem, asyncio.Future[None]]]) -> None:
    for row, done in batch:
        try:
            await InboxItem.bulk_create([row], ignore_conflicts=True)
        except Exception as exc:  # this request answers with the error
            if not done.done():
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(None)
