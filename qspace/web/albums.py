"""Album pages: a space's albums, one album, one photo, and the owner's forms to manage them.

Every read goes through the audience rule (hidden albums and photos answer 404). A gated album
shows its title and the gate form until this session gives the answer; its photos (pages and
files) stay hidden until then. Everything works without JavaScript.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.models import Item, Space
from qspace.services import albums, friends, spaces
from qspace.services.albums import AlbumFields, Gate
from qspace.services.audience import Viewer
from qspace.services.errors import NotFound, ServiceError
from qspace.web.forms import MAX_FILES, files, form_endpoint, redirect, text
from qspace.web.objects import album_of, photo_of, served_as_object
from qspace.web.render import LoginRequired, page, viewer_of
from qspace.web.session import Auth, client_ip, ensure_session, get_auth

# Session.data key for the files an upload refused, shown once on the page that follows it.
REFUSED_KEY = "album_upload_refused"


@dataclass
class Visit:
    """Who looks at which space: the audience-rule viewer, and whether they own the space."""

    space: Space
    viewer: Viewer
    auth: Auth
    owner: bool

    @property
    def session_data(self) -> dict[str, Any] | None:
        return self.auth.session.data if self.auth.session else None

    def unlocked(self, album: Item) -> bool:
        return albums.is_unlocked(album, self.session_data, owner=self.owner)


async def _visit(request: Request) -> Visit:
    space = await spaces.get_space(request.path_params["name"])
    auth = await get_auth(request)
    owner = auth.account is not None and space.owner_id == auth.account.id
    return Visit(space, await viewer_of(request), auth, owner)


async def _owner_visit(request: Request) -> Visit:
    """The visit of the space's owner; others get 404 (logged-out people on GET: the login)."""
    visit = await _visit(request)
    if not visit.owner:
        if visit.auth.account is None and request.method == "GET":
            raise LoginRequired()
        raise NotFound(_("No such page."))
    return visit


def _album_path(space: Space, album_id: int) -> str:
    return f"/@{space.name}/albums/{album_id}"


def _gate_of(album: Item) -> Gate:
    if not albums.is_gated(album):
        return Gate.NONE
    return Gate.QUESTION if album.gate_question else Gate.PASSPHRASE


def _album_view(space: Space, album: Item) -> dict[str, Any]:
    return {
        "id": album.id,
        "title": album.title,
        "url": album.ap_id,
        "path": _album_path(space, album.id),
        "description": album.source,
        "description_html": album.content_html,
        "audience": album.audience.value,
        "group_id": album.group_id,
        "gated": albums.is_gated(album),
        "question": album.gate_question or "",
        "gate_question": album.gate_question or "",
        "gate": _gate_of(album).value,
    }


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


# Lists and pages -----------------------------------------------------------------------------


async def albums_index(request: Request) -> Response:
    visit = await _visit(request)
    cards = await albums.space_albums(
        visit.space, visit.viewer, owner=visit.owner, unlocked=visit.session_data
    )
    context = {"space": visit.space, "albums": cards, "owner": visit.owner}
    return await page(request, "albums/list.html", context)


@served_as_object(album_of)  # ActivityPub clients get an OrderedCollection of Images
async def album_page(request: Request) -> Response:
    visit = await _visit(request)
    album = await albums.find_album(
        visit.space, request.path_params["album_id"], visit.viewer, owner=visit.owner
    )
    return await _render_album(request, visit, album)


async def _render_album(
    request: Request,
    visit: Visit,
    album: Item,
    *,
    errors: list[str] | None = None,
    refused: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "space": visit.space,
        "album": _album_view(visit.space, album),
        "owner": visit.owner,
        "errors": errors or [],
        "refused": refused or [],
        "max_files": MAX_FILES,
        "max_megabytes": request.app.state.services.settings.media.max_upload_bytes // 2**20,
    }
    if not visit.unlocked(album):
        await ensure_session(request)  # the gate form needs a CSRF token, even anonymously
        return await page(request, "albums/locked.html", context, status_code=status)
    number = _page_number(request)
    photos, more = await albums.album_photos(album, page=number)
    context.update(photos=photos, page_number=number, more=more)
    return await page(request, "albums/album.html", context, status_code=status)


@served_as_object(photo_of)  # ActivityPub clients get the Image (issue 6)
async def photo_page(request: Request) -> Response:
    visit = await _visit(request)
    photo, album = await albums.find_photo(
        visit.space, request.path_params["photo_id"], visit.viewer, owner=visit.owner
    )
    if not visit.unlocked(album):
        return redirect(_album_path(visit.space, album.id))
    media = await albums.photo_media(photo)
    previous, following = await albums.photo_neighbours(photo)
    context = {
        "space": visit.space,
        "album": _album_view(visit.space, album),
        "photo": albums.photo_card(photo, media),
        "previous": previous,
        "next": following,
        "owner": visit.owner,
    }
    return await page(request, "albums/photo.html", context)


# Creating and editing ------------------------------------------------------------------------


def _fields(form: FormData) -> AlbumFields:
    group = text(form, "group_id")
    return AlbumFields(
        title=text(form, "title"),
        description=text(form, "description"),
        audience=text(form, "audience", "public"),
        group_id=int(group) if group.isdigit() else None,
        gate=text(form, "gate", Gate.NONE),
        gate_question=text(form, "gate_question"),
        gate_answer=text(form, "gate_answer"),
    )


async def _render_form(
    request: Request,
    visit: Visit,
    values: dict[str, Any],
    *,
    album: Item | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "space": visit.space,
        "album": _album_view(visit.space, album) if album else None,
        "values": values,
        "groups": [{"id": g.id, "name": g.name} for g in await friends.groups_of(visit.space)],
        "error": error,
    }
    return await page(request, "albums/form.html", context, status_code=status)


async def new_album_form(request: Request) -> Response:
    visit = await _owner_visit(request)
    defaults = {"title": "", "description": "", "audience": "public", "gate": Gate.NONE}
    return await _render_form(request, visit, defaults)


@form_endpoint
async def create_album(request: Request, form: FormData) -> Response:
    visit = await _owner_visit(request)
    fields = _fields(form)
    try:
        urls = request.app.state.services.urls
        album = await albums.create_album(urls, visit.space, fields)
    except ServiceError as exc:
        return await _render_form(
            request, visit, dataclasses.asdict(fields), error=exc.message, status=exc.status
        )
    return redirect(_album_path(visit.space, album.id))


async def _owned_album(request: Request) -> tuple[Visit, Item]:
    visit = await _owner_visit(request)
    album = await albums.find_album(
        visit.space, request.path_params["album_id"], visit.viewer, owner=True
    )
    return visit, album


async def edit_album_form(request: Request) -> Response:
    visit, album = await _owned_album(request)
    return await _render_form(request, visit, _album_view(visit.space, album), album=album)


@form_endpoint
async def edit_album(request: Request, form: FormData) -> Response:
    visit, album = await _owned_album(request)
    fields = _fields(form)
    try:
        urls = request.app.state.services.urls
        await albums.edit_album(urls, visit.space, album, fields)
    except ServiceError as exc:
        values = dataclasses.asdict(fields)
        return await _render_form(
            request, visit, values, album=album, error=exc.message, status=exc.status
        )
    return redirect(_album_path(visit.space, album.id))


@form_endpoint
async def delete_album(request: Request, form: FormData) -> Response:
    visit, album = await _owned_album(request)
    await albums.delete_album(album, request.app.state.services.settings)
    return redirect(f"/@{visit.space.name}/albums")


# Photos --------------------------------------------------------------------------------------


@form_endpoint
async def upload_photos(request: Request, form: FormData) -> Response:
    visit, album = await _owned_album(request)
    uploads = files(form, "photos")
    if not uploads:
        return await _render_album(
            request, visit, album, errors=[_("Choose at least one photo.")], status=400
        )
    services = request.app.state.services
    result = await albums.add_photos(
        services.urls,
        visit.space,
        album,
        [(u.filename or "upload", u) for u in uploads],
        settings=services.settings,
    )
    if not result.added:
        return await _render_album(request, visit, album, refused=result.refused, status=400)
    session = visit.auth.session
    if result.refused and session is not None:
        data = dict(session.data or {})
        data[REFUSED_KEY] = {"album": album.id, "files": result.refused}
        session.data = data
        await session.save(update_fields=["data"])
    added = ",".join(str(p.id) for p in result.added)
    return redirect(f"{_album_path(visit.space, album.id)}/describe?photos={added}")


async def describe_photos(request: Request) -> Response:
    """The alt-text form: for the photos just uploaded (?photos=ids), else the whole album."""
    visit, album = await _owned_album(request)
    wanted = [int(i) for i in request.query_params.get("photos", "").split(",") if i.isdigit()]
    photos, _more = await albums.album_photos(album, per_page=500, ids=wanted[:500])
    refused: list[Any] = []
    session = visit.auth.session
    if session is not None and REFUSED_KEY in (session.data or {}):
        data = dict(session.data)
        flash = data.pop(REFUSED_KEY)
        if isinstance(flash, dict) and flash.get("album") == album.id:
            refused = list(flash.get("files") or [])
        session.data = data
        await session.save(update_fields=["data"])
    context = {
        "space": visit.space,
        "album": _album_view(visit.space, album),
        "photos": photos,
        "refused": refused,
        "just_added": bool(wanted),
    }
    return await page(request, "albums/describe.html", context)


@form_endpoint
async def save_alt_texts(request: Request, form: FormData) -> Response:
    visit, album = await _owned_album(request)
    alts = {
        int(key.removeprefix("alt-")): value
        for key, value in form.multi_items()
        if key.startswith("alt-") and key[4:].isdigit() and isinstance(value, str)
    }
    try:
        await albums.set_alt_texts(album, alts)
    except ServiceError as exc:
        return await _render_album(request, visit, album, errors=[exc.message], status=exc.status)
    back = text(form, "back")
    photo_back = back.isdigit() and int(back) in alts
    return redirect(
        f"/@{visit.space.name}/photos/{back}" if photo_back else _album_path(visit.space, album.id)
    )


async def _owned_photo(request: Request) -> tuple[Visit, Item, Item]:
    visit = await _owner_visit(request)
    photo, album = await albums.find_photo(
        visit.space, request.path_params["photo_id"], visit.viewer, owner=True
    )
    return visit, photo, album


@form_endpoint
async def set_cover(request: Request, form: FormData) -> Response:
    visit, photo, album = await _owned_photo(request)
    await albums.set_cover(photo)
    return redirect(_album_path(visit.space, album.id))


@form_endpoint
async def move_photo(request: Request, form: FormData) -> Response:
    visit, photo, album = await _owned_photo(request)
    offset = {"earlier": -1, "later": 1}.get(text(form, "direction"))
    if offset is None:
        raise ServiceError(_("Move a photo earlier or later."))
    await albums.move_photo(photo, offset)
    return redirect(f"{_album_path(visit.space, album.id)}#photo-{photo.id}")


@form_endpoint
async def delete_photo(request: Request, form: FormData) -> Response:
    visit, photo, album = await _owned_photo(request)
    await albums.delete_photo(photo, request.app.state.services.settings)
    return redirect(_album_path(visit.space, album.id))


# The gate ------------------------------------------------------------------------------------


@form_endpoint
async def unlock_album(request: Request, form: FormData) -> Response:
    visit = await _visit(request)
    album = await albums.find_album(
        visit.space, request.path_params["album_id"], visit.viewer, owner=visit.owner
    )
    session = visit.auth.session
    assert session is not None  # form_endpoint refused the request otherwise
    answer = text(form, "answer")
    if not await albums.unlock(album, answer, session=session, ip=client_ip(request)):
        error = _("That is not the answer.") if album.gate_question else _("Wrong passphrase.")
        return await _render_album(request, visit, album, errors=[error], status=403)
    return redirect(_album_path(visit.space, album.id))
