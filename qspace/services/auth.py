"""Logging in: passwords (argon2id), rate limits, and the two-factor step."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from qspace.i18n import N_
from qspace.i18n import gettext as _
from qspace.models import Account
from qspace.passwords import hash_password, needs_rehash, verify_password
from qspace.services import limits, twofactor
from qspace.services.accounts import check_password
from qspace.services.errors import Forbidden, ServiceError

WRONG_CREDENTIALS = N_("Wrong account name or password.")


@dataclass(frozen=True)
class LoginResult:
    account: Account
    needs_second_factor: bool


async def check_credentials(
    username: str, password: str, *, ip: str, per_minute: int
) -> LoginResult:
    """Check a login attempt; every attempt counts against the address and the account name.

    Raises TooManyRequests past the limit, Forbidden for wrong credentials or a disabled account.
    """
    username = username.strip().lower()[:64]
    await limits.hit(f"login:ip:{ip}", per_minute)
    await limits.hit(f"login:account:{username}", per_minute)
    account = await Account.get_or_none(username=username)
    stored = account.password_hash if account else None
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    ok = await asyncio.to_thread(verify_password, stored, password)
    if account is None or not ok:
        raise Forbidden(_(WRONG_CREDENTIALS))
    if account.is_disabled:
        raise Forbidden(_("This account is disabled. Ask the server's admin."))
    if stored and needs_rehash(stored):
        account.password_hash = await asyncio.to_thread(hash_password, password)
        await account.save(update_fields=["password_hash"])
    return LoginResult(account, needs_second_factor=account.totp_enabled)


async def check_second_factor(account: Account, code: str, *, per_minute: int) -> None:
    """Accept a current TOTP code (once) or an unused recovery code; raise Forbidden otherwise."""
    await limits.hit(f"2fa:account:{account.id}", per_minute)
    if await twofactor.verify_code(account, code):
        return
    if await twofactor.use_recovery_code(account, code):
        return
    raise Forbidden(_("That code is not valid (or was used already)."))


async def change_password(account: Account, current: str, new: str, *, min_length: int) -> None:
    """Replace the password after checking the current one; raise Forbidden/ServiceError."""
    if not await asyncio.to_thread(verify_password, account.password_hash, current):
        raise Forbidden(_("The current password is wrong."))
    check_password(new, min_length)
    if new == current:
        raise ServiceError(_("The new password is the same as the current one."))
    account.password_hash = await asyncio.to_thread(hash_password, new)
    await account.save(update_fields=["password_hash"])


async def confirm_password(account: Account, password: str) -> None:
    """Raise Forbidden unless `password` is the account's password (for sensitive actions)."""
    if not await asyncio.to_thread(verify_password, account.password_hash, password):
        raise Forbidden(_("The password is wrong."))
