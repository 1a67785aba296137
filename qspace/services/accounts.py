"""Accounts: creating people who can log in, and changing what an admin controls."""

from __future__ import annotations

import re
from pathlib import Path

from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Account, Actor, Media, Space
from qspace.passwords import hash_password
from qspace.services.errors import Conflict, ServiceError

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


async def delete_account(account: Account, media_root: Path) -> list[str]:
    """Delete an account with its spaces, their items, follows, media rows and media files.

    Returns the ActivityPub ids of the deleted spaces' actors.
    """
    spaces = await Space.filter(owner_id=account.id)
    actor_ids = [s.actor_id for s in spaces]
    ap_ids = list(await Actor.filter(id__in=actor_ids).values_list("ap_id", flat=True))
    media = await Media.filter(owner_id__in=[s.id for s in spaces])
    files = [media_root / v["path"] for m in media for v in m.variants.values() if "path" in v]
    async with in_transaction():
        # Deleting the actors cascades to their spaces, items, follows, likes and media rows.
        await Actor.filter(id__in=actor_ids).delete()
        await Account.filter(id=account.id).delete()
    for path in files:
        if path.resolve().is_relative_to(media_root.resolve()):
            path.unlink(missing_ok=True)
    return ap_ids
