"""Deliver one activity to one inbox, classify the answer, and schedule retries.

The caller owns the queue (qspace stores one row per inbox); this module only knows how to
make one attempt and what it means, so every worker shares the same rules.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Final, Literal

import httpx

from federation.jsonld import ACTIVITY_JSON
from federation.keys import SigningKey
from federation.signatures import sign_request
from federation.ssrf import UnsafeURL

SignatureStyle = Literal["cavage", "rfc9421"]

MAX_ATTEMPTS: Final = 8
"""Attempts before a delivery gives up; with the default backoff they span about 2.6 days."""
DEFAULT_BACKOFF_BASE: Final = timedelta(minutes=30)
DEFAULT_BACKOFF_CAP: Final = timedelta(hours=48)
DEFAULT_JITTER: Final = 0.1
# A hostile or confused server could ask us to wait for years; the queue keeps its own pace.
MAX_RETRY_AFTER: Final = timedelta(days=1)
# The "double knock": a 4xx on the first style may mean the server does not know it (most
# servers in 2024-2025 verify only draft-cavage). These statuses have other causes, so a
# second knock with the other style would only repeat the failure.
_NOT_A_SIGNATURE_PROBLEM: Final = frozenset({404, 408, 410, 413, 429})
_ERROR_SNIPPET_BYTES: Final = 512
_RNG: Final = random.Random()


class Outcome(StrEnum):
    """What the caller should do with a delivery after one attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"  # try again later (backoff_delay, or retry_after when given)
    GAVE_UP = "gave_up"  # permanent failure: do not retry


@dataclass(frozen=True)
class DeliveryResult:
    """The result of one deliver() call.

    ``status`` is None when no HTTP answer arrived (network error, refused address);
    ``style_used`` is the signature style of the last request sent, if any.
    """

    outcome: Outcome
    status: int | None = None
    retry_after: timedelta | None = None
    error: str | None = None
    style_used: SignatureStyle | None = None


@dataclass(frozen=True)
class Recipient:
    """Where one recipient actor takes deliveries.

    ``use_shared_inbox`` is the caller's audience decision: True when the server behind
    ``shared_inbox`` may receive this activity once for all its addressed users.
    """

    actor_id: str
    inbox: str
    shared_inbox: str | None = None
    use_shared_inbox: bool = False


def serialize_activity(activity: Mapping[str, Any]) -> bytes:
    """Serialise an activity to compact UTF-8 JSON, the exact bytes that get signed and sent."""
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()


async def deliver(
    client: httpx.AsyncClient,
    inbox_url: str,
    activity: Mapping[str, Any] | bytes,
    key: SigningKey,
    *,
    style_memory: MutableMapping[str, str] | None = None,
    user_agent: str,
    timeout: float = 30.0,
    now: datetime | None = None,
) -> DeliveryResult:
    """POST an activity to an inbox, signed, and classify the answer.

    The body is serialised once. The first request is signed with the style remembered for the
    inbox's host (RFC 9421 when none is); on a 4xx other than 404/408/410/413/429 it is sent
    once more signed with the other style (the "double knock"). The style that got a 2xx is
    remembered in ``style_memory``. Never raises for network or HTTP failures: they become
    RETRY or GAVE_UP results.

    Args:
        client: the httpx client (wrap its transport in GuardedTransport in production).
        inbox_url: the inbox or shared inbox.
        activity: the activity, or its already serialised bytes.
        key: the sending actor's key.
        style_memory: host -> style that worked last time; updated in place.
        user_agent: e.g. ``"qspace/0.1.0 (+https://local.test/)"``.
        timeout: total seconds for each request.
        now: the signing and Retry-After clock (tests).

    Raises:
        ValueError: ``key`` is not a usable private key (from sign_request).
    """
    body = activity if isinstance(activity, bytes) else serialize_activity(activity)
    host = _host_of(inbox_url)
    remembered = style_memory.get(host) if style_memory is not None and host else None
    first: SignatureStyle = "cavage" if remembered == "cavage" else "rfc9421"
    second: SignatureStyle = "rfc9421" if first == "cavage" else "cavage"
    result = await _post(client, inbox_url, body, key, first, user_agent, timeout, now)
    if result.outcome is not Outcome.DELIVERED and _knock_again(result.status):
        result = await _post(client, inbox_url, body, key, second, user_agent, timeout, now)
    if result.outcome is Outcome.DELIVERED and style_memory is not None and host:
        style_memory[host] = result.style_used or first
    return result


def _knock_again(status: int | None) -> bool:
    """Tell whether a failed first attempt may be a signature-style mismatch."""
    return status is not None and 400 <= status < 500 and status not in _NOT_A_SIGNATURE_PROBLEM


def _host_of(url: str) -> str:
    """Return the host[:port] deliveries to ``url`` share, or "" for an unparsable URL."""
    try:
        return httpx.URL(url).netloc.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeDecodeError):
        return ""


async def _post(
    client: httpx.AsyncClient,
    inbox_url: str,
    body: bytes,
    key: SigningKey,
    style: SignatureStyle,
    user_agent: str,
    timeout: float,
    now: datetime | None,
) -> DeliveryResult:
    """Send one signed POST and turn whatever happens into a DeliveryResult."""
    try:
        request = client.build_request(
            "POST",
            inbox_url,
            content=body,
            headers={"Content-Type": ACTIVITY_JSON, "User-Agent": user_agent},
            timeout=timeout,
        )
        sign_request(request, key, style=style, now=now)
        async with asyncio.timeout(timeout):
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                snippet = await _read_snippet(response)
            finally:
                await response.aclose()
    except (UnsafeURL, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return DeliveryResult(Outcome.GAVE_UP, error=f"refused: {exc}", style_used=style)
    except TimeoutError:
        return DeliveryResult(Outcome.RETRY, error=f"timed out after {timeout}s", style_used=style)
    except httpx.TransportError as exc:
        error = f"{type(exc).__name__}: {exc}"
        return DeliveryResult(Outcome.RETRY, error=error, style_used=style)
    outcome, retry_after = classify(response.status_code, response.headers, now=now)
    error = None if outcome is Outcome.DELIVERED else f"HTTP {response.status_code}: {snippet}"
    return DeliveryResult(outcome, response.status_code, retry_after, error, style)


async def _read_snippet(response: httpx.Response) -> str:
    """Read the start of a response body for the error log; never the whole of it."""
    collected = b""
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport), nothing to stream
        collected = response.content
    else:
        async for chunk in response.aiter_raw():
            collected += chunk
            if len(collected) >= _ERROR_SNIPPET_BYTES:
                break
    return collected[:_ERROR_SNIPPET_BYTES].decode("utf-8", "replace").strip()


def classify(
    status: int, headers: Mapping[str, str], *, now: datetime | None = None
) -> tuple[Outcome, timedelta | None]:
    """Classify an inbox's HTTP answer; return the outcome and the server's Retry-After.

    2xx is DELIVERED. 408, 429 and 5xx are RETRY, with ``Retry-After`` (seconds or an
    HTTP-date, RFC 9110 §10.2.3) when the server sent one, clamped to [0, MAX_RETRY_AFTER].
    Everything else (410 Gone, other 4xx, and 3xx, since inbox POSTs are not redirected) is
    GAVE_UP: repeating the same request would get the same answer.
    """
    if 200 <= status < 300:
        return Outcome.DELIVERED, None
    if status in (408, 429) or 500 <= status < 600:
        return Outcome.RETRY, parse_retry_after(_header(headers, "retry-after"), now=now)
    return Outcome.GAVE_UP, None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Read a header case-insensitively from httpx.Headers or a plain dict."""
    if isinstance(headers, httpx.Headers):
        return headers.get(name)
    return next((value for key, value in headers.items() if key.lower() == name), None)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> timedelta | None:
    """Read a Retry-After value (delay-seconds or HTTP-date); None when absent or malformed."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))  # 9 digits: ~31 years, past the cap anyway
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # RFC 9110 HTTP-dates are GMT
            when = when.replace(tzinfo=UTC)
        delay = when - (now or datetime.now(UTC))
    return max(timedelta(0), min(delay, MAX_RETRY_AFTER))


def backoff_delay(
    attempt: int,
    *,
    base: timedelta = DEFAULT_BACKOFF_BASE,
    cap: timedelta = DEFAULT_BACKOFF_CAP,
    jitter: float = DEFAULT_JITTER,
    rng: random.Random | None = None,
) -> timedelta:
    """Return how long to wait after failed attempt number ``attempt`` (1-based).

    The delay doubles from ``base`` up to ``cap``, then is scaled by a random factor in
    ``[1 - jitter, 1 + jitter]`` so that a server coming back is not hit by every queue at
    once. With the defaults and MAX_ATTEMPTS = 8, the seven waits are 30 min, 1 h, 2 h, 4 h,
    8 h, 16 h and 32 h: 63.5 h (about 2.6 days, 57-70 h with jitter) from first attempt to
    giving up.

    Raises:
        ValueError: ``attempt`` is below 1 or ``jitter`` is outside [0, 1].
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if not 0 <= jitter <= 1:
        raise ValueError("jitter must be within [0, 1]")
    doubling = base.total_seconds() * 2.0 ** min(attempt - 1, 64)  # bounded: no overflow
    seconds = min(cap.total_seconds(), doubling)
    factor = 1 + jitter * (2 * (rng or _RNG).random() - 1)
    return timedelta(seconds=seconds * factor)


def group_by_shared_inbox(recipients: Iterable[Recipient]) -> list[str]:
    """Return the distinct inboxes to deliver to, in first-seen order.

    A recipient goes through its server's shared inbox when it has one and the caller allowed
    it (``use_shared_inbox``); otherwise through its own inbox. Each URL appears once.
    """
    inboxes: dict[str, None] = {}
    for recipient in recipients:
        if recipient.use_shared_inbox and recipient.shared_inbox:
            inboxes.setdefault(recipient.shared_inbox, None)
        else:
            inboxes.setdefault(recipient.inbox, None)
    return list(inboxes)
