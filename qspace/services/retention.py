"""Housekeeping of federation rows that would otherwise grow forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qspace.models import InboxItem, InboxState

# A replayed activity is refused by its signature's date window (about an hour) long before
# this, so processed activities needn't be kept for duplicate detection any longer.
INBOX_KEEP = timedelta(days=3)


async def prune_inbox(now: datetime | None = None) -> int:
    """Delete processed (or finally failed) inbox rows older than INBOX_KEEP."""
    cutoff = (now or datetime.now(UTC)) - INBOX_KEEP
    return await InboxItem.filter(
        state__in=[InboxState.DONE, InboxState.FAILED], received_at__lt=cutoff
    ).delete()
