"""Claiming due rows of a job table so that several workers never work on the same row.

A claim sets `locked_until` (and `locked_by` where the table has it); other workers skip rows
locked into the future, and a claim made by a process that died expires by itself.

PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks rows no concurrent claim is looking at,
then they are locked in the same transaction. SQLite has one writer at a time and no row locks:
the candidates are taken with a conditional `UPDATE ... WHERE locked_until IS NULL OR
locked_until < now`, which succeeds for exactly one worker per row. With an owner name, one
UPDATE takes them all and the rows now carrying this claim (its owner and lock time) are read
back; without one (tables without `locked_by`), each row is taken by its own UPDATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction


def due_filter(now: datetime, pending: Any) -> Q:
    """Rows in state `pending`, due by `now`, and not locked by a live claim."""
    return Q(state=pending, next_attempt_at__lte=now) & (
        Q(locked_until=None) | Q(locked_until__lt=now)
    )


async def claim_due(
    model: type[Model],
    *,
    pending: Any,
    now: datetime,
    limit: int,
    lock_for: timedelta,
    owner: str | None = None,
) -> list[int]:
    """Claim up to `limit` due rows of `model` (oldest due first) and return their ids.

    Side effect: sets `locked_until = now + lock_for` (and `locked_by = owner` when given).
    """
    lock: dict[str, Any] = {"locked_until": now + lock_for}
    if owner is not None:
        lock["locked_by"] = owner
    due = due_filter(now, pending)
    if model._meta.db.capabilities.support_for_update:
        async with in_transaction():
            rows = (
                await model.filter(due)
                .order_by("next_attempt_at", "id")
                .limit(limit)
                .select_for_update(skip_locked=True)
                .only("id")
            )
            ids = [row.pk for row in rows]
            if ids:
                await model.filter(id__in=ids).update(**lock)
        return ids
    candidates = list(
        await model.filter(due)
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not candidates:
        return []
    if owner is not None:
        # Unique per claim: a worker's name is unique and its clock moves on between claims.
        await model.filter(due, id__in=candidates).update(**lock)
        mine = set(await model.filter(id__in=candidates, **lock).values_list("id", flat=True))
        return [row_id for row_id in candidates if row_id in mine]
    claimed = []
    for row_id in candidates:
        if await model.filter(due, id=row_id).update(**lock):
            claimed.append(row_id)
    return claimed
