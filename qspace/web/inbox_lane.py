"""A short lane for inbox POSTs past the middleware that only pages need.

Deliveries are most of a federated server's requests, and under load a third of the time of
each went to layers that do nothing for them: the document micro-cache (GETs only), the
language, the body limit for uploads (an inbox caps its own body), the session cookie, and a
router matching a hundred routes. This middleware sits after the request id, the access log and
the security headers, and sends `POST /inbox` and `POST /@name/inbox` straight to their
endpoints with the database current; everything else continues down the stack as before.
The routes stay in the router too (url_for, 405 for other methods).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qspace.db import use_database
from qspace.services.errors import ServiceError
from qspace.web import inbox

Endpoint = Callable[[Request], Awaitable[Response]]

# The router's `{name}` matches any segment without a slash; the lane takes the same paths.
_SPACE_INBOX = re.compile(r"/@(?P<name>[^/]+)/inbox")


class InboxLaneMiddleware:
    """Route inbox POSTs to their endpoints directly (see the module docstring)."""

    def __init__(self, app: Any, get_context: Callable[[], Any]) -> None:
        self.app = app
        self.get_context = get_context

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        lane = _lane_of(scope) if scope["type"] == "http" and scope["method"] == "POST" else None
        context = self.get_context() if lane is not None else None
        if lane is None or context is None:
            await self.app(scope, receive, send)
            return
        endpoint, path_params = lane
        scope["path_params"] = path_params
        request = Request(scope, receive)
        with use_database(context):
            try:
                response = await endpoint(request)
            except ServiceError as exc:  # an unknown space: the same JSON error as the checks
                response = JSONResponse({"error": exc.message}, status_code=exc.status)
        await response(scope, receive, send)


def _lane_of(scope: Any) -> tuple[Endpoint, dict[str, str]] | None:
    """The inbox endpoint and path parameters for this request's path, or None."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path == "/inbox":
        return inbox.shared_inbox, {}
    found = _SPACE_INBOX.fullmatch(path)
    if found is None:
        return None
    return inbox.space_inbox, {"name": found["name"]}
