"""ActivityPub GET endpoints: actors (content-negotiated on the space page) and collections.

Authorized fetch: a GET that carries an HTTP signature is verified, and its signer is the
viewer the audience rule applies to; a bad signature is refused with 401. Actor documents are
public and served without verifying, as Mastodon does: a key fetch that had to be verified
with a key fetch could go back and forth between two servers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from federation.errors import FederationError
from federation.jsonld import wants_activity_json
from federation.signatures import signs_request, verify_request
from qspace.mapping import instance_to_actor, to_ordered_collection
from qspace.models import Actor, Space
from qspace.services import collections, spaces
from qspace.services.actor_document import actor_document
from qspace.services.audience import ANONYMOUS, Viewer, viewer_for
from qspace.services.domain_blocks import blocked_domain_check
from qspace.web.document_cache import mark_public

ACTIVITY_CONTENT_TYPE = "application/activity+json; charset=utf-8"
Endpoint = Callable[[Request], Awaitable[Response]]


def public_url(request: Request) -> str:
    """The URL the client addressed, on the configured public origin (`base_url`).

    Signatures cover the path and the Host the sender used, not the socket address behind
    the reverse proxy. The raw path keeps the percent-encoding the sender signed.
    """
    raw_path = request.scope.get("raw_path")
    # ASGI's raw_path has no query string; strip one defensively all the same.
    path = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    base = request.app.state.services.settings.base_url
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def _add_vary(response: Response) -> Response:
    vary = response.headers.get("vary")
    if vary is None:
        response.headers["Vary"] = "Accept"
    elif "accept" not in [v.strip().lower() for v in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, Accept"
    return response


async def negotiate(request: Request) -> bool:
    """Whether the request asks for ActivityStreams JSON rather than the HTML page."""
    return wants_activity_json(request.headers.get("accept"))


async def object_response(
    request: Request, document: dict[str, Any], *, status_code: int = 200
) -> Response:
    """An ActivityStreams JSON response (`Vary: Accept`: the same URL also serves HTML)."""
    return _add_vary(
        Response(orjson.dumps(document), status_code=status_code, media_type=ACTIVITY_CONTENT_TYPE)
    )


def error_response(exc: FederationError) -> Response:
    """The answer to a failed federation check: `{"error": reason}` with its status."""
    return JSONResponse({"error": exc.reason}, status_code=exc.status)


def negotiated(json_endpoint: Endpoint) -> Callable[[Endpoint], Endpoint]:
    """Decorate an HTML endpoint so ActivityPub clients get `json_endpoint`'s answer instead.

    Both answers carry `Vary: Accept`, so caches keep them apart.
    """

    def decorate(html_endpoint: Endpoint) -> Endpoint:
        @functools.wraps(html_endpoint)
        async def endpoint(request: Request) -> Response:
            if await negotiate(request):
                return _add_vary(await json_endpoint(request))
            return _add_vary(await html_endpoint(request))

        return endpoint

    return decorate


class SignedFetchRefused(Exception):
    """A signed GET failed its checks; carries the FederationError to answer with."""

    def __init__(self, error: FederationError) -> None:
        super().__init__(error.reason)
        self.error = error


async def signed_fetcher(request: Request) -> Actor | None:
    """The actor that signed this GET, or None for an unsigned request.

    Raises SignedFetchRefused (answer with its error) for a signature that does not verify or
    a signer on a blocked domain.
    """
    if not is_signed(request):
        return None
    services = request.app.state.services
    federation = services.settings.federation
    try:
        verified = await verify_request(
            "GET",
            public_url(request),
            request.headers,
            b"",
            services.remote_actors.public_key,
            max_age=timedelta(seconds=federation.signature_max_age),
            max_future=timedelta(seconds=federation.signature_max_future),
        )
    except FederationError as exc:
        raise SignedFetchRefused(exc) from exc
    is_blocked = await blocked_domain_check(services.settings.federation.blocked_domains)
    signer = await Actor.get_or_none(ap_id=verified.owner, deleted_at=None)
    if signer is None or is_blocked(signer.domain):
        raise SignedFetchRefused(FederationError("signer is not allowed", status=403))
    return signer


async def fetch_viewer(request: Request) -> Viewer:
    """The audience-rule viewer of an ActivityPub GET: its signer, else anonymous.

    Raises SignedFetchRefused like signed_fetcher.
    """
    signer = await signed_fetcher(request)
    return ANONYMOUS if signer is None else await viewer_for(signer)


def _collection_endpoint(
    build: Callable[[Request, Space, Viewer], Awaitable[dict[str, Any]]],
) -> Endpoint:
    """An endpoint serving one of a space's collections to a (maybe signed) fetch."""

    @functools.wraps(build)
    async def endpoint(request: Request) -> Response:
        space = await spaces.get_space(request.path_params["name"])
        try:
            viewer = await fetch_viewer(request)
        except SignedFetchRefused as refused:
            return error_response(refused.error)
        if viewer.is_anonymous:
            mark_public(request.scope)  # what every unsigned fetch gets (web/document_cache.py)
        return await object_response(request, await build(request, space, viewer))

    return endpoint


def is_signed(request: Request) -> bool:
    """Whether the request carries an HTTP signature (either style)."""
    return any(signs_request(name, value) for name, value in request.headers.raw)


# --- Actors --------------------------------------------------------------------------------


async def space_actor(request: Request) -> Response:
    """The Person actor of a space (what `/@name` answers ActivityPub clients)."""
    space = await spaces.get_space(request.path_params["name"])
    services = request.app.state.services
    document = await actor_document(space, services.urls, services.settings)
    mark_public(request.scope)  # the same for every fetch (web/document_cache.py)
    return await object_response(request, document)


async def instance_actor(request: Request) -> Response:
    """The instance actor (`/actor`), whose key signs this server's own fetches."""
    services = request.app.state.services
    public_pem = await services.keys.instance_public_pem()
    document = instance_to_actor(services.urls, services.settings.server.domain, public_pem)
    return await object_response(request, document)


async def instance_collection(request: Request) -> Response:
    """The instance actor's outbox, followers and following: always empty."""
    return await object_response(request, to_ordered_collection(public_url(request), 0, items=[]))


# --- A space's collections -----------------------------------------------------------------


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


async def _outbox(request: Request, space: Space, viewer: Viewer) -> dict[str, Any]:
    urls = request.app.state.services.urls
    if "page" not in request.query_params:
        return await collections.outbox_collection(urls, space, viewer)
    cursor = collections.Cursor(
        max_id=_int_param(request, "max_id"), min_id=_int_param(request, "min_id")
    )
    return await collections.outbox_page(urls, space, viewer, cursor)


def _follows(which: Literal["followers", "following"]) -> Callable[..., Awaitable[dict]]:
    async def build(request: Request, space: Space, viewer: Viewer) -> dict[str, Any]:
        urls = request.app.state.services.urls
        page = _int_param(request, "page")
        return await collections.follow_collection(urls, space, which, page)

    build.__name__ = which
    return build


async def _featured(request: Request, space: Space, viewer: Viewer) -> dict[str, Any]:
    return collections.featured_collection(request.app.state.services.urls, space)


outbox = _collection_endpoint(_outbox)
followers = _collection_endpoint(_follows("followers"))
following = _collection_endpoint(_follows("following"))
featured = _collection_endpoint(_featured)
