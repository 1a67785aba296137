"""Sign outgoing and verify incoming HTTP requests, in either signature style.

This is the API the rest of qspace uses: ``sign_request`` before sending an ``httpx.Request``,
``verify_request`` in an inbox or on a signed GET. The two style modules do the work:
``httpsig_cavage`` (draft-cavage-12, what the fediverse sends today) and ``httpsig_rfc9421``.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal

import httpx

from federation import httpsig_cavage, httpsig_rfc9421
from federation.digests import build_content_digest, build_digest
from federation.errors import DateOutOfWindow, KeyUnavailable, SignatureInvalid, SignatureMissing
from federation.http_message import PendingVerification, RequestMessage
from federation.keys import SigningKey, load_public_key

Style = Literal["cavage", "rfc9421"]

# Mastodon (app/lib/signed_request.rb): a signature without an explicit expiry is valid for
# 5 minutes after its date, plus CLOCK_SKEW_MARGIN = 1 hour either way; an explicit expiry is
# capped at EXPIRATION_WINDOW_LIMIT = 12 hours after the date.
CLOCK_SKEW_MARGIN = timedelta(hours=1)
DEFAULT_MAX_AGE = timedelta(minutes=5) + CLOCK_SKEW_MARGIN
DEFAULT_MAX_FUTURE = CLOCK_SKEW_MARGIN
MAX_SIGNATURE_LIFETIME = timedelta(hours=12)

_BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class PublicKeyInfo:
    """A remote public key: its id, the actor that owns it, and its PEM."""

    key_id: str
    owner: str
    public_key_pem: str


# (key_id, refresh) -> key or None. refresh=True means "refetch: the cached key failed".
KeyLookup = Callable[[str, bool], Awaitable[PublicKeyInfo | None]]


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed a request: the key id from the signature and the key's owner actor."""

    key_id: str
    owner: str
    style: Style


def sign_request(
    request: httpx.Request,
    key: SigningKey,
    *,
    style: Style = "cavage",
    now: datetime | None = None,
) -> None:
    """Sign an outgoing request in place.

    Sets ``Host`` (if missing) and ``Date``; when the request has a body or is a POST, sets
    ``Digest`` (cavage) or ``Content-Digest`` (RFC 9421); then sets ``Signature`` (and
    ``Signature-Input``), replacing any earlier signature so a retried request can be re-signed.

    Args:
        request: the request; its body must be in memory (``content=``, ``json=``, ``data=``).
        key: the signing key of the actor on whose behalf the request is sent.
        style: ``"cavage"`` (understood by the whole fediverse) or ``"rfc9421"``.
        now: the signing time; defaults to the current time. A naive value is taken as UTC.

    Raises:
        ValueError: the key is not a usable RSA or Ed25519 private key.
        RuntimeError: the body is an async stream that was not read first.
    """
    now = _aware(now)
    headers = request.headers
    if "host" not in headers:
        headers["Host"] = request.url.netloc.decode("ascii")
    headers["Date"] = format_datetime(now.replace(microsecond=0), usegmt=True)
    for name in ("Signature", "Signature-Input", "Digest", "Content-Digest"):
        headers.pop(name, None)
    body = request.read()
    has_body = bool(body) or request.method.upper() in _BODY_METHODS
    if style == "cavage":
        if has_body:
            headers["Digest"] = build_digest(body)
        wanted = httpsig_cavage.POST_HEADERS if has_body else httpsig_cavage.GET_HEADERS
        message = RequestMessage.from_httpx(request)
        covered = [name for name in wanted if _present(message, name)]
        headers["Signature"] = httpsig_cavage.sign_message(message, key, covered)
        return
    if has_body:
        headers["Content-Digest"] = build_content_digest(body)
    wanted = httpsig_rfc9421.POST_COMPONENTS if has_body else httpsig_rfc9421.GET_COMPONENTS
    message = RequestMessage.from_httpx(request)
    covered = [name for name in wanted if _present(message, name)]
    signature_input, signature = httpsig_rfc9421.sign_message(
        message, key, covered, created=int(now.timestamp())
    )
    headers["Signature-Input"] = signature_input
    headers["Signature"] = signature


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | list[tuple[str, str]],
    body: bytes,
    get_key: KeyLookup,
    *,
    now: datetime | None = None,
    max_age: timedelta = DEFAULT_MAX_AGE,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
) -> VerifiedSignature:
    """Verify a received request's signature and return who signed it.

    RFC 9421 is used when ``Signature-Input`` is present, draft-cavage otherwise. Everything
    that needs no key (parsing, coverage, body digest, time window) is checked first. The key
    comes from ``get_key(key_id, False)``; if the signature does not verify with it,
    ``get_key(key_id, True)`` is called once and verification retried, so rotated keys work.
    The caller must still check that ``owner`` is the actor the request speaks for.

    Args:
        method: the request method.
        url: the full URL the request was received at, ``scheme://host/path?query`` as the
            client addressed it (behind a proxy, rebuild it from the forwarded host/scheme).
        headers: the request headers, as a mapping or as ``(name, value)`` pairs.
        body: the raw request body.
        get_key: resolves a key id to the key; returns ``None`` when it cannot.
        now: the current time, for tests; a naive value is taken as UTC.
        max_age: how old a signature without an explicit expiry may be.
        max_future: how far ahead of our clock a signature's date may be; also the grace
            allowed after an explicit expiry (clock skew).

    Raises:
        SignatureMissing: the request is not signed.
        SignatureMalformed: a signature header cannot be parsed.
        SignatureInvalid: the signature covers too little, uses an unsupported algorithm,
            or does not verify even with a refreshed key.
        DigestMismatch: the body digest is missing or wrong.
        DateOutOfWindow: the signature is too old, from the future, or expired.
        KeyUnavailable: ``get_key`` found no key.
    """
    message = RequestMessage.build(method, url, headers, body)
    style: Style
    if message.field_value("signature-input") is not None:
        style, pending = "rfc9421", httpsig_rfc9421.prepare_verification(message)
    elif message.field_value("signature") is not None or _has_signature_authorization(message):
        style, pending = "cavage", httpsig_cavage.prepare_verification(message)
    else:
        raise SignatureMissing()
    check_time_window(
        pending.created, pending.expires, now=_aware(now), max_age=max_age, max_future=max_future
    )
    key = await get_key(pending.key_id, False)
    if key is None:
        raise KeyUnavailable(f"No public key found for {pending.key_id}")
    if not _verifies(pending, key):
        key = await get_key(pending.key_id, True)
        if key is None or not _verifies(pending, key):
            raise SignatureInvalid()
    return VerifiedSignature(key_id=pending.key_id, owner=key.owner, style=style)


def signs_request(name: bytes, value: bytes) -> bool:
    """Whether a raw header (lower-case name, value) carries an HTTP signature of either
    style: `Signature-Input`/`Signature`, or `Authorization: Signature ...`."""
    if name in (b"signature", b"signature-input"):
        return True
    return name == b"authorization" and value[:10].lower() == b"signature "


def check_time_window(
    created: datetime | None,
    expires: datetime | None,
    *,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
) -> None:
    """Refuse a signature dated too far ahead, too long ago, or past its expiry.

    Mirrors Mastodon's ``matches_time_window?``: with no explicit expiry the date may be at
    most ``max_age`` old; an explicit expiry is honoured up to ``MAX_SIGNATURE_LIFETIME`` after
    the date, with ``max_future`` of clock skew allowed past it.

    Args:
        created: the signed creation time (``created`` parameter or signed ``Date``).
        expires: the signed expiry, if any.
        now: the current time, timezone-aware.
        max_age: see ``verify_request``.
        max_future: see ``verify_request``.

    Raises:
        DateOutOfWindow: the signature is outside the window.
    """
    if created is not None:
        if created > now + max_future:
            raise DateOutOfWindow("Signature date is in the future")
        if expires is None and now - created > max_age:
            raise DateOutOfWindow("Signature date is too old")
        if expires is not None and now - created > MAX_SIGNATURE_LIFETIME + max_future:
            raise DateOutOfWindow("Signature date is too old")
    if expires is not None and now > expires + max_future:
        raise DateOutOfWindow("Signature has expired")


def _verifies(pending: PendingVerification, key: PublicKeyInfo) -> bool:
    try:
        public_key = load_public_key(key.public_key_pem)
    except ValueError:
        return False
    return pending.check(public_key)


def _has_signature_authorization(message: RequestMessage) -> bool:
    authorization = message.field_value("authorization") or ""
    return authorization[:10].lower() == "signature "


def _present(message: RequestMessage, name: str) -> bool:
    # Pseudo-headers and derived components are always there; optional headers such as
    # Accept or Content-Type are signed only when the caller set them.
    return name.startswith(("(", "@")) or message.field_value(name) is not None


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
