"""Body digests: draft-cavage's ``Digest`` (RFC 3230) and RFC 9530's ``Content-Digest``."""

import base64
import binascii
import hashlib
import hmac

from federation.errors import DigestMismatch
from federation.structured_fields import Item, StructuredFieldError, parse_dictionary

# RFC 3230 / RFC 5843 algorithm names are case-insensitive ("SHA-256", "sha-256").
_DIGEST_ALGORITHMS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
# RFC 9530 section 5 registers lowercase keys; "sha-256" and "sha-512" are the active ones.
_CONTENT_DIGEST_ALGORITHMS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def build_digest(body: bytes, algorithm: str = "SHA-256") -> str:
    """Build a draft-cavage ``Digest`` header value such as ``SHA-256=X48E...=``.

    Args:
        body: the exact request body bytes.
        algorithm: ``"SHA-256"`` (what the fediverse sends) or ``"SHA-512"``.

    Raises:
        ValueError: the algorithm is not supported.
    """
    hash_function = _DIGEST_ALGORITHMS.get(algorithm.lower())
    if hash_function is None:
        raise ValueError(f"Unsupported digest algorithm {algorithm}")
    return f"{algorithm.upper()}={_b64(hash_function(body).digest())}"


def verify_digest(header: str | None, body: bytes) -> None:
    """Check a ``Digest`` header against the body; every supported entry offered must match.

    Entries with unknown algorithms (e.g. ``MD5``) are ignored as long as one supported
    entry is present.

    Args:
        header: the ``Digest`` header value, or ``None`` when the request had none.
        body: the exact request body bytes.

    Raises:
        DigestMismatch: the header is missing, offers no supported algorithm, or does not match.
    """
    if header is None:
        raise DigestMismatch("Digest header is missing")
    checked = 0
    for entry in header.split(","):
        name, separator, value = entry.strip().partition("=")
        hash_function = _DIGEST_ALGORITHMS.get(name.strip().lower())
        if not separator or hash_function is None:
            continue
        expected = hash_function(body).digest()
        if not hmac.compare_digest(_b64decode(value.strip()), expected):
            raise DigestMismatch()
        checked += 1
    if not checked:
        raise DigestMismatch("Digest header offers no supported algorithm")


def build_content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """Build an RFC 9530 ``Content-Digest`` header value such as ``sha-256=:X48E...=:``.

    Args:
        body: the exact content bytes (after any content coding).
        algorithm: ``"sha-256"`` or ``"sha-512"``.

    Raises:
        ValueError: the algorithm is not supported.
    """
    hash_function = _CONTENT_DIGEST_ALGORITHMS.get(algorithm)
    if hash_function is None:
        raise ValueError(f"Unsupported content digest algorithm {algorithm}")
    return f"{algorithm}=:{_b64(hash_function(body).digest())}:"


def verify_content_digest(header: str | None, body: bytes) -> None:
    """Check a ``Content-Digest`` header against the body; every supported entry must match.

    Args:
        header: the ``Content-Digest`` header value, or ``None`` when the request had none.
        body: the exact content bytes.

    Raises:
        DigestMismatch: the header is missing, is not a structured Dictionary, offers no
            supported algorithm, or does not match.
    """
    if header is None:
        raise DigestMismatch("Content-Digest header is missing")
    try:
        members = parse_dictionary(header)
    except StructuredFieldError as exc:
        raise DigestMismatch("Content-Digest header is malformed") from exc
    checked = 0
    for name, member in members.items():
        hash_function = _CONTENT_DIGEST_ALGORITHMS.get(name)
        if hash_function is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise DigestMismatch("Content-Digest header is malformed")
        if not hmac.compare_digest(member.value, hash_function(body).digest()):
            raise DigestMismatch()
        checked += 1
    if not checked:
        raise DigestMismatch("Content-Digest header offers no supported algorithm")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DigestMismatch("Digest value is not valid base64") from exc
