"""Check an inbox POST before anything is stored: size, JSON, domain, signature, owner, replay.

``receive`` holds no state: the caller passes callbacks for keys, seen ids and blocked domains,
and answers each FederationError with ``{"error": exc.reason}`` and ``exc.status``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from federation.errors import FederationError, SignatureMalformed
from federation.jsonld import PayloadTooLarge, ap_id_of, loads_limited
from federation.signatures import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_FUTURE,
    KeyLookup,
    PublicKeyInfo,
    VerifiedSignature,
    verify_request,
)

DEFAULT_MAX_BYTES: Final = 1024 * 1024
DEFAULT_MAX_DEPTH: Final = 32

Headers = Mapping[str, str] | list[tuple[str, str]]


class MethodNotAllowed(FederationError):
    """Inboxes take POST only."""

    status = 405
    reason = "inboxes accept POST only"


class UnsupportedMediaType(FederationError):
    """The Content-Type is not a JSON type."""

    status = 415
    reason = "expected application/activity+json"


class InvalidActivity(FederationError):
    """The JSON is not an activity with an id and an actor."""

    status = 400
    reason = "not an activity"


class DomainBlocked(FederationError):
    """The actor or signing key belongs to a domain this server blocks."""

    status = 403
    reason = "domain is blocked"


class KeyOwnerMismatch(FederationError):
    """The request is validly signed, but not by the activity's actor.

    This is what a forwarded activity (ActivityPub §7.1.2 inbox forwarding, or a relay)
    looks like. The caller may drop it, or refetch ``activity["id"]`` from its origin
    with a Fetcher and trust that copy instead: ``activity``, ``actor`` and ``key_owner``
    are kept on the exception for that.
    """

    status = 401
    reason = "signing key does not belong to the activity's actor"

    def __init__(self, activity: dict[str, Any], actor: str, key_owner: str) -> None:
        super().__init__(f"signed by {key_owner}, but the actor is {actor}")
        self.activity = activity
        self.actor = actor
        self.key_owner = key_owner


class ActivityReplayed(FederationError):
    """The activity id was already processed (a retry, or a replayed request).

    Its status is 202: like Mastodon, qspace acknowledges a duplicate as accepted, so the
    sender's retry loop stops, and processes nothing.
    """

    status = 202
    reason = "activity already processed"


@dataclass(frozen=True)
class ReceivedActivity:
    """An inbox POST that passed every check: the activity and who signed it."""

    activity: dict[str, Any]
    actor: str
    key_owner: str
    signature: VerifiedSignature


def check_content_length(headers: Headers, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse a request whose declared Content-Length is over the limit, before reading it.

    Call it before reading the body; read at most ``max_bytes + 1`` bytes in any case, since
    chunked requests declare no length.

    Raises:
        PayloadTooLarge: the declared length exceeds ``max_bytes``.
    """
    declared = _header(headers, "content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"body of {int(declared)} bytes exceeds {max_bytes}")


async def receive(
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    *,
    get_key: KeyLookup,
    seen: Callable[[str], Awaitable[bool]],
    is_blocked_domain: Callable[[str], bool],
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    now: datetime | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
) -> ReceivedActivity:
    """Run every check an inbox POST must pass and return the parsed activity.

    Order (cheap and key-free first, so junk never triggers a key fetch): method, size (413,
    before parsing), Content-Type (415), JSON and depth (400), activity shape (400), actor
    domain (403), signature via ``verify_request`` (401/400/503), key owner == actor (401),
    replay (``seen``, only after the signature verified).

    Args:
        method: the request method.
        url: the full URL as the client addressed it (see ``verify_request``).
        headers: the request headers.
        body: the raw body (read with a cap, see check_content_length).
        get_key: ``(key_id, refresh) -> PublicKeyInfo | None``; never called for a key
            on a blocked domain.
        seen: returns True when the activity id was processed before; it may record the id.
        is_blocked_domain: gets a lower-case host; subdomain policy is the caller's.
        max_bytes: the largest accepted body.
        max_depth: the deepest accepted JSON nesting.
        now: the clock for the signature window (tests).
        max_age, max_future: how old, or how far in the future, a signature's date may be.

    Raises:
        MethodNotAllowed (405), PayloadTooLarge (413), UnsupportedMediaType (415),
        InvalidJson / JsonTooDeep / InvalidActivity (400), DomainBlocked (403),
        the errors of verify_request (401, 400, 503), KeyOwnerMismatch (401),
        ActivityReplayed (202: acknowledge, do not process).
    """
    if method.upper() != "POST":
        raise MethodNotAllowed()
    check_content_length(headers, max_bytes=max_bytes)
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"body of {len(body)} bytes exceeds {max_bytes}")
    _check_content_type(_header(headers, "content-type"))
    activity = loads_limited(body, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(activity, dict):
        raise InvalidActivity("not an activity: the body is not a JSON object")
    actor = _require_url(ap_id_of(activity.get("actor")), "actor", _known_host_of)
    ap_id = _require_url(activity.get("id"), "id", _host_of)
    _refuse_blocked(actor, is_blocked_domain)

    async def get_unblocked_key(key_id: str, refresh: bool) -> PublicKeyInfo | None:
        _refuse_blocked(key_id, is_blocked_domain)
        return await get_key(key_id, refresh)

    signature = await verify_request(
        method,
        url,
        headers,
        body,
        get_unblocked_key,
        now=now,
        max_age=max_age,
        max_future=max_future,
    )
    _refuse_blocked(signature.owner, is_blocked_domain)
    if signature.owner != actor:
        raise KeyOwnerMismatch(activity, actor, signature.owner)
    if await seen(ap_id):
        raise ActivityReplayed(f"activity already processed: {ap_id}")
    return ReceivedActivity(activity, actor, signature.owner, signature)


def _header(headers: Headers, name: str) -> str | None:
    """Read a header case-insensitively from a mapping or a list of pairs."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return next((value for key, value in pairs if key.lower() == name), None)


def _check_content_type(content_type: str | None) -> None:
    """Refuse a Content-Type that is not JSON; a missing one is tolerated.

    Senders use ``application/activity+json`` or the ``ld+json`` profile form (ActivityPub
    §7); any ``*/json`` or ``*/*+json`` is accepted so that minor variations still federate.
    """
    if content_type is None:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    subtype = media_type.partition("/")[2]
    if subtype != "json" and not subtype.endswith("+json"):
        raise UnsupportedMediaType(f"expected application/activity+json, got {media_type!r}")


def _require_url(value: Any, field: str, host_of: Callable[..., str]) -> str:
    """Return ``value`` if it is an absolute http(s) URL, else refuse the activity."""
    if isinstance(value, str) and host_of(value, schemes=("https", "http")):
        return value
    raise InvalidActivity(f"not an activity: {field} must be an http(s) URL")


def _host_of(url: str, schemes: tuple[str, ...] | None = None) -> str:
    """The lower-case host of ``url`` ("" when it has none, or another scheme).

    ``urlsplit``, not ``httpx.URL``: this runs three times per inbox POST, and the standard
    library's split costs a fraction of httpx's validating parser.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return ""
    if schemes is not None and parts.scheme.lower() not in schemes:
        return ""
    return host


# Actors and key ids come back with every delivery of the same sender: their hosts are
# remembered (activity ids are new each time and go through _host_of itself).
_known_host_of = functools.lru_cache(maxsize=4096)(_host_of)


def _refuse_blocked(url: str, is_blocked_domain: Callable[[str], bool]) -> None:
    """Raise DomainBlocked when the host of ``url`` is blocked.

    Raises:
        SignatureMalformed: ``url`` (a key id or key owner) is not a URL with a host.
    """
    host = _known_host_of(url)
    if not host:
        raise SignatureMalformed(f"key id or owner is not a URL: {url!r}")
    if is_blocked_domain(host):
        raise DomainBlocked(f"domain is blocked: {host}")
