"""Inboxes: `POST /@name/inbox` and the shared `POST /inbox`.

A request is checked (size, JSON, domain, signature, key owner, replay: federation.inbox),
stored as an InboxItem and answered 202 at once; the inbox job applies it later. Failed checks
answer `{"error": reason}` with the check's status, as Mastodon does, and store nothing.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import ValidationError

from federation.errors import FederationError, KeyUnavailable
from federation.inbox import ActivityReplayed, InvalidActivity, check_content_length, receive
from federation.jsonld import PayloadTooLarge, ap_id_of, loads_limited
from qspace.models import Space
from qspace.services import spaces
from qspace.services.domain_blocks import blocked_domain_check
from qspace.web.activitypub import error_response, public_url


async def space_inbox(request: Request) -> Response:
    """A space's personal inbox (404 for an unknown space)."""
    space = await spaces.get_space(request.path_params["name"])
    return await _receive(request, space)


async def shared_inbox(request: Request) -> Response:
    """The server's shared inbox (`endpoints.sharedInbox`): one delivery for many people."""
    return await _receive(request, None)


async def _read_capped(request: Request, max_bytes: int) -> bytes:
    """Read the body, refusing it as soon as it passes `max_bytes` (chunked bodies too)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"body exceeds {max_bytes} bytes")
    return bytes(body)


def _deletes_unknown_actor(body: bytes, max_bytes: int) -> bool:
    """Whether the body is an actor deleting itself (whose key we never had).

    Mastodon sends such Deletes to every server the account ever reached; answering 202
    stops the sender's retries, and there is nothing of that actor here to delete.
    """
    try:
        activity = loads_limited(body, max_bytes=max_bytes)
    except FederationError:
        return False
    if not isinstance(activity, dict) or activity.get("type") != "Delete":
        return False
    actor = ap_id_of(activity.get("actor"))
    return actor is not None and ap_id_of(activity.get("object")) == actor


_NUL = b"\\u0000"


async def _checked_on_store(_ap_id: str) -> bool:
    return False


async def _receive(request: Request, space: Space | None) -> Response:
    services = request.app.state.services
    settings = services.settings.federation
    max_bytes = settings.max_inbox_bytes
    body = b""
    try:
        check_content_length(request.headers, max_bytes=max_bytes)
        body = await _read_capped(request, max_bytes)
        received = await receive(
            request.method,
            public_url(request),
            request.headers,
            body,
            get_key=services.remote_actors.public_key,
            # The replay check is the unique activity id of the stored row (InboxWriter):
            # one insert instead of a lookup and an insert; a replay still gets 202 and nothing.
            seen=_checked_on_store,
            is_blocked_domain=await blocked_domain_check(settings.blocked_domains),
            max_bytes=max_bytes,
            max_age=timedelta(seconds=settings.signature_max_age),
            max_future=timedelta(seconds=settings.signature_max_future),
        )
    except ActivityReplayed:
        return Response(status_code=202)
    except KeyUnavailable as exc:
        if _deletes_unknown_actor(body, max_bytes):
            return Response(status_code=202)
        return error_response(exc)
    except FederationError as exc:
        return error_response(exc)
    if _NUL in body:
        # PostgreSQL cannot store NUL in text or JSON; refused alike on every database. (A
        # literal backslash before "u0000" is refused too: rare enough to accept.)
        return error_response(InvalidActivity("NUL characters are not accepted"))
    try:
        await services.inbox_writer.store(received, space)
    except ValidationError as exc:  # a field longer than qspace stores
        return error_response(InvalidActivity(f"cannot store this activity: {exc}"))
    services.runner.wake()
    return Response(status_code=202)
