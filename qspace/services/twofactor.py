"""Two-factor authentication: TOTP (RFC 6238) with one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp

from qspace.i18n import gettext as _
from qspace.models import Account, RecoveryCode
from qspace.services.errors import ServiceError

RECOVERY_CODES = 10
ISSUER = "qspace"


def _code_hash(code: str) -> str:
    # Recovery codes are 50 random bits each: a fast hash is enough (no dictionary to try).
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


@dataclass(frozen=True)
class Enrollment:
    secret: str
    uri: str
    qr_svg: str


def begin_enrollment(account: Account, issuer: str, secret: str | None = None) -> Enrollment:
    """A new TOTP secret with its otpauth:// URI and QR code (an inline SVG); nothing is saved."""
    secret = secret or pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=issuer)
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#1d2330", light="#ffffff")
    return Enrollment(secret=secret, uri=uri, qr_svg=svg)


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (of now, or one step either side for clock drift) `code` belongs to."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((at if at is not None else time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def finish_enrollment(account: Account, secret: str, code: str) -> list[str]:
    """Enable TOTP once the person proves their app works; returns the recovery codes (shown once).

    Raises ServiceError when the code does not match the new secret.
    """
    step = _matching_step(secret, code)
    if step is None:
        raise ServiceError(
            _("That code does not match. Check your authenticator's clock and retry.")
        )
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    account.totp_secret = secret
    account.totp_enabled = True
    account.totp_last_step = step
    await account.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    await RecoveryCode.filter(account_id=account.id).delete()
    await RecoveryCode.bulk_create(
        [RecoveryCode(account_id=account.id, code_hash=_code_hash(c)) for c in codes]
    )
    return codes


async def verify_code(account: Account, code: str) -> bool:
    """True for a valid TOTP code not used before; records its step so it can't be replayed."""
    if not account.totp_enabled or not account.totp_secret:
        return False
    step = _matching_step(account.totp_secret, code)
    if step is None:
        return False
    # Conditional update: two concurrent logins with the same code can't both succeed.
    updated = await Account.filter(id=account.id, totp_last_step__lt=step).update(
        totp_last_step=step
    )
    if updated:
        account.totp_last_step = step
    return bool(updated)


async def use_recovery_code(account: Account, code: str) -> bool:
    """True (and the code is spent) for an unused recovery code of this account."""
    if not code.strip():
        return False
    spent = await RecoveryCode.filter(
        account_id=account.id, code_hash=_code_hash(code), used_at=None
    ).update(used_at=datetime.now(UTC))
    return bool(spent)


async def disable(account: Account) -> None:
    account.totp_enabled = False
    account.totp_secret = None
    account.totp_last_step = 0
    await account.save(update_fields=["totp_secret", "totp_enabled", "totp_last_step"])
    await RecoveryCode.filter(account_id=account.id).delete()


async def remaining_recovery_codes(account: Account) -> int:
    return await RecoveryCode.filter(account_id=account.id, used_at=None).count()
