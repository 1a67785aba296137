"""What the admin controls at run time: the registration mode, and accounts being disabled."""

from __future__ import annotations

from qspace.i18n import gettext as _
from qspace.models import Account, ServerState
from qspace.services import sessions
from qspace.services.errors import Forbidden, ServiceError
from qspace.settings import REGISTRATION_MODES, Settings

REGISTRATION_KEY = "registration_mode"


async def registration_mode(settings: Settings) -> str:
    """The mode set on the admin page, else the one from the config file."""
    state = await ServerState.get_or_none(key=REGISTRATION_KEY)
    if state and state.value.get("mode") in REGISTRATION_MODES:
        return str(state.value["mode"])
    return settings.accounts.registration


async def set_registration_mode(mode: str) -> None:
    if mode not in REGISTRATION_MODES:
        raise ServiceError(
            _("Registration mode must be one of %(choices)s.")
            % {"choices": ", ".join(REGISTRATION_MODES)}
        )
    await ServerState.update_or_create(key=REGISTRATION_KEY, defaults={"value": {"mode": mode}})


async def set_disabled(admin: Account, account: Account, disabled: bool) -> None:
    """Disable (logging it out everywhere) or re-enable an account; admins can't disable
    themselves, so a server always keeps a way in."""
    if account.id == admin.id and disabled:
        raise Forbidden(_("You can't disable your own account."))
    account.is_disabled = disabled
    await account.save(update_fields=["is_disabled"])
    if disabled:
        await sessions.end_all_sessions(account)
