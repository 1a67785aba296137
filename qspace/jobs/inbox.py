"""The inbox job: apply stored activities (InboxItem rows) with their `on_<type>` handlers.

Items of a batch are applied one after the other in the order they arrived, so a Follow is
applied before its Undo. A handler that fails for a passing reason (the sender's server is
down) is retried with backoff; one that fails because the activity makes no sense here is
done with the reason recorded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from federation.delivery import MAX_ATTEMPTS, backoff_delay
from federation.fetch import BadStatus, FetchError
from qspace.jobs.claim import claim_due
from qspace.models import InboxItem, InboxState
from qspace.services.errors import ServiceError
from qspace.services.inbox import InboxContext, dispatch
from qspace.services.remote_actors import UnusableActor

log = logging.getLogger("qspace.inbox")

BATCH_SIZE = 50
LOCK_FOR = timedelta(minutes=5)
# Processing retries start sooner than deliveries: it is usually one actor fetch that failed.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)


def _permanent(exc: Exception) -> bool:
    """Whether retrying cannot help: a bad activity, or an actor that is gone."""
    if isinstance(exc, ServiceError | UnusableActor):
        return True
    return isinstance(exc, BadStatus) and exc.status_code in (404, 410)


class InboxWorker:
    """Applies due inbox items for one process; `run_due` is its job step."""

    def __init__(self, context: InboxContext, *, batch_size: int = BATCH_SIZE) -> None:
        self._context = context
        self.batch_size = batch_size

    async def run_due(self) -> int:
        """Claim a batch of due items and apply them in arrival order; return how many."""
        ids = await claim_due(
            InboxItem,
            pending=InboxState.PENDING,
            now=datetime.now(UTC),
            limit=self.batch_size,
            lock_for=LOCK_FOR,
        )
        applied: list[int] = []
        try:
            for item in await InboxItem.filter(id__in=ids).order_by("id"):
                if await self._apply(item):
                    applied.append(item.id)
        finally:
            # Applied items are marked done together, in one statement per batch. Should the
            # process stop before this, they are applied again once their lock expires:
            # handlers are idempotent, as they must be for senders' retries anyway.
            if applied:
                await InboxItem.filter(id__in=applied).update(
                    state=InboxState.DONE,
                    processed_at=datetime.now(UTC),
                    locked_until=None,
                    attempts=F("attempts") + 1,
                )
        return len(ids)

    async def _apply(self, item: InboxItem) -> bool:
        """Apply one item; True when it was applied and is to be marked done with its batch,
        else record its new state (a failure, or a type nobody handles) now. Never raises."""
        now = datetime.now(UTC)
        fields: dict[str, object] = {"locked_until": None, "attempts": item.attempts + 1}
        try:
            handled = await dispatch(self._context, item)
        except Exception as exc:
            fields["last_error"] = f"{type(exc).__name__}: {exc}"[:2000]
            if _permanent(exc):
                log.info("inbox item %s (%s) dropped: %s", item.id, item.type, exc)
                fields.update(state=InboxState.DONE, processed_at=now)
            elif item.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("inbox item %s (%s) failed for good: %s", item.id, item.type, exc)
                fields.update(state=InboxState.FAILED, processed_at=now)
            else:
                if not isinstance(exc, FetchError):
                    log.exception("inbox item %s (%s) failed", item.id, item.type)
                delay = backoff_delay(item.attempts + 1, base=RETRY_BASE, cap=RETRY_CAP)
                fields["next_attempt_at"] = now + delay
        else:
            if handled:
                return True
            fields.update(state=InboxState.DONE, processed_at=now)
            fields["last_error"] = f"no handler for {item.type or 'untyped'} activities"
        await InboxItem.filter(id=item.id).update(**fields)
        return False
