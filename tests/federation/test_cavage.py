"""Tests for federation.httpsig_cavage against draft-cavage-http-signatures-12."""

import base64
import json
from pathlib import Path

import pytest

from federation.digests import build_digest
from federation.errors import DateOutOfWindow, DigestMismatch, SignatureInvalid, SignatureMalformed
from federation.http_message import RequestMessage
from federation.httpsig_cavage import (
    GET_HEADERS,
    POST_HEADERS,
    build_signing_string,
    parse_signature_header,
    prepare_verification,
    sign_message,
    verify_signature,
)
from federation.keys import SigningKey, generate_ed25519_keypair, load_public_key

DATA = Path(__file__).parent.parent / "data" / "signatures"
VECTORS = json.loads((DATA / "cavage12_appendix_c.json").read_text())
TEST_KEY = SigningKey("Test", (DATA / "cavage12_test_key.pem").read_text())
TEST_PUBLIC_KEY = load_public_key((DATA / "cavage12_test_key.pub.pem").read_text())
ED_PRIVATE_PEM, ED_PUBLIC_PEM = generate_ed25519_keypair()
ED_KEY = SigningKey("https://remote.test/users/bob#ed25519-key", ED_PRIVATE_PEM)
BODY = b'{"type": "Follow"}'


def appendix_c_request(extra: list[tuple[str, str]] | None = None) -> RequestMessage:
    """Return draft-cavage Appendix C's example request, with optional extra headers."""
    request = VECTORS["request"]
    headers = [tuple(pair) for pair in request["headers"]] + (extra or [])
    return RequestMessage.build(
        request["method"], request["url"], headers, request["body"].encode()
    )


def signed_post(
    headers: tuple[str, ...] = POST_HEADERS,
    *,
    body: bytes = BODY,
    key: SigningKey = TEST_KEY,
    digest_body: bytes | None = None,
    url: str = "https://local.test/@alice/inbox",
) -> RequestMessage:
    """Sign a POST to an inbox the way a remote server would and return what arrives."""
    base_headers = [
        ("Host", "local.test"),
        ("Date", "Sun, 05 Jan 2014 21:31:40 GMT"),
        ("Content-Type", "application/activity+json"),
        ("Digest", build_digest(body if digest_body is None else digest_body)),
    ]
    message = RequestMessage.build("POST", url, base_headers, body)
    signature = sign_message(message, key, headers)
    return RequestMessage.build("POST", url, [*base_headers, ("Signature", signature)], body)


def test_appendix_c1_default_test_reproduces_published_signature() -> None:
    """Ensures C.1 (no headers parameter: Date only) signs to the published value and verifies."""
    vector = VECTORS["C.1"]
    message = appendix_c_request()

    header = sign_message(message, TEST_KEY, ["date"])
    published = parse_signature_header(vector["authorization"])

    assert (
        build_signing_string(message, published.headers, algorithm="rsa-sha256")
        == (vector["signing_string"])
    )
    assert parse_signature_header(header).signature == base64.b64decode(vector["signature"])
    assert published.headers == ("date",)
    assert verify_signature(published, vector["signing_string"], TEST_PUBLIC_KEY)


def test_appendix_c1_signature_header_form_verifies() -> None:
    """Ensures the C.1 value also parses and verifies when sent as a Signature header."""
    published = parse_signature_header(VECTORS["C.1"]["signature_header"])

    assert published.key_id == "Test"
    assert verify_signature(published, VECTORS["C.1"]["signing_string"], TEST_PUBLIC_KEY)
    assert not verify_signature(published, VECTORS["C.2"]["signing_string"], TEST_PUBLIC_KEY)


def test_appendix_c2_basic_test_reproduces_published_signature() -> None:
    """Ensures C.2 (request-target, host, date) signs to the published value and verifies."""
    vector = VECTORS["C.2"]
    message = appendix_c_request()

    header = sign_message(message, TEST_KEY, ["(request-target)", "host", "date"])
    published = parse_signature_header(vector["authorization"])

    assert build_signing_string(message, published.headers) == vector["signing_string"]
    assert parse_signature_header(header).signature == base64.b64decode(vector["signature"])
    assert verify_signature(published, vector["signing_string"], TEST_PUBLIC_KEY)


def test_appendix_c3_signature_verifies_only_the_signing_string_shown() -> None:
    """Ensures C.3's published signature is checked for what it provably signs.

    The draft prints a ``headers`` parameter listing ``(created) (expires)`` but a signing
    string and signature without them. Its signature is correct for that signing string (the
    six real headers) and reproducible with the test key; the published header as a whole
    cannot verify: ``(created)`` is forbidden with rsa-sha256 (draft-12 2.3), and under hs2019
    the signing string with the pseudo-headers differs from the one that was signed.
    """
    vector = VECTORS["C.3"]
    message = appendix_c_request()
    published = parse_signature_header(vector["signature_header"])
    real_headers = [name for name in published.headers if name not in ("(created)", "(expires)")]

    signing_string = build_signing_string(message, real_headers)
    reproduced = parse_signature_header(sign_message(message, TEST_KEY, real_headers))

    assert signing_string == vector["signing_string_as_published"]
    assert verify_signature(published, signing_string, TEST_PUBLIC_KEY)
    assert reproduced.signature == base64.b64decode(vector["signature"])
    with pytest.raises(SignatureInvalid, match="cannot be signed with rsa-sha256"):
        build_signing_string(
            message,
            published.headers,
            algorithm=published.algorithm,
            created=published.created,
            expires=published.expires,
        )
    with_pseudo_headers = build_signing_string(
        message, published.headers, created=published.created, expires=published.expires
    )
    assert not verify_signature(published, with_pseudo_headers, TEST_PUBLIC_KEY)


def test_signing_string_matches_draft_section_2_3_example() -> None:
    """Ensures header canonicalization follows draft-12 2.3: joins, empty values, obs-fold."""
    message = RequestMessage.build(
        "GET",
        "https://example.org/foo",
        [
            ("Host", "example.org"),
            ("Date", "Tue, 07 Jun 2014 20:51:35 GMT"),
            ("X-Example", "Example header\r\n    with some whitespace."),
            ("X-EmptyHeader", ""),
            ("Cache-Control", "max-age=60"),
            ("Cache-Control", "must-revalidate"),
        ],
    )
    headers = "(request-target) (created) host date cache-control x-emptyheader x-example"

    signing_string = build_signing_string(message, headers.split(), created="1402170695")

    assert signing_string == (
        "(request-target): get /foo\n"
        "(created): 1402170695\n"
        "host: example.org\n"
        "date: Tue, 07 Jun 2014 20:51:35 GMT\n"
        "cache-control: max-age=60, must-revalidate\n"
        "x-emptyheader: \n"
        "x-example: Example header with some whitespace."
    )


def test_signing_string_refuses_missing_header() -> None:
    """Ensures a covered header absent from the message is an error, not an empty line."""
    with pytest.raises(SignatureInvalid, match="accept is missing"):
        build_signing_string(appendix_c_request(), ["date", "accept"])


def test_signing_string_takes_host_from_url_when_header_absent() -> None:
    """Ensures a signed Host can be checked on HTTP/2, where it arrives as :authority."""
    message = RequestMessage.build("GET", "https://local.test:8443/x", [])

    assert build_signing_string(message, ["host"]) == "host: local.test:8443"


def test_parse_defaults_algorithm_to_hs2019_and_headers_to_created() -> None:
    """Ensures a bare header means hs2019 over (created), as draft-12 and Mastodon do."""
    parsed = parse_signature_header('keyId="k",created=1,signature="AAAA"')

    assert parsed.algorithm == "hs2019"
    assert parsed.headers == ("(created)",)


def test_parse_defaults_headers_to_date_for_rsa_sha256() -> None:
    """Ensures rsa-sha256 without headers signs Date only (draft-10 and Appendix C.1)."""
    parsed = parse_signature_header('keyId="k",algorithm="rsa-sha256",signature="AAAA"')

    assert parsed.headers == ("date",)


def test_parse_is_lenient_about_spacing_case_and_escapes() -> None:
    """Ensures whitespace, parameter-name case and quoted escapes are handled."""
    parsed = parse_signature_header(
        'Signature keyid = "https://x.test/a\\"b" ,  Algorithm=RSA-SHA256,'
        ' headers="(Request-Target) Host",signature="AA AA", extra=ignored'
    )

    assert parsed.key_id == 'https://x.test/a"b'
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.headers == ("(request-target)", "host")
    assert parsed.signature == b"\x00\x00\x00"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('algorithm="rsa-sha256",signature="AAAA"', "lacks keyid"),
        ('keyId="k",algorithm="rsa-sha256"', "lacks signature"),
        ('keyId="k",keyId="j",signature="AAAA"', "repeats"),
        ('keyId="k",headers="",signature="AAAA"', "empty headers"),
        ('keyId="k",signature="not base64!"', "base64"),
        ('keyId="k" signature="AAAA"', "Cannot parse"),
        ("garbage", "Cannot parse"),
        ('keyId="unterminated,signature="AAAA', "Cannot parse"),
    ],
)
def test_parse_rejects_malformed_header(value: str, reason: str) -> None:
    """Ensures unparseable or incomplete Signature headers raise SignatureMalformed."""
    with pytest.raises(SignatureMalformed, match=reason):
        parse_signature_header(value)


def test_hs2019_with_rsa_key_is_pkcs1_sha256() -> None:
    """Ensures hs2019 with an RSA key yields the same bytes as rsa-sha256 (fediverse practice)."""
    message = appendix_c_request()

    hs2019 = parse_signature_header(sign_message(message, TEST_KEY, ["date"], algorithm="hs2019"))
    rsa_sha256 = parse_signature_header(sign_message(message, TEST_KEY, ["date"]))

    assert hs2019.algorithm == "hs2019"
    assert hs2019.signature == rsa_sha256.signature


def test_hs2019_with_ed25519_key_round_trips() -> None:
    """Ensures an Ed25519 key signs hs2019 by default, over (created) too, and verifies."""
    message = appendix_c_request()
    headers = ["(request-target)", "(created)", "(expires)", "host", "digest"]

    parsed = parse_signature_header(
        sign_message(message, ED_KEY, headers, created=1402170695, expires=1402170995)
    )
    signing_string = build_signing_string(
        message, parsed.headers, created=parsed.created, expires=parsed.expires
    )

    assert parsed.algorithm == "hs2019"
    assert (parsed.created, parsed.expires) == ("1402170695", "1402170995")
    assert verify_signature(parsed, signing_string, load_public_key(ED_PUBLIC_PEM))
    assert not verify_signature(parsed, signing_string + " ", load_public_key(ED_PUBLIC_PEM))


def test_ed25519_key_cannot_be_used_with_rsa_sha256() -> None:
    """Ensures an algorithm that names RSA is refused for an Ed25519 key, both ways."""
    message = appendix_c_request()
    signed = parse_signature_header(sign_message(message, ED_KEY, ["date"]))
    relabelled = parse_signature_header(
        f'keyId="k",algorithm="rsa-sha256",headers="date",'
        f'signature="{base64.b64encode(signed.signature).decode()}"'
    )
    signing_string = build_signing_string(message, ["date"])

    with pytest.raises(ValueError):
        sign_message(message, ED_KEY, ["date"], algorithm="rsa-sha256")
    assert verify_signature(signed, signing_string, load_public_key(ED_PUBLIC_PEM))
    assert not verify_signature(relabelled, signing_string, load_public_key(ED_PUBLIC_PEM))


def test_prepare_verification_accepts_mastodon_style_post() -> None:
    """Ensures a POST signed over Mastodon's header list passes and reports its Date."""
    pending = prepare_verification(signed_post())

    assert pending.key_id == "Test"
    assert (
        pending.created is not None and pending.created.isoformat() == "2014-01-05T21:31:40+00:00"
    )
    assert pending.expires is None
    assert pending.check(TEST_PUBLIC_KEY)
    assert not pending.check(load_public_key(ED_PUBLIC_PEM))


def test_prepare_verification_accepts_authorization_header() -> None:
    """Ensures ``Authorization: Signature ...`` is read when there is no Signature header."""
    message = signed_post()
    headers = [
        ("Authorization", f"Signature {value}") if name == "signature" else (name, value)
        for name, value in message.headers
    ]

    pending = prepare_verification(RequestMessage.build("POST", message.url, headers, BODY))

    assert pending.check(TEST_PUBLIC_KEY)


def test_prepare_verification_falls_back_to_path_without_query() -> None:
    """Ensures a (request-target) signed without the query string still verifies (old Mastodon)."""
    url = "https://local.test/@alice/outbox?page=2"
    headers = [("Host", "local.test"), ("Date", "Sun, 05 Jan 2014 21:31:40 GMT")]
    without_query = RequestMessage.build("GET", "https://local.test/@alice/outbox", headers)
    signature = sign_message(without_query, TEST_KEY, ["(request-target)", "host", "date"])

    pending = prepare_verification(
        RequestMessage.build("GET", url, [*headers, ("Signature", signature)])
    )

    assert pending.check(TEST_PUBLIC_KEY)


def test_prepare_verification_checks_query_string() -> None:
    """Ensures a signature over one query string does not verify for another."""
    headers = [("Host", "local.test"), ("Date", "Sun, 05 Jan 2014 21:31:40 GMT")]
    page_1 = RequestMessage.build("GET", "https://local.test/outbox?page=1", headers)
    signature = sign_message(page_1, TEST_KEY, ["(request-target)", "host", "date"])

    pending = prepare_verification(
        RequestMessage.build(
            "GET", "https://local.test/outbox?page=2", [*headers, ("Signature", signature)]
        )
    )

    assert not pending.check(TEST_PUBLIC_KEY)


def test_prepare_verification_rejects_unknown_algorithm() -> None:
    """Ensures algorithms other than rsa-sha256 and hs2019 are refused before any key lookup."""
    message = appendix_c_request(
        [("Signature", 'keyId="Test",algorithm="hmac-sha256",headers="date",signature="AAAA"')]
    )

    with pytest.raises(SignatureInvalid, match="Unsupported signature algorithm"):
        prepare_verification(message)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (("(request-target)", "host", "digest"), "Date or \\(created\\)"),
        (("host", "date", "content-type"), "\\(request-target\\)"),
        (("(request-target)", "host", "date"), "cover Digest"),
    ],
)
def test_prepare_verification_rejects_weak_post_signature(
    headers: tuple[str, ...], reason: str
) -> None:
    """Ensures a POST signature must cover a date, the target and the Digest (as Mastodon)."""
    with pytest.raises(SignatureInvalid, match=reason):
        prepare_verification(signed_post(headers))


def test_prepare_verification_requires_host_on_get() -> None:
    """Ensures a GET signature must cover Host, or it could be replayed to another server."""
    headers = [("Host", "local.test"), ("Date", "Sun, 05 Jan 2014 21:31:40 GMT")]
    message = RequestMessage.build("GET", "https://local.test/@alice", headers)
    signature = sign_message(message, TEST_KEY, ["(request-target)", "date"])

    with pytest.raises(SignatureInvalid, match="cover Host"):
        prepare_verification(
            RequestMessage.build("GET", message.url, [*headers, ("Signature", signature)])
        )


def test_prepare_verification_rejects_tampered_body() -> None:
    """Ensures a body that no longer matches the signed Digest is refused."""
    message = signed_post()
    tampered = RequestMessage.build("POST", message.url, message.headers, b'{"type": "Delete"}')

    with pytest.raises(DigestMismatch, match="does not match"):
        prepare_verification(tampered)


def test_prepare_verification_rejects_post_without_digest() -> None:
    """Ensures a POST whose Digest header is absent is refused."""
    message = signed_post(("(request-target)", "host", "date"))
    headers = [(name, value) for name, value in message.headers if name != "digest"]

    with pytest.raises(DigestMismatch, match="missing"):
        prepare_verification(RequestMessage.build("POST", message.url, headers, BODY))


def test_prepare_verification_reads_signed_created_and_expires() -> None:
    """Ensures (created)/(expires) become the timestamps checked against the time window."""
    url = "https://local.test/@alice"
    covered = ["(request-target)", "(created)", "(expires)", "host"]
    message = RequestMessage.build("GET", url, [("Host", "local.test")])
    signature = sign_message(message, ED_KEY, covered, created=1700000000, expires=1700000300)

    pending = prepare_verification(
        RequestMessage.build("GET", url, [("Host", "local.test"), ("Signature", signature)])
    )

    assert pending.created is not None and int(pending.created.timestamp()) == 1700000000
    assert pending.expires is not None and int(pending.expires.timestamp()) == 1700000300
    assert pending.check(load_public_key(ED_PUBLIC_PEM))


def test_prepare_verification_ignores_unsigned_expires() -> None:
    """Ensures an ``expires`` parameter outside the signed headers cannot extend validity."""
    url = "https://local.test/@alice"
    headers = [("Host", "local.test"), ("Date", "Sun, 05 Jan 2014 21:31:40 GMT")]
    signature = sign_message(RequestMessage.build("GET", url, headers), TEST_KEY, GET_HEADERS[:3])
    with_expires = [*headers, ("Signature", signature + ",expires=9999999999")]

    pending = prepare_verification(RequestMessage.build("GET", url, with_expires))

    assert pending.expires is None
    assert pending.check(TEST_PUBLIC_KEY)


def test_prepare_verification_rejects_unparseable_date() -> None:
    """Ensures a signed Date that is not an HTTP date cannot slip past the time window."""
    headers = [("Host", "local.test"), ("Date", "yesterday")]
    message = RequestMessage.build("GET", "https://local.test/@alice", headers)
    signature = sign_message(message, TEST_KEY, GET_HEADERS[:3])

    with pytest.raises(DateOutOfWindow, match="not a valid HTTP date"):
        prepare_verification(
            RequestMessage.build("GET", message.url, [*headers, ("Signature", signature)])
        )
