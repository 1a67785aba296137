"""Tests for federation.signatures: sign_request and verify_request, both styles."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pytest

from federation import httpsig_rfc9421
from federation.digests import build_content_digest
from federation.errors import (
    DateOutOfWindow,
    DigestMismatch,
    FederationError,
    KeyUnavailable,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
)
from federation.http_message import RequestMessage
from federation.keys import SigningKey, generate_ed25519_keypair, generate_rsa_keypair
from federation.signatures import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_FUTURE,
    PublicKeyInfo,
    VerifiedSignature,
    sign_request,
    signs_request,
    verify_request,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
ACTOR = "https://remote.test/users/bob"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://local.test/@alice/inbox"
BODY = b'{"type": "Follow", "actor": "https://remote.test/users/bob"}'
RSA_PRIVATE, RSA_PUBLIC = generate_rsa_keypair()
OLD_RSA_PRIVATE, OLD_RSA_PUBLIC = generate_rsa_keypair()
ED_PRIVATE, ED_PUBLIC = generate_ed25519_keypair()
PUBLIC_PEMS = {RSA_PRIVATE: RSA_PUBLIC, ED_PRIVATE: ED_PUBLIC, OLD_RSA_PRIVATE: OLD_RSA_PUBLIC}


class KeyStore:
    """A fake key lookup: returns ``cached`` first and ``fresh`` on refresh, recording calls."""

    def __init__(self, cached: str | None, fresh: str | None = None) -> None:
        self.cached = cached
        self.fresh = cached if fresh is None else fresh
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.calls.append((key_id, refresh))
        pem = self.fresh if refresh else self.cached
        return None if pem is None else PublicKeyInfo(key_id, ACTOR, pem)


def post(body: bytes = BODY, url: str = INBOX) -> httpx.Request:
    """Build an inbox POST the way a delivery job does."""
    return httpx.Request(
        "POST", url, content=body, headers={"Content-Type": "application/activity+json"}
    )


def get(url: str = "https://local.test/@alice/outbox?page=2") -> httpx.Request:
    """Build a signed-fetch GET the way the object fetcher does."""
    return httpx.Request("GET", url, headers={"Accept": "application/activity+json"})


def signed(
    request: httpx.Request,
    private_pem: str = RSA_PRIVATE,
    style: Literal["cavage", "rfc9421"] = "cavage",
    now: datetime = NOW,
) -> httpx.Request:
    """Sign a request in place and return it."""
    sign_request(request, SigningKey(KEY_ID, private_pem), style=style, now=now)
    return request


async def receive(
    request: httpx.Request,
    store: KeyStore | None = None,
    *,
    body: bytes | None = None,
    now: datetime = NOW,
    **window: timedelta,
) -> VerifiedSignature:
    """Hand a request to verify_request as an inbox endpoint would."""
    return await verify_request(
        request.method,
        str(request.url),
        list(request.headers.multi_items()),
        request.content if body is None else body,
        store or KeyStore(RSA_PUBLIC),
        now=now,
        **window,
    )


def edit_headers(request: httpx.Request, change: Callable[[httpx.Headers], None]) -> httpx.Request:
    """Return a copy of a request with its headers changed, body kept."""
    headers = httpx.Headers(request.headers)
    change(headers)
    return httpx.Request(request.method, request.url, headers=headers, content=request.content)


def test_sign_request_cavage_post_sets_mastodon_headers() -> None:
    """Ensures a cavage POST gets Host, Date, Digest and a Signature over Mastodon's list."""
    request = signed(post())

    assert request.headers["Host"] == "local.test"
    assert request.headers["Date"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert request.headers["Digest"].startswith("SHA-256=")
    signature = request.headers["Signature"]
    assert f'keyId="{KEY_ID}"' in signature
    assert 'algorithm="rsa-sha256"' in signature
    assert 'headers="(request-target) host date digest content-type"' in signature


def test_sign_request_cavage_get_signs_accept() -> None:
    """Ensures a cavage GET signs (request-target) host date accept and sends no Digest."""
    request = signed(get())

    assert "Digest" not in request.headers
    assert 'headers="(request-target) host date accept"' in request.headers["Signature"]


def test_sign_request_rfc9421_post_sets_content_digest_and_signature_input() -> None:
    """Ensures an RFC 9421 POST gets Content-Digest and covers what Mastodon requires."""
    request = signed(post(), style="rfc9421")

    assert request.headers["Content-Digest"].startswith("sha-256=:")
    assert "Digest" not in request.headers
    assert request.headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "content-type" "content-digest")'
        f';created={int(NOW.timestamp())};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    assert request.headers["Signature"].startswith("sig1=:")


def test_sign_request_replaces_previous_signature() -> None:
    """Ensures re-signing a retried request leaves exactly one fresh signature and date."""
    request = signed(post(), style="rfc9421")
    later = NOW + timedelta(minutes=10)

    signed(request, now=later)

    assert request.headers.get_list("Signature")[0].startswith("keyId=")
    assert len(request.headers.get_list("Signature")) == 1
    assert "Signature-Input" not in request.headers
    assert "Content-Digest" not in request.headers
    assert request.headers["Date"] == "Wed, 01 May 2024 12:10:00 GMT"


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
@pytest.mark.parametrize("private_pem", [RSA_PRIVATE, ED_PRIVATE], ids=["rsa", "ed25519"])
@pytest.mark.parametrize("make_request", [post, get], ids=["post", "get"])
async def test_sign_then_verify_round_trips(
    style: Literal["cavage", "rfc9421"],
    private_pem: str,
    make_request: Callable[[], httpx.Request],
) -> None:
    """Ensures every style, key type and method verifies and names the key's owner."""
    request = signed(make_request(), private_pem, style=style)

    result = await receive(request, KeyStore(PUBLIC_PEMS[private_pem]))

    assert result == VerifiedSignature(KEY_ID, ACTOR, style)


async def test_rsa_pss_sha512_signature_verifies() -> None:
    """Ensures an incoming rsa-pss-sha512 RFC 9421 signature is accepted."""
    request = post()
    request.headers["Content-Digest"] = build_content_digest(BODY)
    message = RequestMessage.from_httpx(request)
    signature_input, signature = httpsig_rfc9421.sign_message(
        message,
        SigningKey(KEY_ID, RSA_PRIVATE),
        httpsig_rfc9421.POST_COMPONENTS,
        created=int(NOW.timestamp()),
        algorithm="rsa-pss-sha512",
    )
    request.headers["Signature-Input"] = signature_input
    request.headers["Signature"] = signature

    result = await receive(request)

    assert result.style == "rfc9421"


async def test_verify_accepts_headers_as_mapping() -> None:
    """Ensures headers may be passed as a mapping, e.g. Starlette's Headers."""
    request = signed(post())

    result = await verify_request(
        "POST", INBOX, dict(request.headers), BODY, KeyStore(RSA_PUBLIC), now=NOW
    )

    assert result.owner == ACTOR


async def test_verify_accepts_authorization_signature() -> None:
    """Ensures a signature sent as ``Authorization: Signature ...`` is verified."""
    request = signed(get())
    request = edit_headers(
        request,
        lambda headers: headers.update({"Authorization": "Signature " + headers.pop("Signature")}),
    )

    assert (await receive(request)).key_id == KEY_ID


async def test_verify_falls_back_to_target_without_query() -> None:
    """Ensures a signature over the path without the query string verifies (old Mastodon)."""
    request = signed(get("https://local.test/@alice/outbox"))

    result = await verify_request(
        "GET",
        "https://local.test/@alice/outbox?page=2",
        list(request.headers.multi_items()),
        b"",
        KeyStore(RSA_PUBLIC),
        now=NOW,
    )

    assert result.style == "cavage"


async def test_verify_rejects_unsigned_request() -> None:
    """Ensures a request with no signature raises SignatureMissing (401)."""
    with pytest.raises(SignatureMissing):
        await receive(post())


async def test_verify_rejects_bearer_authorization_as_unsigned() -> None:
    """Ensures an Authorization header of another scheme does not count as a signature."""
    request = post()
    request.headers["Authorization"] = "Bearer token"

    with pytest.raises(SignatureMissing):
        await receive(request)


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_verify_rejects_bad_signature_after_one_refresh(
    style: Literal["cavage", "rfc9421"],
) -> None:
    """Ensures a signature by another key fails even after refetching the key once."""
    request = signed(post(), OLD_RSA_PRIVATE, style=style)
    store = KeyStore(RSA_PUBLIC)

    with pytest.raises(SignatureInvalid, match="does not verify"):
        await receive(request, store)
    assert store.calls == [(KEY_ID, False), (KEY_ID, True)]


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_verify_accepts_rotated_key_after_refresh(
    style: Literal["cavage", "rfc9421"],
) -> None:
    """Ensures a stale cached key triggers exactly one refresh, and the new key verifies."""
    request = signed(post(), style=style)
    store = KeyStore(OLD_RSA_PUBLIC, fresh=RSA_PUBLIC)

    result = await receive(request, store)

    assert result.key_id == KEY_ID
    assert store.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_verify_does_not_refresh_when_cached_key_works() -> None:
    """Ensures a valid signature costs a single key lookup."""
    store = KeyStore(RSA_PUBLIC)

    await receive(signed(post()), store)

    assert store.calls == [(KEY_ID, False)]


async def test_verify_raises_key_unavailable_when_lookup_finds_nothing() -> None:
    """Ensures a key lookup returning None raises KeyUnavailable (503), with no refresh."""
    store = KeyStore(None)

    with pytest.raises(KeyUnavailable) as caught:
        await receive(signed(post()), store)
    assert caught.value.status == 503
    assert store.calls == [(KEY_ID, False)]


async def test_verify_rejects_when_refresh_finds_nothing() -> None:
    """Ensures a failing cached key whose refresh returns None is a bad signature."""
    store = KeyStore(OLD_RSA_PUBLIC)
    store.fresh = None

    with pytest.raises(SignatureInvalid):
        await receive(signed(post()), store)
    assert store.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_verify_treats_unparseable_key_as_failed_verification() -> None:
    """Ensures a garbage PEM from the key store leads to one refresh, then acceptance."""
    store = KeyStore("not a pem", fresh=RSA_PUBLIC)

    result = await receive(signed(post()), store)

    assert result.owner == ACTOR


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_verify_rejects_tampered_body(style: Literal["cavage", "rfc9421"]) -> None:
    """Ensures a body changed after signing fails on its digest, before any key lookup."""
    store = KeyStore(RSA_PUBLIC)

    with pytest.raises(DigestMismatch, match="does not match"):
        await receive(signed(post(), style=style), store, body=BODY.replace(b"Follow", b"Block"))
    assert store.calls == []


@pytest.mark.parametrize(
    ("style", "digest_header"), [("cavage", "Digest"), ("rfc9421", "Content-Digest")]
)
async def test_verify_rejects_post_without_digest(
    style: Literal["cavage", "rfc9421"], digest_header: str
) -> None:
    """Ensures a POST whose digest header was stripped is refused."""
    request = edit_headers(signed(post(), style=style), lambda headers: headers.pop(digest_header))

    with pytest.raises(DigestMismatch, match="missing"):
        await receive(request)


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_verify_rejects_stale_date(style: Literal["cavage", "rfc9421"]) -> None:
    """Ensures a signature older than the default 65 minutes is refused, before key lookup."""
    store = KeyStore(RSA_PUBLIC)
    request = signed(post(), style=style, now=NOW - DEFAULT_MAX_AGE - timedelta(seconds=1))

    with pytest.raises(DateOutOfWindow, match="too old"):
        await receive(request, store)
    assert store.calls == []


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_verify_rejects_future_date(style: Literal["cavage", "rfc9421"]) -> None:
    """Ensures a signature dated more than an hour ahead of our clock is refused."""
    request = signed(post(), style=style, now=NOW + DEFAULT_MAX_FUTURE + timedelta(seconds=1))

    with pytest.raises(DateOutOfWindow, match="future"):
        await receive(request)


@pytest.mark.parametrize(
    "signed_at", [NOW - DEFAULT_MAX_AGE, NOW + DEFAULT_MAX_FUTURE], ids=["oldest", "newest"]
)
async def test_verify_accepts_dates_on_window_edges(signed_at: datetime) -> None:
    """Ensures the window matches Mastodon: 5 min + 1 h old and 1 h ahead are still fine."""
    assert (DEFAULT_MAX_AGE.total_seconds(), DEFAULT_MAX_FUTURE.total_seconds()) == (3900, 3600)

    result = await receive(signed(post(), now=signed_at))

    assert result.owner == ACTOR


async def test_verify_honours_custom_window() -> None:
    """Ensures max_age and max_future are parameters, not constants."""
    request = signed(post(), now=NOW - timedelta(minutes=2))

    with pytest.raises(DateOutOfWindow):
        await receive(request, max_age=timedelta(minutes=1))
    with pytest.raises(DateOutOfWindow):
        await receive(signed(post(), now=NOW + timedelta(seconds=30)), max_future=timedelta(0))


async def test_verify_honours_explicit_expiry() -> None:
    """Ensures a signed ``expires`` in the past (beyond clock skew) is refused."""
    request = post()
    request.headers["Content-Digest"] = build_content_digest(BODY)
    message = RequestMessage.from_httpx(request)
    created = int((NOW - timedelta(hours=3)).timestamp())
    signature_input, signature = httpsig_rfc9421.sign_message(
        message,
        SigningKey(KEY_ID, RSA_PRIVATE),
        httpsig_rfc9421.POST_COMPONENTS,
        created=created,
        expires=created + 3600,
    )
    request.headers["Signature-Input"] = signature_input
    request.headers["Signature"] = signature

    with pytest.raises(DateOutOfWindow, match="expired"):
        await receive(request)
    # An hour earlier expiry plus skew had not passed, though the date was older than max_age.
    assert (await receive(request, now=NOW - timedelta(hours=1))).owner == ACTOR


async def test_verify_rejects_unknown_algorithm() -> None:
    """Ensures an unsupported algorithm is refused without looking up the key."""
    store = KeyStore(RSA_PUBLIC)
    request = edit_headers(
        signed(post()),
        lambda headers: headers.update(
            {"Signature": headers["Signature"].replace("rsa-sha256", "rsa-sha1")}
        ),
    )

    with pytest.raises(SignatureInvalid, match="Unsupported signature algorithm"):
        await receive(request, store)
    assert store.calls == []


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Signature", "keyId=https://remote.test/key signature"),
        ("Signature", 'algorithm="rsa-sha256",signature="AAAA"'),
        ("Signature-Input", 'sig1=("@method"'),
    ],
)
async def test_verify_rejects_malformed_header(header: str, value: str) -> None:
    """Ensures unparseable signature headers raise SignatureMalformed (400)."""
    request = edit_headers(signed(post()), lambda headers: headers.update({header: value}))

    with pytest.raises(SignatureMalformed) as caught:
        await receive(request)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SignatureMissing, 401),
        (SignatureInvalid, 401),
        (SignatureMalformed, 400),
        (DigestMismatch, 401),
        (DateOutOfWindow, 401),
        (KeyUnavailable, 503),
    ],
)
def test_errors_carry_status_and_short_reason(error: type[FederationError], status: int) -> None:
    """Ensures each error maps to its HTTP status and a human reason that can be overridden."""
    default = error()
    custom = error("Custom reason")

    assert isinstance(default, FederationError)
    assert default.status == status
    assert default.reason and str(default) == default.reason
    assert custom.reason == "Custom reason" and custom.status == status


def test_signs_request_recognizes_both_styles_and_nothing_else():
    """Ensures signed requests are recognized by their headers in either style, and that an
    Authorization of another scheme or unrelated headers are not taken for a signature."""
    assert signs_request(b"signature", b'keyId="k",signature="x"')
    assert signs_request(b"signature-input", b'sig1=("@method");keyid="k"')
    assert signs_request(b"authorization", b'Signature keyId="k",signature="x"')
    assert signs_request(b"authorization", b'signature keyId="k"')
    assert not signs_request(b"authorization", b"Bearer abc")
    assert not signs_request(b"accept", b"application/activity+json")
