"""Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.1.

These documents are fetched by other servers and by browser-based clients on other origins,
hence `Access-Control-Allow-Origin: *` on every answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from federation.nodeinfo import NODEINFO_21_CONTENT_TYPE, build_nodeinfo_21, build_nodeinfo_links
from federation.webfinger import (
    JRD_CONTENT_TYPE,
    XRD_CONTENT_TYPE,
    InvalidHandle,
    build_host_meta_xml,
    build_jrd,
    parse_handle,
)
from qspace.models import Space
from qspace.services import server_info
from qspace.urls import Urls

CORS = {"Access-Control-Allow-Origin": "*"}


def _json(document: dict[str, Any], media_type: str, status_code: int = 200) -> Response:
    return Response(
        orjson.dumps(document), status_code=status_code, media_type=media_type, headers=CORS
    )


def _error(status_code: int, message: str) -> Response:
    return _json({"error": message}, "application/json", status_code)


def _name_of(resource: str, urls: Urls, domain: str) -> str | None:
    """The local user part a WebFinger resource names, or None when it is not ours.

    Accepts `acct:name@domain` (and `name@domain`), and the actor URLs themselves.
    Raises InvalidHandle for a resource that is neither a handle nor an http(s) URL.
    """
    if resource.startswith(("https://", "http://")):
        if resource == urls.instance_actor:
            return domain
        prefix = urls.space("")
        name = resource.removeprefix(prefix) if resource.startswith(prefix) else ""
        return name if name and "/" not in name and "?" not in name else None
    user, host = parse_handle(resource)
    return user.lower() if host == domain.lower() else None


async def webfinger(request: Request) -> Response:
    """`/.well-known/webfinger?resource=acct:name@domain`: a space's (or the instance's) JRD."""
    services = request.app.state.services
    urls: Urls = services.urls
    domain: str = services.settings.server.domain
    resource = request.query_params.get("resource", "").strip()
    if not resource:
        return _error(400, "the resource parameter is required")
    try:
        name = _name_of(resource, urls, domain)
    except InvalidHandle:
        return _error(400, "the resource is not an acct: URI or actor URL")
    if name is None:
        return _error(404, "no such resource here")
    if name == domain.lower():
        # The instance actor's preferredUsername is the domain (as Mastodon's is).
        actor_url = urls.instance_actor
        jrd = build_jrd(f"acct:{domain}@{domain}", [actor_url], actor_url, f"{urls.base}/")
        return _json(jrd, JRD_CONTENT_TYPE)
    space = await Space.get_or_none(name=name, owner__is_disabled=False)
    if space is None:
        return _error(404, "no such resource here")
    actor_url = urls.space(space.name)
    # Remote follow: other servers send their people to /authorize_interaction (issue 6).
    subscribe = f"{urls.base}/authorize_interaction?uri={{uri}}"
    jrd = build_jrd(f"acct:{space.name}@{domain}", [actor_url], actor_url, actor_url, subscribe)
    return _json(jrd, JRD_CONTENT_TYPE)


async def host_meta(request: Request) -> Response:
    """`/.well-known/host-meta`: the XRD pointing at the WebFinger endpoint."""
    base = request.app.state.services.settings.base_url
    return Response(build_host_meta_xml(base), media_type=XRD_CONTENT_TYPE, headers=CORS)


async def nodeinfo_links(request: Request) -> Response:
    """`/.well-known/nodeinfo`: where the NodeInfo 2.1 document is."""
    base = request.app.state.services.settings.base_url
    return _json(build_nodeinfo_links(base), "application/json")


async def nodeinfo(request: Request) -> Response:
    """`/nodeinfo/2.1`: software, protocols, registrations and usage counts."""
    services = request.app.state.services
    usage = await server_info.usage(services.settings)
    document = build_nodeinfo_21(
        "qspace",
        services.version,
        usage.open_registrations,
        usage.total_users,
        usage.active_month,
        usage.active_halfyear,
        usage.local_posts,
        {"nodeName": services.settings.server.domain},
        local_comments=usage.local_comments,
    )
    return _json(document, NODEINFO_21_CONTENT_TYPE)
