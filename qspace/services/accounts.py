"""Accounts: creating people who can log in, and changing what an admin controls."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.jsonld import AS_CONTEXT, PUBLIC
from qspace.i18n import gettext as _
from qspace.models import Account, Actor, Follow, Item, Like, Media, ServerState, Share, Space
from qspace.passwords import hash_password
from qspace.services.errors import Conflict, ServiceError
from qspace.services.outbox import enqueue_activity, inboxes_of
from qspace.urls import Urls

USERNAME_RE = re.compile(r"[a-z0-9_]{1,30}")


def check_username(username: str) -> str:
    """Normalise and validate a username; raise ServiceError with the rule it breaks."""
    username = username.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise ServiceError(
            _("Names use 1 to 30 characters: lowercase letters, digits and underscores.")
        )
    return username


def check_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise ServiceError(
            _("Passwords need at least %(count)d characters.") % {"count": min_length}
        )
    if len(password) > 1024:
        raise ServiceError(_("Passwords may have at most %(count)d characters.") % {"count": 1024})


async def create_account(
    username: str, password: str | None, *, min_password_length: int, is_admin: bool = False
) -> Account:
    """Create an account; `password=None` makes one that cannot log in with a password.

    Raises Conflict if the name is taken, ServiceError for a bad name or password.
    """
    username = check_username(username)
    if password is not None:
        check_password(password, min_password_length)
    async with in_transaction():
        if await Account.filter(username=username).exists():
            raise Conflict(_("The account name '%(name)s' is taken.") % {"name": username})
        return await Account.create(
            username=username,
            password_hash=hash_password(password) if password is not None else None,
            is_admin=is_admin,
        )


RETIRED_KEY_PREFIX = "retired_key:"


async def delete_account(account: Account, media_root: Path, urls: Urls) -> list[str]:
    """Delete an account: its spaces and everything they hold, what its spaces wrote elsewhere,
    their follows, likes and media files.

    Each space's actor stays as a tombstone (deleted_at set, profile emptied; its name is never
    reused) and its key is kept, so the `Delete` of the actor queued here for the servers that
    know it can still be signed. Returns the ActivityPub ids of the deleted actors.
    """
    spaces = await Space.filter(owner_id=account.id).select_related("actor")
    actor_ids = [s.actor_id for s in spaces]
    media = await Media.filter(owner_id__in=[s.id for s in spaces])
    files = [media_root / v["path"] for m in media for v in m.variants.values() if "path" in v]
    now = datetime.now(UTC)
    async with in_transaction():
        for space in spaces:
            actor = space.actor
            known = await _known_inboxes(actor)
            await ServerState.update_or_create(
                key=f"{RETIRED_KEY_PREFIX}{actor.id}",
                defaults={
                    "value": {
                        "key_id": urls.key_id(space.name),
                        "private_key_pem": space.private_key_pem,
                    }
                },
            )
            if known:
                await enqueue_activity(
                    {
                        "@context": AS_CONTEXT,
                        "id": f"{actor.ap_id}#delete",
                        "type": "Delete",
                        "actor": actor.ap_id,
                        "to": [PUBLIC],
                        "object": actor.ap_id,
                    },
                    actor=actor,
                    inboxes=known,
                )
        await Item.filter(author_id__in=actor_ids).delete()
        await Follow.filter(Q(follower_id__in=actor_ids) | Q(followed_id__in=actor_ids)).delete()
        await Like.filter(actor_id__in=actor_ids).delete()
        await Share.filter(actor_id__in=actor_ids).delete()
        await Space.filter(id__in=[s.id for s in spaces]).delete()
        await Actor.filter(id__in=actor_ids).update(
            deleted_at=now, display_name="", summary_html="", icon_url=None, image_url=None
        )
        await Account.filter(id=account.id).delete()
    for path in files:
        if path.resolve().is_relative_to(media_root.resolve()):
            path.unlink(missing_ok=True)
    return [s.actor.ap_id for s in spaces]


async def _known_inboxes(actor: Actor) -> list[str]:
    """Inboxes of the remote people who follow or are followed by `actor` (shared inboxes)."""
    ids = set(await Follow.filter(followed_id=actor.id).values_list("follower_id", flat=True))
    ids |= set(await Follow.filter(follower_id=actor.id).values_list("followed_id", flat=True))
    people = await Actor.filter(id__in=list(ids), is_local=False, deleted_at=None).order_by("id")
    return inboxes_of(list(people), use_shared_inbox=True)
