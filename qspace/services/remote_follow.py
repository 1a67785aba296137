"""Remote follow: send a visitor from another server back home to follow a space from there.

The visitor types their handle; their server's WebFinger answer names its OStatus subscribe
template (`http://ostatus.org/schema/1.0/subscribe`, e.g. Mastodon's
`https://host/authorize_interaction?uri={uri}`), and the visitor is sent there with the
space's actor id. qspace publishes the same template for itself (`/authorize_interaction`).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from federation.fetch import JRD_ACCEPT, JRD_CONTENT_TYPES, Fetcher, NetworkError
from federation.webfinger import SUBSCRIBE_REL, InvalidHandle, parse_handle
from qspace.i18n import gettext as _
from qspace.services.errors import ServiceError
from qspace.services.keyring import KeyRing


def subscribe_template(jrd: dict, *, allow_http: bool) -> str | None:
    """The subscribe template of a JRD, if it is an http(s) URL template with `{uri}`."""
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if not isinstance(template, str) or "{uri}" not in template:
            continue
        try:
            scheme = httpx.URL(template.replace("{uri}", "x")).scheme
        except httpx.InvalidURL:
            continue
        if scheme == "https" or (allow_http and scheme == "http"):
            return template
    return None


async def subscribe_url(fetcher: Fetcher, keys: KeyRing, handle: str, uri: str) -> str:
    """Where to send the owner of `handle` so their server follows `uri` (an actor id).

    Raises ServiceError for a malformed handle or a server without a subscribe template,
    federation.fetch.FetchError when their server cannot be asked.
    """
    try:
        user, host = parse_handle(handle)
    except InvalidHandle:
        raise ServiceError(_("Write your address as @name@your.server.")) from None
    await keys.instance_key()  # the fetcher signs with it
    url = f"https://{host}/.well-known/webfinger?resource=acct:{user}@{host}"
    try:
        jrd = await fetcher.fetch_json(url, accept=JRD_ACCEPT, content_types=JRD_CONTENT_TYPES)
    except NetworkError:
        if not fetcher.allow_http:
            raise
        jrd = await fetcher.fetch_json(
            "http" + url.removeprefix("https"), accept=JRD_ACCEPT, content_types=JRD_CONTENT_TYPES
        )
    template = subscribe_template(jrd, allow_http=fetcher.allow_http)
    if template is None:
        raise ServiceError(_("Your server does not offer to follow from here."))
    return template.replace("{uri}", quote(uri, safe=""))
