"""Public pages: the front page listing the server's spaces, and each space's home page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qspace.services import spaces
from qspace.web.activitypub import negotiated, space_actor
from qspace.web.render import page
from qspace.web.space import space_home


async def front_page(request: Request) -> Response:
    all_spaces = await spaces.list_spaces()
    return await page(request, "pages/index.html", {"spaces": all_spaces})


@negotiated(space_actor)  # ActivityPub clients get the Person actor; both answers Vary: Accept
async def space_page(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    return await space_home(request, space)
