"""What this server tells the world about itself (NodeInfo): usage counts and registrations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from qspace.models import Audience, Item, ItemKind, ItemState, Space
from qspace.services.admin import registration_mode
from qspace.settings import Settings

MONTH = timedelta(days=30)
HALF_YEAR = timedelta(days=180)


@dataclass(frozen=True)
class Usage:
    """NodeInfo usage counts: spaces (users), recently active ones, public local content."""

    total_users: int
    active_month: int
    active_halfyear: int
    local_posts: int
    local_comments: int
    open_registrations: bool


async def usage(settings: Settings, now: datetime | None = None) -> Usage:
    """Count spaces (active = their owner logged in within 30 / 180 days) and public items.

    Posts are the public, published, live local items other than comments; comments are
    counted apart, as NodeInfo's `localComments`.
    """
    now = now or datetime.now(UTC)
    spaces = Space.filter(owner__is_disabled=False)
    public = Item.filter(
        is_local=True, audience=Audience.PUBLIC, state=ItemState.PUBLISHED, deleted_at=None
    )
    return Usage(
        total_users=await spaces.count(),
        active_month=await spaces.filter(owner__last_login_at__gte=now - MONTH).count(),
        active_halfyear=await spaces.filter(owner__last_login_at__gte=now - HALF_YEAR).count(),
        local_posts=await public.exclude(kind=ItemKind.COMMENT).count(),
        local_comments=await public.filter(kind=ItemKind.COMMENT).count(),
        open_registrations=await registration_mode(settings) != "closed",
    )
