"""Remote people in a benchmark's qspace database: actor rows (with their public keys when the
benchmark signs as them) and follows, inserted in bulk.

A real server learns these actors one fetch at a time; a benchmark only needs them stored, as
they would be after those fetches (`fetched_at` now, so nothing is refetched while it runs).
Only `.test` host names are used, and nothing here makes a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from qspace.models import Actor, Follow, FollowState, Space

BATCH = 1000


@dataclass(frozen=True)
class RemoteRow:
    """What a remote actor row needs: its id, inboxes, and its key when it signs."""

    ap_id: str
    inbox: str
    shared_inbox: str | None = None
    key_id: str | None = None
    public_key_pem: str | None = None

    @property
    def domain(self) -> str:
        return self.ap_id.split("/")[2]

    @property
    def username(self) -> str:
        return self.ap_id.rstrip("/").rsplit("/", 1)[-1]


async def insert_remote_actors(rows: Sequence[RemoteRow]) -> dict[str, int]:
    """Insert the actors (Mastodon-like documents' fields) and return {ap_id: row id}."""
    now = datetime.now(UTC)
    actors = [
        Actor(
            ap_id=row.ap_id,
            username=row.username,
            domain=row.domain,
            is_local=False,
            display_name=row.username.title(),
            url=row.ap_id,
            inbox=row.inbox,
            shared_inbox=row.shared_inbox,
            outbox=f"{row.ap_id}/outbox",
            followers_url=f"{row.ap_id}/followers",
            following_url=f"{row.ap_id}/following",
            key_id=row.key_id,
            public_key_pem=row.public_key_pem,
            manually_approves=False,
            fetched_at=now,
        )
        for row in rows
    ]
    await Actor.bulk_create(actors, batch_size=BATCH)
    ids: dict[str, int] = {}
    wanted = [row.ap_id for row in rows]
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found = await Actor.filter(ap_id__in=chunk).values_list("ap_id", "id")
        ids.update({str(ap_id): int(actor_id) for ap_id, actor_id in found})
    return ids


async def add_follows(
    space_name: str, actor_ids: Sequence[int], *, space_follows: bool, followed_by: bool
) -> None:
    """Accepted follows between the space and each actor: the space follows them
    (`space_follows`), and/or they follow the space (`followed_by`)."""
    space = await Space.get(name=space_name)
    now = datetime.now(UTC)
    follows = []
    for actor_id in actor_ids:
        pairs = []
        if space_follows:
            pairs.append((space.actor_id, actor_id))
        if followed_by:
            pairs.append((actor_id, space.actor_id))
        follows += [
            Follow(
                follower_id=follower,
                followed_id=followed,
                state=FollowState.ACCEPTED,
                accepted_at=now,
            )
            for follower, followed in pairs
        ]
    await Follow.bulk_create(follows, batch_size=BATCH)
