"""Sending activities: store an activity once and queue one delivery per target inbox.

No network I/O happens here: the rows are written in one transaction and the delivery job
(`qspace/jobs/delivery.py`) sends them, signed at send time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx
from tortoise.transactions import in_transaction

from federation.delivery import Recipient, group_by_shared_inbox
from qspace.models import Actor, Delivery, Follow, FollowState, Item, OutgoingActivity
from qspace.services.errors import ServiceError


def inbox_host(inbox_url: str) -> str:
    """The `host[:port]` of an inbox: the unit of per-host limits and host memory.

    Raises ServiceError for a URL without a host.
    """
    try:
        netloc = httpx.URL(inbox_url).netloc.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeDecodeError):
        netloc = ""
    if not netloc:
        raise ServiceError(f"Not an inbox URL: {inbox_url!r}")
    return netloc


async def enqueue_activity(
    activity: dict[str, Any],
    *,
    actor: Actor | None,
    inboxes: list[str],
    item: Item | None = None,
) -> OutgoingActivity:
    """Store an activity and one pending Delivery per distinct remote inbox, atomically.

    `actor` is the local signer (None: the instance actor). Inboxes on this server (the
    actor's own domain) are skipped: local people get activities directly, not over HTTP.
    Raises ServiceError for an activity without id or type, or an inbox that is not a URL.
    """
    ap_id, kind = activity.get("id"), activity.get("type")
    if not isinstance(ap_id, str) or not isinstance(kind, str):
        raise ServiceError("An activity needs an id and a type.")
    local_domain = actor.domain.lower() if actor is not None else None
    targets: dict[str, str] = {}
    for inbox in inboxes:
        host = inbox_host(inbox)
        if host != local_domain:
            targets.setdefault(inbox, host)
    now = datetime.now(UTC)
    async with in_transaction():
        outgoing = await OutgoingActivity.create(
            ap_id=ap_id, type=kind[:32], actor=actor, item=item, payload=activity
        )
        await Delivery.bulk_create(
            [
                Delivery(activity=outgoing, inbox_url=inbox, host=host, next_attempt_at=now)
                for inbox, host in targets.items()
            ]
        )
    return outgoing


def recipients_of(actors: Iterable[Actor], *, use_shared_inbox: bool = False) -> list[Recipient]:
    """Where these remote actors take deliveries (local actors are left out).

    With `use_shared_inbox`, actors on one server share a single delivery to its shared
    inbox: right for public activities, whose addressing the receiver reads; activities
    meant for one person go to personal inboxes.
    """
    return [
        Recipient(a.ap_id, a.inbox, a.shared_inbox, use_shared_inbox)
        for a in actors
        if not a.is_local and a.inbox and a.deleted_at is None
    ]


def inboxes_of(actors: Iterable[Actor], *, use_shared_inbox: bool = False) -> list[str]:
    """The distinct inboxes that reach these remote actors (see `recipients_of`)."""
    return group_by_shared_inbox(recipients_of(actors, use_shared_inbox=use_shared_inbox))


async def follower_recipients(actor: Actor, *, use_shared_inbox: bool) -> list[Recipient]:
    """Where the accepted remote followers of `actor` take deliveries, in follow order.

    Read as plain rows in one joined query: a post to ten thousand followers needs their
    inboxes, and building ten thousand Actor instances took most of the time of publishing it.
    """
    rows = (
        await Follow.filter(
            followed_id=actor.id,
            state=FollowState.ACCEPTED,
            follower__is_local=False,
            follower__deleted_at=None,
        )
        .order_by("follower_id")
        .values_list("follower__ap_id", "follower__inbox", "follower__shared_inbox")
    )
    return [
        Recipient(ap_id, inbox, shared_inbox, use_shared_inbox)
        for ap_id, inbox, shared_inbox in rows
        if inbox
    ]


async def follower_inboxes(
    actor: Actor, *, also: Iterable[Actor] = (), use_shared_inbox: bool = True
) -> list[str]:
    """The distinct inboxes of an actor's accepted remote followers and of the actors in
    `also`; one shared inbox per server unless `use_shared_inbox` is False."""
    followers = await follower_recipients(actor, use_shared_inbox=use_shared_inbox)
    others = recipients_of(also, use_shared_inbox=use_shared_inbox)
    return group_by_shared_inbox([*followers, *others])
