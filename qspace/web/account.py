"""The account settings pages: password, two-factor auth, sessions, export and deletion."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from qspace.i18n import gettext as _
from qspace.models import Account, Session
from qspace.services import accounts, auth, export, sessions, twofactor
from qspace.services.errors import Forbidden, ServiceError
from qspace.web.forms import form_endpoint, redirect, text
from qspace.web.render import page, require_login
from qspace.web.session import end_session

ENROLL_KEY = "totp_enrollment"


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def settings_page(
    request: Request, context: dict | None = None, status: int = 200
) -> Response:
    current = await require_login(request)
    assert current.account is not None
    other_sessions = await Session.filter(account_id=current.account.id).count() - 1
    full = {
        "two_factor": current.account.totp_enabled,
        "recovery_left": await twofactor.remaining_recovery_codes(current.account),
        "other_sessions": max(other_sessions, 0),
        "notice": request.query_params.get("done", ""),
        **(context or {}),
    }
    return await page(request, "account/settings.html", full, status_code=status)


async def account_settings(request: Request) -> Response:
    return await settings_page(request)


@form_endpoint
async def change_password(request: Request, form: FormData) -> Response:
    current = await require_login(request)
    assert current.account is not None and current.session is not None
    new = text(form, "new_password")
    try:
        if new != text(form, "new_password_confirm"):
            raise ServiceError(_("The two new passwords differ."))
        await auth.change_password(
            current.account,
            text(form, "current_password"),
            new,
            min_length=_services(request).settings.security.min_password_length,
        )
    except ServiceError as exc:
        return await settings_page(request, {"password_error": exc.message}, exc.status)
    # Someone who knew the old password is logged out everywhere else.
    await sessions.end_all_sessions(current.account, keep=current.session)
    return redirect("/settings/account?done=password")


@form_endpoint
async def end_all_sessions(request: Request, form: FormData) -> Response:
    current = await require_login(request)
    assert current.account is not None
    await sessions.end_all_sessions(current.account)
    await end_session(request)
    return redirect("/login")


async def two_factor_page(request: Request) -> Response:
    current = await require_login(request)
    assert current.account is not None and current.session is not None
    if current.account.totp_enabled:
        return await settings_page(request)
    # The secret being set up lives in the session until the first code confirms it.
    data = dict(current.session.data or {})
    enrollment = twofactor.begin_enrollment(
        current.account, _services(request).settings.server.domain, data.get(ENROLL_KEY)
    )
    if data.get(ENROLL_KEY) != enrollment.secret:
        data[ENROLL_KEY] = enrollment.secret
        current.session.data = data
        await current.session.save(update_fields=["data"])
    return await page(request, "account/two_factor.html", {"enrollment": enrollment})


@form_endpoint
async def enable_two_factor(request: Request, form: FormData) -> Response:
    current = await require_login(request)
    assert current.account is not None and current.session is not None
    secret = (current.session.data or {}).get(ENROLL_KEY)
    if not secret:
        return redirect("/settings/2fa")
    try:
        codes = await twofactor.finish_enrollment(current.account, secret, text(form, "code"))
    except ServiceError as exc:
        enrollment = twofactor.begin_enrollment(
            current.account, _services(request).settings.server.domain, secret
        )
        context = {"enrollment": enrollment, "error": exc.message}
        return await page(request, "account/two_factor.html", context, status_code=400)
    data = dict(current.session.data)
    data.pop(ENROLL_KEY, None)
    current.session.data = data
    await current.session.save(update_fields=["data"])
    return await page(request, "account/recovery_codes.html", {"codes": codes})


@form_endpoint
async def disable_two_factor(request: Request, form: FormData) -> Response:
    current = await require_login(request)
    assert current.account is not None
    try:
        await auth.confirm_password(current.account, text(form, "password"))
        code = text(form, "code")
        if not (
            await twofactor.verify_code(current.account, code)
            or await twofactor.use_recovery_code(current.account, code)
        ):
            raise Forbidden(_("That code is not valid (or was used already)."))
    except ServiceError as exc:
        return await settings_page(request, {"two_factor_error": exc.message}, exc.status)
    await twofactor.disable(current.account)
    return redirect("/settings/account?done=2fa-off")


async def download_export(request: Request) -> Response:
    current = await require_login(request)
    if current.space is None:
        raise ServiceError(_("This account has no space to export."))
    services = _services(request)
    archive = await export.write_export(current.space, services.urls, services.settings.media_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    filename = f"qspace-{current.space.name}-{stamp}.zip"

    def chunks():  # type: ignore[no-untyped-def]
        try:
            while block := archive.read(64 * 1024):
                yield block
        finally:
            archive.close()

    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@form_endpoint
async def delete_account(request: Request, form: FormData) -> Response:
    current = await require_login(request)
    assert current.account is not None
    try:
        await auth.confirm_password(current.account, text(form, "password"))
        if text(form, "confirm").strip().lower() != current.account.username:
            raise ServiceError(_("Type your account name to confirm."))
        if current.account.is_admin and not await _another_admin_exists(current.account.id):
            raise Forbidden(_("You are the only admin: make someone else admin first."))
    except ServiceError as exc:
        return await settings_page(request, {"delete_error": exc.message}, exc.status)
    services = _services(request)
    await accounts.delete_account(current.account, services.settings.media_path, services.urls)
    await end_session(request)
    return redirect("/?done=deleted")


async def _another_admin_exists(account_id: int) -> bool:
    return await Account.filter(is_admin=True, is_disabled=False).exclude(id=account_id).exists()
