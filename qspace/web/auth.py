"""Logging in and out, the two-factor step, and signing up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.models import Account
from qspace.services import admin, auth, invites
from qspace.services.errors import Forbidden, ServiceError
from qspace.web.forms import form_endpoint, redirect, safe_next, text
from qspace.web.render import page
from qspace.web.session import client_ip, end_session, ensure_session, get_auth, switch_account

# How long the password step stays valid while the person looks up their code.
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def login_form(request: Request) -> Response:
    await ensure_session(request)
    return await page(
        request, "auth/login.html", {"next": safe_next(request.query_params.get("next"))}
    )


@form_endpoint
async def login(request: Request, form: FormData) -> Response:
    settings = _services(request).settings
    username, next_url = text(form, "username"), safe_next(text(form, "next"))
    try:
        result = await auth.check_credentials(
            username,
            text(form, "password"),
            ip=client_ip(request),
            per_minute=settings.rate_limits.login_per_minute,
        )
    except Forbidden as exc:
        context = {"error": exc.message, "username": username, "next": next_url}
        return await page(request, "auth/login.html", context, status_code=403)
    if result.needs_second_factor:
        pending = {"account_id": result.account.id, "at": datetime.now(UTC).isoformat()}
        await switch_account(request, None, data={"pending_2fa": pending, "next": next_url})
        return redirect("/login/code")
    await _complete_login(request, result.account)
    return redirect(next_url if next_url != "/" else await _home(request))


async def _complete_login(request: Request, account: Account) -> None:
    await switch_account(request, account)
    account.last_login_at = datetime.now(UTC)
    await account.save(update_fields=["last_login_at"])


async def _home(request: Request) -> str:
    current = await get_auth(request)
    return f"/@{current.space.name}" if current.space else "/"


async def _pending_account(request: Request) -> Account:
    session = (await get_auth(request)).session
    pending = (session.data or {}).get("pending_2fa") if session else None
    if not pending:
        raise Forbidden(_("Log in with your password first."))
    started = datetime.fromisoformat(pending["at"])
    if datetime.now(UTC) - started > SECOND_FACTOR_WINDOW:
        raise Forbidden(_("The login took too long. Log in with your password again."))
    account = await Account.get_or_none(id=pending["account_id"], is_disabled=False)
    if account is None:
        raise Forbidden(_("Log in with your password first."))
    return account


async def code_form(request: Request) -> Response:
    await _pending_account(request)
    return await page(request, "auth/code.html", {})


@form_endpoint
async def code(request: Request, form: FormData) -> Response:
    account = await _pending_account(request)
    settings = _services(request).settings
    try:
        await auth.check_second_factor(
            account, text(form, "code"), per_minute=settings.rate_limits.login_per_minute
        )
    except Forbidden as exc:
        return await page(request, "auth/code.html", {"error": exc.message}, status_code=403)
    session = (await get_auth(request)).session
    next_url = safe_next((session.data or {}).get("next") if session else None)
    await _complete_login(request, account)
    return redirect(next_url if next_url != "/" else await _home(request))


@form_endpoint
async def logout(request: Request, form: FormData) -> Response:
    await end_session(request)
    return redirect("/")


async def _signup_context(request: Request, token: str | None) -> dict:
    mode = await admin.registration_mode(_services(request).settings)
    if mode == "closed":
        raise Forbidden(_("Sign-ups are closed on this server. Ask its admin for an account."))
    if mode == "invite":
        if not token:
            raise Forbidden(_("Sign-ups on this server need an invite link."))
        await invites.find_usable_invite(token)
    return {"mode": mode, "invite": token or ""}


async def signup_form(request: Request) -> Response:
    context = await _signup_context(request, request.query_params.get("invite"))
    await ensure_session(request)
    return await page(request, "auth/signup.html", context)


@form_endpoint
async def signup(request: Request, form: FormData) -> Response:
    services = _services(request)
    context = await _signup_context(request, text(form, "invite") or None)
    username, password = text(form, "username"), text(form, "password")
    try:
        if password != text(form, "password_confirm"):
            raise ServiceError(_("The two passwords differ."))
        account, space = await invites.sign_up(
            services.urls,
            username=username,
            password=password,
            min_password_length=services.settings.security.min_password_length,
            invite_token=context["invite"] if context["mode"] == "invite" else None,
        )
    except ServiceError as exc:
        context.update(error=exc.message, username=username)
        return await page(request, "auth/signup.html", context, status_code=exc.status)
    await _complete_login(request, account)
    return redirect(f"/@{space.name}")
