"""The admin pages: accounts, invites and the registration mode."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.models import Account, Invite
from qspace.services import admin, invites, looks, remote_skins, spaces
from qspace.services.errors import NotFound, ServiceError
from qspace.themes import available_packs
from qspace.web.forms import checked, form_endpoint, redirect, text
from qspace.web.render import page, require_admin


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def admin_page(request: Request, context: dict | None = None, status: int = 200) -> Response:
    await require_admin(request)
    settings = _services(request).settings
    all_accounts = await Account.all().order_by("username").prefetch_related("spaces")
    open_invites = (
        await Invite.filter(used_at=None, expires_at__gt=datetime.now(UTC))
        .order_by("-created_at")
        .prefetch_related("created_by")
    )
    full = {
        "accounts": all_accounts,
        "invites": open_invites,
        "mode": await admin.registration_mode(settings),
        "modes": ("closed", "invite", "open"),
        "invite_hours": settings.accounts.invite_hours,
        "themes": sorted(available_packs(settings).values(), key=lambda p: p.id),
        "allowed_themes": await looks.allowed_theme_ids(settings),
        "seen_skins": await remote_skins.seen_skins(settings),
        **(context or {}),
    }
    return await page(request, "admin/index.html", full, status_code=status)


async def index(request: Request) -> Response:
    return await admin_page(request)


@form_endpoint
async def create_account(request: Request, form: FormData) -> Response:
    await require_admin(request)
    services = _services(request)
    try:
        await spaces.create_account_with_space(
            services.urls,
            username=text(form, "username"),
            password=text(form, "password"),
            min_password_length=services.settings.security.min_password_length,
            is_admin=checked(form, "is_admin"),
        )
    except ServiceError as exc:
        return await admin_page(request, {"account_error": exc.message}, exc.status)
    return redirect("/admin")


async def _target(request: Request) -> Account:
    account = await Account.get_or_none(id=int(request.path_params["account_id"]))
    if account is None:
        raise NotFound(_("No such account."))
    return account


@form_endpoint
async def disable_account(request: Request, form: FormData) -> Response:
    current = await require_admin(request)
    assert current.account is not None
    try:
        await admin.set_disabled(current.account, await _target(request), True)
    except ServiceError as exc:
        return await admin_page(request, {"account_error": exc.message}, exc.status)
    return redirect("/admin")


@form_endpoint
async def enable_account(request: Request, form: FormData) -> Response:
    current = await require_admin(request)
    assert current.account is not None
    await admin.set_disabled(current.account, await _target(request), False)
    return redirect("/admin")


@form_endpoint
async def create_invite(request: Request, form: FormData) -> Response:
    current = await require_admin(request)
    assert current.account is not None
    settings = _services(request).settings
    try:
        hours = int(text(form, "hours") or settings.accounts.invite_hours)
    except ValueError:
        hours = settings.accounts.invite_hours
    hours = max(1, min(hours, 24 * 90))
    token, _invite = await invites.create_invite(
        current.account, hours=hours, note=text(form, "note")
    )
    link = f"{settings.base_url}/signup?invite={token}"
    return await admin_page(request, {"new_invite": link})


@form_endpoint
async def revoke_invite(request: Request, form: FormData) -> Response:
    await require_admin(request)
    await invites.revoke_invite(int(request.path_params["invite_id"]))
    return redirect("/admin")


@form_endpoint
async def set_registration(request: Request, form: FormData) -> Response:
    await require_admin(request)
    try:
        await admin.set_registration_mode(text(form, "mode"))
    except ServiceError as exc:
        return await admin_page(request, {"mode_error": exc.message}, exc.status)
    return redirect("/admin")
