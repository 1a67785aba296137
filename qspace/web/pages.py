"""Public pages: the front page listing the server's spaces, and each space's home page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.services import spaces
from qspace.services.errors import NotFound
from qspace.web.activitypub import negotiated, space_actor
from qspace.web.render import page
from qspace.web.space import space_home


async def front_page(request: Request) -> Response:
    all_spaces = await spaces.list_spaces()
    return await page(request, "pages/index.html", {"spaces": all_spaces})


@negotiated(space_actor)  # ActivityPub clients get the Person actor; both answers Vary: Accept
async def space_page(request: Request) -> Response:
    name = request.path_params["name"]
    cache = request.app.state.services.page_cache
    key = None
    if cache.cacheable(request):
        version = await spaces.page_version(name)
        if version is None:
            raise NotFound(_("No such space."))
        key = cache.key(request, *version)
        if (cached := cache.get(key)) is not None:
            return cached
    space = await spaces.get_space(name)
    response = await space_home(request, space)
    if key is not None:
        cache.put(key, response)
    return response
