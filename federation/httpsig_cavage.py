"""draft-cavage-http-signatures-12 signatures, the ``Signature`` header most of the fediverse uses.

The algorithm names follow fediverse practice rather than the draft's registry: ``rsa-sha256``
and ``hs2019`` with an RSA key both mean RSASSA-PKCS1-v1_5 with SHA-256 (what Mastodon signs and
verifies); ``hs2019`` with an Ed25519 key means Ed25519 over the signing string.
Verification policy mirrors Mastodon's ``SignedRequest::HttpSignature`` (app/lib/signed_request.rb).
"""

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.digests import verify_digest
from federation.errors import (
    DateOutOfWindow,
    SignatureInvalid,
    SignatureMalformed,
)
from federation.http_message import PendingVerification, RequestMessage
from federation.keys import PrivateKey, PublicKey, SigningKey

ALGORITHMS = ("rsa-sha256", "hs2019")
REQUEST_TARGET = "(request-target)"
CREATED = "(created)"
EXPIRES = "(expires)"
# What qspace signs (the same lists Mastodon sends): POSTs bind the body through Digest.
POST_HEADERS = (REQUEST_TARGET, "host", "date", "digest", "content-type")
GET_HEADERS = (REQUEST_TARGET, "host", "date", "accept")

# One `name=value` parameter; values are quoted strings (with backslash escapes) or bare tokens.
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))')
_UNESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class CavageSignature:
    """The parameters of a parsed ``Signature`` header."""

    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None
    expires: str | None = None


def parse_signature_header(value: str) -> CavageSignature:
    """Parse a ``Signature`` header value, or an ``Authorization: Signature ...`` value.

    Parameter names are matched case-insensitively; unknown parameters are ignored (draft 2.2).
    A missing ``algorithm`` means ``hs2019``. A missing ``headers`` means ``(created)`` for
    hs2019 (draft-12 2.1.6) and ``date`` for the older ``rsa-sha256`` (draft-10, Appendix C.1),
    which is what Mastodon does.

    Args:
        value: the header value, with or without a leading ``Signature`` scheme word.

    Raises:
        SignatureMalformed: the value cannot be parsed, repeats a parameter, or lacks
            ``keyId`` or ``signature``.
    """
    text = value.strip()
    # The Authorization scheme, also sent by old node-http-signature in the Signature header.
    if text[:10].lower() == "signature ":
        text = text[10:]
    params: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None:
            raise SignatureMalformed(f"Cannot parse Signature header at position {position}")
        name = match.group(1).lower()
        if name in params:
            raise SignatureMalformed(f"Signature header repeats {match.group(1)}")
        quoted, bare = match.group(2), match.group(3)
        params[name] = _UNESCAPE.sub(r"\1", quoted) if quoted is not None else bare
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
        if position < len(text):
            if text[position] != ",":
                raise SignatureMalformed(f"Cannot parse Signature header at position {position}")
            position += 1
    for required in ("keyid", "signature"):
        if not params.get(required):
            raise SignatureMalformed(f"Signature header lacks {required}")
    algorithm = params.get("algorithm", "hs2019").lower()
    default_headers = CREATED if algorithm == "hs2019" else "date"
    headers = tuple(params.get("headers", default_headers).lower().split())
    if not headers:
        raise SignatureMalformed("Signature header has an empty headers list")
    try:
        signature = base64.b64decode("".join(params["signature"].split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureMalformed("Signature is not valid base64") from exc
    return CavageSignature(
        key_id=params["keyid"],
        algorithm=algorithm,
        headers=headers,
        signature=signature,
        created=params.get("created"),
        expires=params.get("expires"),
    )


def build_signing_string(
    message: RequestMessage,
    headers: Sequence[str],
    *,
    algorithm: str = "hs2019",
    created: str | None = None,
    expires: str | None = None,
    include_query: bool = True,
) -> str:
    """Build the string that is signed (draft-12 section 2.3).

    A signed ``host`` that the message lacks falls back to the URL's authority, since HTTP/2
    servers carry it in ``:authority`` rather than a Host header.

    Args:
        message: the request.
        headers: lowercase header names and pseudo-headers, in signing order.
        algorithm: the signature's algorithm; ``(created)``/``(expires)`` require ``hs2019``.
        created: the ``created`` parameter as sent, needed when ``(created)`` is covered.
        expires: the ``expires`` parameter as sent, needed when ``(expires)`` is covered.
        include_query: put the query string into ``(request-target)`` (draft-12 says to);
            ``False`` rebuilds what old Mastodon versions signed.

    Raises:
        SignatureInvalid: a covered header is missing or a pseudo-header is not allowed.
    """
    lines = []
    for name in headers:
        if name == REQUEST_TARGET:
            target = message.target if include_query else message.path
            lines.append(f"{name}: {message.method.lower()} {target}")
        elif name in (CREATED, EXPIRES):
            value = created if name == CREATED else expires
            if algorithm != "hs2019":
                raise SignatureInvalid(f"{name} cannot be signed with {algorithm}")
            if value is None:
                raise SignatureInvalid(f"{name} is signed but its parameter is missing")
            lines.append(f"{name}: {value}")
        else:
            value = message.field_value(name)
            if value is None and name == "host":
                value = message.authority
            if value is None:
                raise SignatureInvalid(f"Signed header {name} is missing")
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def sign_message(
    message: RequestMessage,
    key: SigningKey,
    headers: Sequence[str],
    *,
    algorithm: str | None = None,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """Sign a request and return the ``Signature`` header value.

    Args:
        message: the request, already carrying every header named in ``headers``.
        key: the signing key and its ``keyId``.
        headers: what to sign, e.g. ``POST_HEADERS``.
        algorithm: defaults to ``rsa-sha256`` for RSA keys (accepted everywhere) and
            ``hs2019`` for Ed25519 keys.
        created: Unix time for the ``created`` parameter, needed to sign ``(created)``.
        expires: Unix time for the ``expires`` parameter, needed to sign ``(expires)``.

    Raises:
        SignatureInvalid: a header to sign is missing from the message.
        ValueError: the algorithm does not fit the key.
    """
    private_key = key.private_key
    if algorithm is None:
        algorithm = "rsa-sha256" if isinstance(private_key, rsa.RSAPrivateKey) else "hs2019"
    signing_string = build_signing_string(
        message,
        headers,
        algorithm=algorithm,
        created=None if created is None else str(created),
        expires=None if expires is None else str(expires),
    )
    signature = _sign(private_key, algorithm, _encode(signing_string))
    params = [f'keyId="{_quote(key.key_id)}"', f'algorithm="{algorithm}"']
    if created is not None:
        params.append(f"created={created}")
    if expires is not None:
        params.append(f"expires={expires}")
    params.append(f'headers="{" ".join(headers)}"')
    params.append(f'signature="{base64.b64encode(signature).decode("ascii")}"')
    return ",".join(params)


def verify_signature(
    signature: CavageSignature, signing_string: str, public_key: PublicKey
) -> bool:
    """Return whether ``signature`` is a valid signature of ``signing_string`` by the key.

    The key decides the primitive (draft-12 2.1.3): RSA means PKCS#1 v1.5 with SHA-256,
    Ed25519 is accepted only under ``hs2019``.

    Args:
        signature: the parsed header.
        signing_string: the rebuilt signing string.
        public_key: the signer's public key.
    """
    data = _encode(signing_string)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature.signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if isinstance(public_key, ed25519.Ed25519PublicKey) and signature.algorithm == "hs2019":
            public_key.verify(signature.signature, data)
            return True
    except InvalidSignature:
        return False
    return False


def prepare_verification(message: RequestMessage) -> PendingVerification:
    """Parse the request's signature and apply every check that does not need the key.

    Checks, after Mastodon: a supported algorithm; ``date`` or ``(created)`` signed;
    ``(request-target)`` or ``digest`` signed; ``host`` signed on GET; on POST, or whenever
    there is a body, a ``Digest`` header that is signed and matches the body.

    Args:
        message: the received request, with its ``Signature`` (or ``Authorization``) header.

    Raises:
        SignatureMalformed: the header cannot be parsed or a timestamp is not a number.
        SignatureInvalid: the algorithm is unsupported or the signature covers too little.
        DigestMismatch: the Digest header is missing or does not match the body.
        DateOutOfWindow: the signed Date header cannot be parsed.
    """
    raw = message.field_value("signature") or message.field_value("authorization") or ""
    signature = parse_signature_header(raw)
    if signature.algorithm not in ALGORITHMS:
        raise SignatureInvalid(f"Unsupported signature algorithm {signature.algorithm}")
    covered = set(signature.headers)
    if not covered & {"date", CREATED}:
        raise SignatureInvalid("Signature must cover Date or (created)")
    if not covered & {REQUEST_TARGET, "digest"}:
        raise SignatureInvalid("Signature must cover (request-target)")
    if message.method.upper() in ("GET", "HEAD") and "host" not in covered:
        raise SignatureInvalid("Signature must cover Host")
    if message.method.upper() == "POST" or message.body or "digest" in covered:
        verify_digest(message.field_value("digest"), message.body)
        if "digest" not in covered:
            raise SignatureInvalid("Signature must cover Digest")
    signing_strings = [
        build_signing_string(
            message,
            signature.headers,
            algorithm=signature.algorithm,
            created=signature.created,
            expires=signature.expires,
            include_query=include_query,
        )
        # Like Mastodon (signed_request.rb): with the query string first, then without it,
        # because older Mastodon versions signed (request-target) without the query.
        for include_query in (True, False)
    ]
    if signing_strings[0] == signing_strings[1]:
        del signing_strings[1]

    def check(public_key: PublicKey) -> bool:
        return any(verify_signature(signature, text, public_key) for text in signing_strings)

    return PendingVerification(
        key_id=signature.key_id,
        created=_created_time(signature, message),
        expires=_timestamp(signature.expires, "expires") if EXPIRES in covered else None,
        check=check,
    )


def _created_time(signature: CavageSignature, message: RequestMessage) -> datetime | None:
    if CREATED in signature.headers:
        return _timestamp(signature.created, "created")
    date = message.field_value("date")
    if date is None:
        return None
    try:
        parsed = parsedate_to_datetime(date)
    except (TypeError, ValueError) as exc:
        raise DateOutOfWindow("Date header is not a valid HTTP date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _timestamp(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureMalformed(f"Signature parameter {name} is not a Unix time") from exc


def _sign(private_key: PrivateKey, algorithm: str, data: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey) and algorithm in ALGORITHMS:
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private_key, ed25519.Ed25519PrivateKey) and algorithm == "hs2019":
        return private_key.sign(data)
    raise ValueError(f"Cannot sign {algorithm} with a {type(private_key).__name__}")


def _encode(text: str) -> bytes:
    # ASGI servers decode header bytes as latin-1, so latin-1 gives back the bytes that were signed.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
