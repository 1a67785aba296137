"""The signed-in person's own pages: the home feed and notifications."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.services import feed, notifications
from qspace.services.errors import Forbidden
from qspace.web.cards import item_cards
from qspace.web.forms import form_endpoint, redirect
from qspace.web.render import page, require_login, viewer_of


async def home(request: Request) -> Response:
    auth = await require_login(request)
    viewer = await viewer_of(request)
    before = feed.Cursor.decode(request.query_params.get("before"))
    found, next_cursor = await feed.home_feed(viewer, before=before)
    cards = await item_cards(request.app.state.services.urls, found, viewer, with_authors=True)
    context = {
        "cards": cards,
        "next": next_cursor.encode() if next_cursor else None,
        "my_space": auth.space,
    }
    return await page(request, "home/feed.html", context)


async def notifications_page(request: Request) -> Response:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to have notifications."))
    found = await notifications.latest(auth.space)
    return await page(request, "home/notifications.html", {"notifications": found})


@form_endpoint
async def mark_read(request: Request, form: FormData) -> Response:
    auth = await require_login(request)
    if auth.space is not None:
        await notifications.mark_all_read(auth.space)
    return redirect("/notifications")
