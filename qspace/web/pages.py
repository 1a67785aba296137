"""Public pages: the front page listing the server's spaces, and each space's home page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qspace.models import ItemKind
from qspace.services import items, spaces
from qspace.services.audience import ANONYMOUS
from qspace.web.render import page


async def front_page(request: Request) -> Response:
    all_spaces = await spaces.list_spaces()
    return await page(request, "pages/index.html", {"spaces": all_spaces})


async def space_page(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = ANONYMOUS
    statuses = await items.space_items(space, viewer, kinds=(ItemKind.STATUS,), limit=20)
    posts = await items.space_items(space, viewer, kinds=(ItemKind.BLOG,), limit=10)
    return await page(
        request,
        "pages/space.html",
        {"space": space, "statuses": statuses, "posts": posts},
    )
