"""WebFinger (RFC 7033) and host-meta (RFC 6415): handle parsing, JRD building, actor lookup."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final
from xml.sax.saxutils import quoteattr

import httpx

from federation.errors import FederationError
from federation.fetch import JRD_ACCEPT, JRD_CONTENT_TYPES, Fetcher, FetchError
from federation.jsonld import ACTIVITY_JSON, content_type_is_activity_json

JRD_CONTENT_TYPE: Final = "application/jrd+json"
XRD_CONTENT_TYPE: Final = "application/xrd+xml"
PROFILE_PAGE_REL: Final = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL: Final = "http://ostatus.org/schema/1.0/subscribe"

# RFC 3986 "unreserved" characters: covers Mastodon (a-z0-9_), Pleroma/Akkoma (dots, dashes)
# and GoToSocial usernames without letting "@", "/", "?" or "#" into the user part.
_USER = re.compile(r"[A-Za-z0-9._~-]{1,255}")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class InvalidHandle(FederationError):
    """A handle is not of the form user@host."""

    status = 400
    reason = "invalid handle"


class WebFingerError(FetchError):
    """The WebFinger answer names no ActivityPub actor."""

    status = 404
    reason = "no ActivityPub actor"


def parse_handle(handle: str) -> tuple[str, str]:
    """Split ``@user@host``, ``user@host`` or ``acct:user@host`` into ``(user, host)``.

    The host is lower-cased and may carry a port (``localhost:8000`` in development).

    Raises:
        InvalidHandle: anything else, including empty parts, extra ``@`` or a bad host.
    """
    text = handle.strip()
    if text[:5].lower() == "acct:":
        text = text[5:]
    text = text.removeprefix("@")
    user, at, host = text.partition("@")
    if not at or not _USER.fullmatch(user) or not _valid_host(host):
        raise InvalidHandle(f"not a user@host handle: {handle!r}")
    return user, host.lower()


def _valid_host(host: str) -> bool:
    """Tell whether ``host`` is a DNS name (ASCII, punycode for IDNs) with an optional port."""
    name, colon, port = host.partition(":")
    if colon and not (port.isdigit() and 0 < int(port) < 65536):
        return False
    labels = name.split(".")
    return len(name) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def build_jrd(
    subject: str,
    aliases: Sequence[str],
    actor_url: str,
    profile_url: str,
    subscribe_template: str | None = None,
) -> dict[str, Any]:
    """Build the JRD a server answers ``/.well-known/webfinger?resource=acct:...`` with.

    Args:
        subject: ``acct:user@host``.
        aliases: other URIs of the same account (profile page, actor id).
        actor_url: the actor document, linked as ``self`` with type ``application/activity+json``.
        profile_url: the HTML profile, linked as ``http://webfinger.net/rel/profile-page``.
        subscribe_template: the OStatus remote-follow template, containing ``{uri}``.
    """
    links: list[dict[str, str]] = [
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url},
        {"rel": "self", "type": ACTIVITY_JSON, "href": actor_url},
    ]
    if subscribe_template is not None:
        links.append({"rel": SUBSCRIBE_REL, "template": subscribe_template})
    return {"subject": subject, "aliases": list(aliases), "links": links}


def actor_url_from_jrd(jrd: dict[str, Any]) -> str:
    """Return the href of the ``self`` link whose type is ActivityStreams JSON.

    Raises:
        WebFingerError: no such link with an http(s) href.
    """
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        href = link.get("href")
        if content_type_is_activity_json(link.get("type")) and _is_http_url(href):
            return str(href)
    raise WebFingerError(f"no ActivityPub self link for {jrd.get('subject')!r}")


def _is_http_url(value: Any) -> bool:
    """Tell whether a value is an absolute http(s) URL."""
    if not isinstance(value, str):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("https", "http") and bool(url.host)


async def resolve(fetcher: Fetcher, handle: str, *, scheme: str = "https") -> str:
    """Look up a handle with WebFinger and return its actor URL.

    The actor may live on another host than the handle (split-domain setups): callers that
    store the mapping should check the actor's ``preferredUsername`` and host against it.

    Args:
        fetcher: performs the GET (SSRF guard, limits, signing).
        handle: any form parse_handle accepts.
        scheme: ``"https"``; ``"http"`` only for development hosts (with ``allow_http``).

    Raises:
        InvalidHandle: the handle is malformed.
        WebFingerError: the answer has no ActivityPub self link.
        FetchError: the lookup itself failed (refused address, bad status, not JSON...).
    """
    user, host = parse_handle(handle)
    url = httpx.URL(
        f"{scheme}://{host}/.well-known/webfinger", params={"resource": f"acct:{user}@{host}"}
    )
    jrd = await fetcher.fetch_json(str(url), accept=JRD_ACCEPT, content_types=JRD_CONTENT_TYPES)
    return actor_url_from_jrd(jrd)


def build_host_meta_xml(base_url: str) -> str:
    """Build the ``/.well-known/host-meta`` XRD pointing to the WebFinger endpoint.

    Args:
        base_url: the server's origin, e.g. ``https://local.test`` (no trailing slash needed).
    """
    template = f"{base_url.rstrip('/')}/.well-known/webfinger?resource={{uri}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )
