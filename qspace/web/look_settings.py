"""The owner's "look" settings: choose a skin (with previews), set its variables, custom CSS."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.services import actor_document, looks, music, remote_skins, uploads
from qspace.services.errors import Forbidden, ServiceError
from qspace.themes import asset_url, available_packs
from qspace.web import admin
from qspace.web.forms import files, form_endpoint, redirect, text
from qspace.web.render import Auth, page, require_admin, require_login


async def _mine(request: Request) -> Auth:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("This account has no space."))
    return auth


async def _announce(request: Request, auth: Auth) -> None:
    """Changes to the look federate as an Update of the actor (it carries the skin)."""
    services = request.app.state.services
    assert auth.space is not None
    await actor_document.send_actor_update(auth.space, services.urls, services.settings)


async def look_page(request: Request, context: dict | None = None, status: int = 200) -> Response:
    auth = await _mine(request)
    space = auth.space
    assert space is not None
    settings = request.app.state.services.settings
    packs = available_packs(settings)
    allowed = await looks.allowed_theme_ids(settings)
    current = await looks.pack_of(space, settings)
    choices = [
        {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "author": p.author,
            "version": p.version,
            "preview_url": asset_url(p, p.preview) if p.preview else "",
        }
        for p in sorted(packs.values(), key=lambda p: (p.id != "default", p.name))
        if p.id in allowed
    ]
    variables = []
    if current is not None:
        for name, var in current.variables.items():
            variables.append(
                {
                    "name": name,
                    "type": var.type,
                    "label": var.label or name,
                    "options": list(var.options),
                    "value": space.theme_vars.get(name, var.default),
                    "default": var.default,
                }
            )
    full = {
        "space": space,
        "choices": choices,
        "current": current.id if current else "",
        "variables": variables,
        "custom_css": space.custom_css,
        "tracks": [
            {
                "id": t.id,
                "title": t.meta.get("title", ""),
                "artist": t.meta.get("artist", ""),
                "url": request.app.state.services.urls.media(t.capability, "original"),
                "mime": t.mime,
            }
            for t in await music.tracks(space)
        ],
        "notice": request.query_params.get("done", ""),
        **(context or {}),
    }
    return await page(request, "settings/look.html", full, status_code=status)


async def show(request: Request) -> Response:
    return await look_page(request)


@form_endpoint
async def choose(request: Request, form: FormData) -> Response:
    auth = await _mine(request)
    assert auth.space is not None
    try:
        await looks.choose_theme(
            auth.space, request.app.state.services.settings, text(form, "theme")
        )
    except ServiceError as exc:
        return await look_page(request, {"theme_error": exc.message}, exc.status)
    await _announce(request, auth)
    return redirect("/settings/look?done=theme")


@form_endpoint
async def variables(request: Request, form: FormData) -> Response:
    auth = await _mine(request)
    assert auth.space is not None
    services = request.app.state.services
    values = {
        k.removeprefix("var_"): v
        for k, v in form.items()
        if k.startswith("var_") and isinstance(v, str)
    }
    try:
        # Image variables (a background, say) may take an uploaded picture: it is stored like
        # any photo (EXIF stripped, re-encoded) and the variable points at its local URL.
        for key in {k for k in form if k.startswith("upload_")}:
            for upload in files(form, key)[:1]:
                stored = await uploads.store_image(
                    auth.space, upload, role="background", settings=services.settings
                )
                values[key.removeprefix("upload_")] = uploads.media_path(stored.capability, "large")
        await looks.set_variables(auth.space, services.settings, values)
    except ServiceError as exc:
        return await look_page(request, {"variables_error": exc.message}, exc.status)
    await _announce(request, auth)
    return redirect("/settings/look?done=variables")


@form_endpoint
async def custom_css(request: Request, form: FormData) -> Response:
    auth = await _mine(request)
    assert auth.space is not None
    try:
        problems = await looks.set_custom_css(
            auth.space, request.app.state.services.settings, text(form, "css")
        )
    except ServiceError as exc:
        return await look_page(request, {"css_error": exc.message}, exc.status)
    await _announce(request, auth)
    if problems:
        return await look_page(request, {"css_problems": problems})
    return redirect("/settings/look?done=css")


@form_endpoint
async def admin_allowed(request: Request, form: FormData) -> Response:
    """Admins choose which installed packs space owners may pick."""
    await require_admin(request)
    ids = [v for v in form.getlist("themes") if isinstance(v, str)]
    await looks.set_allowed_theme_ids(request.app.state.services.settings, ids)
    return redirect("/admin#themes")


@form_endpoint
async def add_music(request: Request, form: FormData) -> Response:
    auth = await _mine(request)
    assert auth.space is not None
    uploads = files(form, "track")
    if not uploads:
        return await look_page(request, {"music_error": _("Choose an audio file.")}, 400)
    try:
        await music.add_track(
            auth.space,
            uploads[0],
            settings=request.app.state.services.settings,
            title=text(form, "title"),
        )
    except ServiceError as exc:
        return await look_page(request, {"music_error": exc.message}, exc.status)
    return redirect("/settings/look?done=music#music")


@form_endpoint
async def remove_music(request: Request, form: FormData) -> Response:
    auth = await _mine(request)
    assert auth.space is not None
    await music.remove_track(
        auth.space, int(request.path_params["media_id"]), request.app.state.services.settings
    )
    return redirect("/settings/look?done=music#music")


@form_endpoint
async def admin_install(request: Request, form: FormData) -> Response:
    """The admin approves a skin seen on another server: download, validate, install."""
    await require_admin(request)
    services = request.app.state.services
    try:
        await remote_skins.install_remote_skin(services.settings, services.http, text(form, "url"))
    except ServiceError as exc:
        return await admin.admin_page(request, {"skin_error": exc.message}, exc.status)
    return redirect("/admin#themes")
