"""Invites: single-use, expiring links an admin hands out when sign-up is by invitation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Account, Invite, Space
from qspace.services import spaces
from qspace.services.errors import NotFound, ServiceError
from qspace.services.sessions import token_hash
from qspace.urls import Urls


async def create_invite(admin: Account, *, hours: int, note: str = "") -> tuple[str, Invite]:
    """Make an invite; returns (token, row). Only the hash is stored: the token is shown once."""
    token = secrets.token_urlsafe(24)
    invite = await Invite.create(
        token_hash=token_hash(token),
        created_by=admin,
        note=note[:200],
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
    )
    return token, invite


async def find_usable_invite(token: str) -> Invite:
    """The invite for `token` if unused and unexpired; NotFound otherwise."""
    invite = await Invite.get_or_none(token_hash=token_hash(token or ""))
    if invite is None or invite.used_at is not None or invite.expires_at <= datetime.now(UTC):
        raise NotFound(_("This invite link is not valid (used, expired or mistyped)."))
    return invite


async def revoke_invite(invite_id: int) -> None:
    await Invite.filter(id=invite_id, used_at=None).delete()


async def sign_up(
    urls: Urls,
    *,
    username: str,
    password: str,
    min_password_length: int,
    invite_token: str | None,
) -> tuple[Account, Space]:
    """Create an account and its space; with an invite, spend it in the same transaction.

    Raises NotFound for a bad invite, Conflict for a taken name, ServiceError for bad input.
    """
    async with in_transaction():
        if invite_token is not None:
            invite = await find_usable_invite(invite_token)
        account, space = await spaces.create_account_with_space(
            urls, username=username, password=password, min_password_length=min_password_length
        )
        if invite_token is not None:
            # Conditional update: of two sign-ups racing on one invite, only one wins.
            spent = await Invite.filter(id=invite.id, used_at=None).update(
                used_at=datetime.now(UTC), used_by_id=account.id
            )
            if not spent:
                raise ServiceError(_("This invite link was just used."))
    return account, space
