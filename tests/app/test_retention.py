"""Housekeeping: processed inbox rows are pruned after a few days, pending ones never."""

from datetime import UTC, datetime, timedelta

from qspace.models import InboxItem, InboxState
from qspace.services.retention import prune_inbox


async def test_old_processed_inbox_rows_are_pruned_and_pending_kept(db):
    """Ensures only processed rows past the retention are deleted."""
    now = datetime.now(UTC)
    for n, (state, age) in enumerate(
        [
            (InboxState.DONE, 10),
            (InboxState.FAILED, 10),
            (InboxState.PENDING, 10),
            (InboxState.DONE, 1),
        ]
    ):
        row = await InboxItem.create(
            ap_id=f"https://remote.test/a/{n}",
            type="Create",
            actor_ap_id="https://remote.test/u",
            payload={},
            state=state,
            next_attempt_at=now,
        )
        await InboxItem.filter(id=row.id).update(received_at=now - timedelta(days=age))
    assert await prune_inbox(now) == 2
    left = await InboxItem.all().values_list("state", flat=True)
    assert sorted(left) == sorted([InboxState.PENDING, InboxState.DONE])
