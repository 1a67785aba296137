"""Every route of the app, gathered from the endpoint modules (one list per audience)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from qspace.paths import STATIC_DIR
from qspace.web import account, admin, auth, health, pages

# Endpoints that accept unsafe methods without a CSRF token because they authenticate the request
# another way (HTTP signatures). Everything else that changes state goes through form_endpoint.
SIGNATURE_AUTHENTICATED: set[str] = set()


def routes() -> list[BaseRoute]:
    return [
        Route("/", pages.front_page, name="front_page"),
        Route("/healthz", health.healthz, name="healthz"),
        # Accounts and sessions
        Route("/login", auth.login_form, methods=["GET"], name="login_form"),
        Route("/login", auth.login, methods=["POST"], name="login"),
        Route("/login/code", auth.code_form, methods=["GET"], name="code_form"),
        Route("/login/code", auth.code, methods=["POST"], name="code"),
        Route("/logout", auth.logout, methods=["POST"], name="logout"),
        Route("/signup", auth.signup_form, methods=["GET"], name="signup_form"),
        Route("/signup", auth.signup, methods=["POST"], name="signup"),
        Route("/settings/account", account.account_settings, name="account_settings"),
        Route("/settings/password", account.change_password, methods=["POST"]),
        Route("/settings/sessions/end-all", account.end_all_sessions, methods=["POST"]),
        Route("/settings/2fa", account.two_factor_page, methods=["GET"], name="two_factor"),
        Route("/settings/2fa/enable", account.enable_two_factor, methods=["POST"]),
        Route("/settings/2fa/disable", account.disable_two_factor, methods=["POST"]),
        Route("/settings/export", account.download_export, methods=["GET"], name="export"),
        Route("/settings/delete", account.delete_account, methods=["POST"]),
        # Admin
        Route("/admin", admin.index, name="admin"),
        Route("/admin/accounts", admin.create_account, methods=["POST"]),
        Route("/admin/accounts/{account_id:int}/disable", admin.disable_account, methods=["POST"]),
        Route("/admin/accounts/{account_id:int}/enable", admin.enable_account, methods=["POST"]),
        Route("/admin/invites", admin.create_invite, methods=["POST"]),
        Route("/admin/invites/{invite_id:int}/revoke", admin.revoke_invite, methods=["POST"]),
        Route("/admin/registration", admin.set_registration, methods=["POST"]),
        # Spaces
        Route("/@{name}", pages.space_page, name="space"),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
