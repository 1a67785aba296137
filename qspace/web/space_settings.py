"""The owner's settings for their space: profile, pictures, modules, who may interact, groups."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.services import actor_document, freshness, friends, layout, policy, profile, uploads
from qspace.services.errors import Forbidden, ServiceError
from qspace.web.forms import checked, files, form_endpoint, redirect, text
from qspace.web.render import Auth, page, require_login
from qspace.web.space import TITLES


async def _my_space(request: Request) -> Auth:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("This account has no space."))
    return auth


async def settings_page(
    request: Request, context: dict | None = None, status: int = 200
) -> Response:
    auth = await _my_space(request)
    space = auth.space
    assert space is not None and auth.account is not None
    full = {
        "space": space,
        "modules": layout.layout_of(space),
        "module_names": layout.MODULES,
        "module_titles": {m: _(TITLES[m]) for m in layout.MODULES if m in TITLES},
        "policy": policy.effective_policy(space),
        "actions": [a.value for a in policy.Action],
        "choices": [w.value for w in policy.Who],
        "groups": await friends.groups_of(space),
        "friends": await friends.friends_of(space.actor_id),
        "avatar": await profile.current_image(space, "avatar"),
        "banner": await profile.current_image(space, "banner"),
        "account": auth.account,
        "notice": request.query_params.get("done", ""),
        **(context or {}),
    }
    return await page(request, "settings/space.html", full, status_code=status)


async def show(request: Request) -> Response:
    return await settings_page(request)


@form_endpoint
async def save_profile(request: Request, form: FormData) -> Response:
    auth = await _my_space(request)
    assert auth.space is not None
    services = request.app.state.services
    try:
        await profile.update_profile(
            services.urls,
            auth.space,
            display_name=text(form, "display_name"),
            bio=text(form, "bio"),
            mood=text(form, "mood"),
        )
        for role in ("avatar", "banner"):
            for upload in files(form, role)[:1]:
                await uploads.store_image(auth.space, upload, role=role, settings=services.settings)
                await freshness.touch(auth.space.id)
    except ServiceError as exc:
        return await settings_page(request, {"profile_error": exc.message}, exc.status)
    await actor_document.send_actor_update(auth.space, services.urls, services.settings)
    return redirect("/settings/space?done=profile")


@form_endpoint
async def save_modules(request: Request, form: FormData) -> Response:
    auth = await _my_space(request)
    assert auth.space is not None
    modules = []
    for module in layout.MODULES:
        try:
            position = int(text(form, f"order_{module}", "99"))
        except ValueError:
            position = 99
        modules.append(
            (
                position,
                {
                    "id": module,
                    "column": text(form, f"column_{module}", "main"),
                    "visible": checked(form, f"visible_{module}"),
                },
            )
        )
    modules.sort(key=lambda pair: pair[0])
    await layout.save_layout(auth.space, [m for _, m in modules])
    return redirect("/settings/space?done=modules")


@form_endpoint
async def save_settings(request: Request, form: FormData) -> Response:
    auth = await _my_space(request)
    assert auth.space is not None and auth.account is not None
    await profile.update_settings(
        auth.space,
        policy_values={a.value: text(form, f"policy_{a.value}") for a in policy.Action},
        visitor_log_enabled=checked(form, "visitor_log_enabled"),
        guestbook_moderated=checked(form, "guestbook_moderated"),
        auto_accept_follows=checked(form, "auto_accept_follows"),
        hide_social_graph=checked(form, "hide_social_graph"),
    )
    await profile.update_account_preferences(
        auth.account,
        record_visits=checked(form, "record_visits"),
        locale=text(form, "locale") or None,
    )
    return redirect("/settings/space?done=settings")


@form_endpoint
async def create_group(request: Request, form: FormData) -> Response:
    auth = await _my_space(request)
    assert auth.space is not None
    try:
        await friends.create_group(auth.space, text(form, "name"))
    except ServiceError as exc:
        return await settings_page(request, {"group_error": exc.message}, exc.status)
    return redirect("/settings/space?done=groups#groups")


@form_endpoint
async def update_group(request: Request, form: FormData) -> Response:
    auth = await _my_space(request)
    assert auth.space is not None
    group_id = int(request.path_params["group_id"])
    if checked(form, "delete"):
        await friends.delete_group(auth.space, group_id)
    else:
        members = [int(v) for v in form.getlist("members") if isinstance(v, str) and v.isdigit()]
        await friends.set_members(auth.space, group_id, members)
    return redirect("/settings/space?done=groups#groups")
