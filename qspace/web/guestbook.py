"""The guestbook page: reading and writing messages, and the owner's moderation."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.services import guestbook, policy, spaces
from qspace.services.errors import Forbidden
from qspace.web.forms import checked, form_endpoint, redirect, text
from qspace.web.items import count_write
from qspace.web.render import page, require_login, viewer_of
from qspace.web.session import get_auth


async def wall(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    auth = await get_auth(request)
    try:
        before = int(request.query_params.get("before", "0")) or None
    except ValueError:
        before = None
    entries = await guestbook.entries(space, viewer, limit=20, offset_id=before)
    is_owner = viewer.actor_id == space.actor_id
    context = {
        "space": space,
        "entries": entries,
        "replies": await guestbook.replies_for([e.id for e in entries], viewer),
        "is_owner": is_owner,
        "held": await guestbook.held_count(space) if is_owner else 0,
        "can_write": auth.space is not None
        and await policy.allowed(policy.Action.GUESTBOOK, space=space, actor=auth.space.actor),
        "next_before": entries[-1].id if len(entries) == 20 else None,
    }
    return await page(request, "guestbook/wall.html", context)


@form_endpoint
async def write(request: Request, form: FormData) -> Response:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to write in guestbooks."))
    await count_write(request, auth)
    wall_space = await spaces.get_space(request.path_params["name"])
    await guestbook.write(
        request.app.state.services.urls,
        wall=wall_space,
        writer_space=auth.space,
        text=text(form, "text"),
        private=checked(form, "private"),
    )
    return redirect(f"/@{wall_space.name}/guestbook")


async def _owner_action(request: Request):  # type: ignore[no-untyped-def]
    auth = await require_login(request)
    wall_space = await spaces.get_space(request.path_params["name"])
    if auth.space is None:
        raise Forbidden(_("You need a space to do that."))
    return auth, wall_space


@form_endpoint
async def moderate(request: Request, form: FormData) -> Response:
    auth, wall_space = await _owner_action(request)
    await guestbook.moderate(
        wall_space,
        int(request.path_params["entry_id"]),
        actor_id=auth.space.actor_id,
        action=text(form, "action"),
    )
    return redirect(f"/@{wall_space.name}/guestbook")


@form_endpoint
async def delete(request: Request, form: FormData) -> Response:
    auth, wall_space = await _owner_action(request)
    await guestbook.delete(
        wall_space, int(request.path_params["entry_id"]), actor_id=auth.space.actor_id
    )
    return redirect(f"/@{wall_space.name}/guestbook")


@form_endpoint
async def pin(request: Request, form: FormData) -> Response:
    auth, wall_space = await _owner_action(request)
    if auth.space.actor_id != wall_space.actor_id:
        raise Forbidden(_("Only the owner can pin a note."))
    await guestbook.set_pinned_note(wall_space, text(form, "note"))
    return redirect(f"/@{wall_space.name}/guestbook")
