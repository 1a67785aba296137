"""Tests for federation.digests: Digest (draft-cavage / RFC 3230) and Content-Digest (RFC 9530)."""

import pytest

from federation.digests import (
    build_content_digest,
    build_digest,
    verify_content_digest,
    verify_digest,
)
from federation.errors import DigestMismatch

# The body of draft-cavage-12 Appendix C and RFC 9421's test-request.
HELLO = b'{"hello": "world"}'
HELLO_SHA256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
# RFC 9421 Appendix B.2 test-request's Content-Digest.
HELLO_SHA512 = (
    "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="
)


def test_build_digest_matches_draft_cavage_example() -> None:
    """Ensures the SHA-256 Digest equals draft-cavage-12 Appendix C's Digest header."""
    assert build_digest(HELLO) == f"SHA-256={HELLO_SHA256}"


def test_build_digest_supports_sha512() -> None:
    """Ensures a SHA-512 Digest can be built and carries the RFC 9421 test value."""
    assert build_digest(HELLO, "SHA-512") == f"SHA-512={HELLO_SHA512}"


def test_build_digest_rejects_unknown_algorithm() -> None:
    """Ensures asking for an unsupported algorithm raises instead of sending a bad header."""
    with pytest.raises(ValueError):
        build_digest(HELLO, "MD5")


@pytest.mark.parametrize(
    "header",
    [
        f"SHA-256={HELLO_SHA256}",
        f"sha-256={HELLO_SHA256}",
        f"SHA-512={HELLO_SHA512}",
        f"MD5=Sd/dVLAcvNLSq16eXua5uQ==, SHA-256={HELLO_SHA256}",
        f"SHA-256={HELLO_SHA256},SHA-512={HELLO_SHA512}",
    ],
)
def test_verify_digest_accepts_matching_header(header: str) -> None:
    """Ensures a matching Digest passes, whatever the case, with unknown extras ignored."""
    verify_digest(header, HELLO)


def test_verify_digest_rejects_tampered_body() -> None:
    """Ensures a Digest computed over another body is refused."""
    with pytest.raises(DigestMismatch, match="Digest does not match body"):
        verify_digest(f"SHA-256={HELLO_SHA256}", b'{"hello": "mallory"}')


def test_verify_digest_rejects_one_wrong_entry_among_several() -> None:
    """Ensures every supported digest offered must match, not just one of them."""
    wrong_512 = build_digest(b"other", "SHA-512").partition("=")[2]
    with pytest.raises(DigestMismatch):
        verify_digest(f"SHA-256={HELLO_SHA256}, SHA-512={wrong_512}", HELLO)


def test_verify_digest_rejects_unknown_algorithms_only() -> None:
    """Ensures a Digest offering only unsupported algorithms is refused."""
    with pytest.raises(DigestMismatch, match="no supported algorithm"):
        verify_digest("MD5=Sd/dVLAcvNLSq16eXua5uQ==", HELLO)


def test_verify_digest_rejects_missing_header() -> None:
    """Ensures a missing Digest header is refused."""
    with pytest.raises(DigestMismatch, match="missing"):
        verify_digest(None, HELLO)


def test_verify_digest_rejects_invalid_base64() -> None:
    """Ensures a digest value that is not base64 is refused."""
    with pytest.raises(DigestMismatch, match="base64"):
        verify_digest("SHA-256=not*base64!", HELLO)


def test_build_content_digest_matches_rfc9530_example() -> None:
    """Ensures sha-256 of RFC 9530's ``{"hello": "world"}`` + LF example is reproduced."""
    body = HELLO + b"\n"

    assert build_content_digest(body) == "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"


def test_build_content_digest_matches_rfc9421_test_request() -> None:
    """Ensures sha-512 reproduces the Content-Digest of RFC 9421's test-request."""
    assert build_content_digest(HELLO, "sha-512") == f"sha-512=:{HELLO_SHA512}:"


def test_build_content_digest_rejects_unknown_algorithm() -> None:
    """Ensures only the registered active algorithms can be built."""
    with pytest.raises(ValueError):
        build_content_digest(HELLO, "md5")


@pytest.mark.parametrize(
    "header",
    [
        f"sha-256=:{HELLO_SHA256}:",
        f"sha-512=:{HELLO_SHA512}:",
        f"sha-512=:{HELLO_SHA512}:, sha-256=:{HELLO_SHA256}:",
        f"md5=:Sd/dVLAcvNLSq16eXua5uQ==:, sha-256=:{HELLO_SHA256}:",
    ],
)
def test_verify_content_digest_accepts_matching_header(header: str) -> None:
    """Ensures matching Content-Digest dictionaries pass, unknown members ignored."""
    verify_content_digest(header, HELLO)


def test_verify_content_digest_rejects_tampered_body() -> None:
    """Ensures a Content-Digest over another body is refused."""
    with pytest.raises(DigestMismatch, match="Digest does not match body"):
        verify_content_digest(f"sha-256=:{HELLO_SHA256}:", HELLO + b" ")


def test_verify_content_digest_rejects_unknown_algorithms_only() -> None:
    """Ensures a Content-Digest with no sha-256 or sha-512 member is refused."""
    with pytest.raises(DigestMismatch, match="no supported algorithm"):
        verify_content_digest("md5=:Sd/dVLAcvNLSq16eXua5uQ==:", HELLO)


@pytest.mark.parametrize(
    "header",
    [
        f"sha-256={HELLO_SHA256}",  # draft-cavage syntax: a token, not a byte sequence
        f"SHA-256=:{HELLO_SHA256}:",  # dictionary keys are lowercase
        "sha-256=:abc",
    ],
)
def test_verify_content_digest_rejects_malformed_header(header: str) -> None:
    """Ensures values that are not an RFC 8941 Dictionary of byte sequences are refused."""
    with pytest.raises(DigestMismatch, match="malformed"):
        verify_content_digest(header, HELLO)


def test_verify_content_digest_rejects_missing_header() -> None:
    """Ensures a missing Content-Digest header is refused."""
    with pytest.raises(DigestMismatch, match="missing"):
        verify_content_digest(None, HELLO)
