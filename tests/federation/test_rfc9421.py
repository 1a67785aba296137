"""Tests for federation.httpsig_rfc9421 against RFC 9421's published vectors."""

import base64
import datetime
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms
from http_message_signatures import MappingKeyResolver as ReferenceKeys

from federation.digests import build_content_digest
from federation.errors import DigestMismatch, SignatureInvalid, SignatureMalformed
from federation.http_message import RequestMessage
from federation.httpsig_rfc9421 import (
    POST_COMPONENTS,
    ComponentError,
    build_signature_base,
    component_id,
    component_value,
    parse_signatures,
    prepare_verification,
    sign_message,
    verify_signature,
)
from federation.keys import SigningKey, load_public_key

DATA = Path(__file__).parent.parent / "data" / "signatures"
VECTORS = json.loads((DATA / "rfc9421_appendix_b.json").read_text())
RSA_FIXTURE = json.loads((DATA / "rfc9421_rsa_v1_5_sha256.json").read_text())
KEY_FILES = {
    "test-key-rsa-pss": "rfc9421_test_key_rsa_pss",
    "test-key-ed25519": "rfc9421_test_key_ed25519",
}


def signing_key(key_id: str) -> SigningKey:
    """Return one of the RFC's example private keys."""
    return SigningKey(key_id, (DATA / f"{KEY_FILES[key_id]}.pem").read_text())


def public_key(key_id: str) -> Any:
    """Return one of the RFC's example public keys."""
    return load_public_key((DATA / f"{KEY_FILES[key_id]}.pub.pem").read_text())


def message_from(
    data: dict[str, Any], extra: list[tuple[str, str]] | None = None
) -> RequestMessage:
    """Build a RequestMessage from a JSON message with optional extra headers."""
    headers = [tuple(pair) for pair in data["headers"]] + (extra or [])
    return RequestMessage.build(data["method"], data["url"], headers, data["body"].encode())


def signed_test_request(case: dict[str, Any]) -> RequestMessage:
    """Return RFC 9421's test-request carrying one case's signature headers."""
    return message_from(
        VECTORS["test_request"],
        [("Signature-Input", case["signature_input"]), ("Signature", case["signature"])],
    )


@pytest.mark.parametrize("name", ["B.2.1", "B.2.2", "B.2.3"])
def test_rsa_pss_vectors_rebuild_base_and_verify(name: str) -> None:
    """Ensures the non-deterministic rsa-pss-sha512 vectors rebuild exactly and verify."""
    case = VECTORS["cases"][name]
    message = signed_test_request(case)
    signature = parse_signatures(message)[0]

    base = build_signature_base(message, signature.components, signature.params)

    assert base == case["signature_base"]
    assert verify_signature(
        message, signature, public_key(case["key"]), algorithm=case["algorithm"]
    )


def test_section_3_2_example_verifies_and_detects_tampering() -> None:
    """Ensures the sig1 example of sections 2.5/3.2 verifies, and not with another method."""
    case = VECTORS["section_2_5_and_3_2"]
    message = signed_test_request(case)
    signature = parse_signatures(message)[0]
    tampered = RequestMessage.build("PUT", message.url, message.headers, message.body)

    assert (
        build_signature_base(message, signature.components, signature.params)
        == (case["signature_base"])
    )
    assert verify_signature(message, signature, public_key(case["key"]), algorithm="rsa-pss-sha512")
    assert not verify_signature(
        tampered, signature, public_key(case["key"]), algorithm="rsa-pss-sha512"
    )


def test_b25_base_matches_published_hmac() -> None:
    """Ensures B.2.5's signature base is exact: its HMAC-SHA256 is the published signature.

    qspace does not accept hmac-sha256 (no shared secrets on the fediverse); this vector still
    proves the base for date, @authority and content-type byte for byte.
    """
    case = VECTORS["cases"]["B.2.5"]
    message = signed_test_request(case)
    signature = parse_signatures(message)[0]
    secret = base64.b64decode((DATA / "rfc9421_test_shared_secret.txt").read_text())

    base = build_signature_base(message, signature.components, signature.params)

    assert base == case["signature_base"]
    assert hmac.new(secret, base.encode(), hashlib.sha256).digest() == signature.signature


def test_b26_ed25519_reproduces_exact_signature() -> None:
    """Ensures signing B.2.6 with test-key-ed25519 gives the published headers byte for byte."""
    case = VECTORS["cases"]["B.2.6"]
    message = message_from(VECTORS["test_request"])

    signature_input, signature = sign_message(
        message,
        signing_key("test-key-ed25519"),
        ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        created=1618884473,
        include_alg=False,
        label="sig-b26",
    )

    assert (signature_input, signature) == (case["signature_input"], case["signature"])


def test_b26_published_signature_verifies() -> None:
    """Ensures the published B.2.6 signature verifies with the key-implied algorithm."""
    case = VECTORS["cases"]["B.2.6"]
    message = signed_test_request(case)

    assert verify_signature(message, parse_signatures(message)[0], public_key(case["key"]))


@pytest.mark.parametrize("index", range(len(VECTORS["B.4"]["messages"])))
def test_b4_transformations_keep_or_break_signature_as_published(index: int) -> None:
    """Ensures each B.4 transformed message verifies exactly when the RFC says it still does."""
    transform = VECTORS["B.4"]
    data = transform["messages"][index]
    message = message_from(data)
    signature = parse_signatures(message)[0]

    verified = verify_signature(message, signature, public_key(transform["key"]))

    assert verified is data["still_valid"]
    if verified:
        base = build_signature_base(message, signature.components, signature.params)
        assert base == transform["signature_base"]


@pytest.mark.parametrize(
    ("url", "component", "expected"),
    [
        ("https://www.example.com/path?param=value", "@method", "POST"),
        (
            "https://www.example.com/path?param=value",
            "@target-uri",
            "https://www.example.com/path?param=value",
        ),
        ("https://WWW.Example.com:443/path", "@authority", "www.example.com"),
        ("http://www.example.com:8080/path", "@authority", "www.example.com:8080"),
        ("HTTP://www.example.com/path?param=value", "@scheme", "http"),
        ("https://www.example.com/path?param=value", "@request-target", "/path?param=value"),
        ("https://www.example.com/path?param=value", "@path", "/path"),
        ("https://www.example.com", "@path", "/"),
        (
            "https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman",
            "@query",
            "?param=value&foo=bar&baz=bat%2Dman",
        ),
        ("https://www.example.com/path?queryString", "@query", "?queryString"),
        ("https://www.example.com/path", "@query", "?"),
        (
            "https://www.example.com/path?param=value&foo=bar&baz=batman&qux=",
            '"@query-param";name="baz"',
            "batman",
        ),
        (
            "https://www.example.com/path?param=value&foo=bar&baz=batman&qux=",
            '"@query-param";name="qux"',
            "",
        ),
        (
            "https://www.example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value"
            "&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something",
            '"@query-param";name="var"',
            "this%20is%20a%20big%0Amultiline%20value",
        ),
        (
            "https://www.example.com/parameters?bar=with+plus+whitespace",
            '"@query-param";name="bar"',
            "with%20plus%20whitespace",
        ),
        (
            "https://www.example.com/parameters?fa%C3%A7ade%22%3A%20=something",
            '"@query-param";name="fa%C3%A7ade%22%3A%20"',
            "something",
        ),
    ],
)
def test_derived_components_match_rfc_section_2_2_examples(
    url: str, component: str, expected: str
) -> None:
    """Ensures each derived component yields the value RFC 9421 section 2.2 gives."""
    message = RequestMessage.build("POST", url, [("Host", "www.example.com")])

    assert component_value(message, component_id(component)) == expected


def test_header_components_match_rfc_section_2_1_examples() -> None:
    """Ensures field values are trimmed, unfolded and multi-line values joined (section 2.1)."""
    message = RequestMessage.build(
        "GET",
        "https://www.example.com/",
        [
            ("X-OWS-Header", "   Leading and trailing whitespace.   "),
            ("X-Obs-Fold-Header", "Obsolete\r\n    line folding."),
            ("Cache-Control", "max-age=60"),
            ("Cache-Control", "   must-revalidate"),
            ("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
            ("X-Empty-Header", ""),
        ],
    )

    values = {
        name: component_value(message, component_id(name))
        for name in ("x-ows-header", "x-obs-fold-header", "cache-control", "example-dict")
    }

    assert values == {
        "x-ows-header": "Leading and trailing whitespace.",
        "x-obs-fold-header": "Obsolete line folding.",
        "cache-control": "max-age=60, must-revalidate",
        "example-dict": "a=1,    b=2;x=1;y=2,   c=(a   b   c)",
    }
    assert component_value(message, component_id("x-empty-header")) == ""


@pytest.mark.parametrize(
    ("component", "reason"),
    [
        ("@status", "Unsupported derived component"),
        ("accept", "missing"),
        ('"@query-param";name="a"', "repeated"),
        ('"@query-param";name="none"', "absent"),
        ('"@query-param"', "name parameter"),
        ('"content-digest";key="sha-256"', "Unsupported parameters"),
        ('"@method";req', "Unsupported parameters"),
        ('"Content-Type"', "lowercase"),
    ],
)
def test_component_value_rejects_unresolvable_component(component: str, reason: str) -> None:
    """Ensures unknown, absent, repeated or unsupported components raise ComponentError."""
    message = RequestMessage.build(
        "GET", "https://local.test/x?a=1&a=2", [("Content-Digest", "sha-256=:AA==:")]
    )

    with pytest.raises(ComponentError, match=reason):
        component_value(message, component_id(component))


def test_signature_base_refuses_duplicate_component() -> None:
    """Ensures a component may be covered only once (RFC 9421 section 2.5 step 2.1)."""
    message = RequestMessage.build("GET", "https://local.test/", [])

    with pytest.raises(ComponentError, match="covered twice"):
        build_signature_base(message, [component_id("@path"), component_id("@path")], {})


def test_signature_base_refuses_non_ascii_value() -> None:
    """Ensures non-ASCII field values make the base invalid (section 2.5 step 4)."""
    message = RequestMessage.build("GET", "https://local.test/", [("X-Name", "caf\u00e9")])

    with pytest.raises(ComponentError, match="non-ASCII"):
        build_signature_base(message, [component_id("x-name")], {})


def fixture_message() -> RequestMessage:
    """Return qspace's own rsa-v1_5-sha256 fixture request, unsigned."""
    return message_from(RSA_FIXTURE["request"])


def fixture_key() -> SigningKey:
    """Return the private key of qspace's own RSA fixture."""
    return SigningKey(RSA_FIXTURE["keyid"], (DATA / RSA_FIXTURE["private_key"]).read_text())


def reference_request(message: RequestMessage) -> httpx.Request:
    """Rebuild a RequestMessage as an httpx.Request for the reference implementation."""
    return httpx.Request(message.method, message.url, headers=message.headers, content=message.body)


def test_rsa_v1_5_fixture_reproduces_exact_signature() -> None:
    """Ensures our rsa-v1_5-sha256 signature of the fixture is byte for byte the stored one."""
    signature_input, signature = sign_message(
        fixture_message(), fixture_key(), RSA_FIXTURE["components"], created=RSA_FIXTURE["created"]
    )

    assert signature_input == RSA_FIXTURE["signature_input"]
    assert signature == RSA_FIXTURE["signature"]


def test_rsa_v1_5_matches_reference_implementation() -> None:
    """Ensures http-message-signatures, signing the fixture itself, writes the same headers."""
    key = fixture_key()
    request = reference_request(fixture_message())
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=ReferenceKeys(public_keys={}, private_keys={key.key_id: key.private_key}),
    )

    signer.sign(
        request,
        key_id=key.key_id,
        created=datetime.datetime.fromtimestamp(RSA_FIXTURE["created"], datetime.UTC),
        label="sig1",
        covered_component_ids=RSA_FIXTURE["components"],
        use_existing_digest=True,
    )
    ours = sign_message(
        fixture_message(), key, RSA_FIXTURE["components"], created=RSA_FIXTURE["created"]
    )

    assert (request.headers["Signature-Input"], request.headers["Signature"]) == ours


def test_reference_implementation_verifies_our_signature() -> None:
    """Ensures http-message-signatures accepts a signature qspace produced."""
    key = fixture_key()
    message = fixture_message()
    signature_input, signature = sign_message(
        message, key, RSA_FIXTURE["components"], created=RSA_FIXTURE["created"]
    )
    request = reference_request(message)
    request.headers["Signature-Input"] = signature_input
    request.headers["Signature"] = signature
    public = load_public_key((DATA / RSA_FIXTURE["public_key"]).read_text())
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=ReferenceKeys(public_keys={key.key_id: public}, private_keys={}),
    )

    results = verifier.verify(request, max_age=None, body=message.body)

    assert [result.parameters["keyid"] for result in results] == [key.key_id]


@pytest.mark.parametrize(
    ("key_id", "algorithm"),
    [
        ("test-key-rsa-pss", "rsa-pss-sha512"),
        ("test-key-rsa-pss", "rsa-v1_5-sha256"),
        ("test-key-ed25519", "ed25519"),
    ],
)
def test_sign_then_verify_round_trips(key_id: str, algorithm: str) -> None:
    """Ensures every supported algorithm signs and verifies, and a changed body digest fails."""
    base_message = message_from(VECTORS["test_request"])
    signature_input, signature = sign_message(
        base_message,
        signing_key(key_id),
        ["@method", "@target-uri", "content-digest"],
        created=1618884473,
        expires=1618884773,
        nonce="n-1",
        tag="qspace",
        algorithm=algorithm,
    )
    message = message_from(
        VECTORS["test_request"], [("Signature-Input", signature_input), ("Signature", signature)]
    )
    parsed = parse_signatures(message)[0]
    other_digest = [
        (name, build_content_digest(b"other") if name == "content-digest" else value)
        for name, value in message.headers
    ]
    changed = RequestMessage.build(message.method, message.url, other_digest, message.body)

    assert parsed.params == {
        "created": 1618884473,
        "keyid": key_id,
        "alg": algorithm,
        "expires": 1618884773,
        "nonce": "n-1",
        "tag": "qspace",
    }
    assert verify_signature(message, parsed, public_key(key_id))
    assert not verify_signature(changed, parsed, public_key(key_id))


def test_verify_refuses_alg_that_does_not_fit_key() -> None:
    """Ensures a signed ``alg`` naming Ed25519 is not verified with an RSA key, and vice versa."""
    message = message_from(VECTORS["test_request"])
    signature_input, signature = sign_message(
        message, signing_key("test-key-ed25519"), ["@method"], created=1
    )
    signed = message_from(
        VECTORS["test_request"], [("Signature-Input", signature_input), ("Signature", signature)]
    )
    parsed = parse_signatures(signed)[0]

    assert not verify_signature(signed, parsed, public_key("test-key-rsa-pss"))
    with pytest.raises(ValueError):
        sign_message(
            message,
            signing_key("test-key-ed25519"),
            ["@method"],
            created=1,
            algorithm="rsa-pss-sha512",
        )


def signed_post(
    components: tuple[str, ...] = POST_COMPONENTS,
    *,
    body: bytes = b'{"type": "Follow"}',
    params: dict[str, Any] | None = None,
) -> RequestMessage:
    """Sign an inbox POST with qspace's component list and return what arrives."""
    headers = [
        ("Host", "local.test"),
        ("Content-Type", "application/activity+json"),
        ("Content-Digest", build_content_digest(body)),
    ]
    url = "https://local.test/@alice/inbox"
    message = RequestMessage.build("POST", url, headers, body)
    signature_input, signature = sign_message(
        message, fixture_key(), components, created=1700000000, **(params or {})
    )
    signed = [*headers, ("Signature-Input", signature_input), ("Signature", signature)]
    return RequestMessage.build("POST", url, signed, body)


def test_prepare_verification_accepts_qspace_post() -> None:
    """Ensures a POST signed the way qspace signs passes and exposes keyid and created."""
    pending = prepare_verification(signed_post())

    assert pending.key_id == RSA_FIXTURE["keyid"]
    assert pending.created == datetime.datetime.fromtimestamp(1700000000, datetime.UTC)
    assert pending.check(load_public_key((DATA / RSA_FIXTURE["public_key"]).read_text()))
    assert not pending.check(public_key("test-key-rsa-pss"))


def test_prepare_verification_rejects_missing_target_uri() -> None:
    """Ensures @method and @target-uri must be covered, as Mastodon requires."""
    with pytest.raises(SignatureInvalid, match="@target-uri"):
        prepare_verification(signed_post(("@method", "@path", "content-digest")))


def test_prepare_verification_rejects_uncovered_content_digest() -> None:
    """Ensures a POST's Content-Digest must be covered by the signature."""
    with pytest.raises(SignatureInvalid, match="Content-Digest"):
        prepare_verification(signed_post(("@method", "@target-uri")))


def test_prepare_verification_rejects_tampered_body() -> None:
    """Ensures a body that does not match the signed Content-Digest is refused."""
    message = signed_post()
    tampered = RequestMessage.build("POST", message.url, message.headers, b'{"type": "Delete"}')

    with pytest.raises(DigestMismatch):
        prepare_verification(tampered)


def test_prepare_verification_rejects_unknown_alg() -> None:
    """Ensures an ``alg`` outside rsa-v1_5-sha256, rsa-pss-sha512 and ed25519 is refused."""
    message = signed_post()
    headers = [
        (name, value.replace("rsa-v1_5-sha256", "hmac-sha256")) for name, value in message.headers
    ]

    with pytest.raises(SignatureInvalid, match="Unsupported signature algorithm"):
        prepare_verification(RequestMessage.build("POST", message.url, headers, message.body))


@pytest.mark.parametrize(
    ("signature_input", "error", "reason"),
    [
        ('sig1=("@method" "@target-uri");keyid="k"', SignatureInvalid, "must include created"),
        ('sig1=("@method" "@target-uri");created=1', SignatureMalformed, "lacks a keyid"),
        ('sig1=("@method");created="1";keyid="k"', SignatureMalformed, "must be an integer"),
        ('other=("@method");created=1;keyid="k"', SignatureMalformed, "No signature matches"),
        ('sig1=("@method" "@target-uri"', SignatureMalformed, "not a structured field"),
        ('sig1="@method";created=1;keyid="k"', SignatureMalformed, "not an inner list"),
    ],
)
def test_prepare_verification_rejects_bad_signature_input(
    signature_input: str, error: type[Exception], reason: str
) -> None:
    """Ensures malformed or incomplete Signature-Input values are refused before any key use."""
    message = RequestMessage.build(
        "GET",
        "https://local.test/@alice",
        [("Signature-Input", signature_input), ("Signature", "sig1=:AAAA:")],
    )

    with pytest.raises(error, match=reason):
        prepare_verification(message)
