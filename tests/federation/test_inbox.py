"""Tests for federation.inbox: every check receive() runs, on really signed requests."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from federation.errors import (
    DateOutOfWindow,
    DigestMismatch,
    KeyUnavailable,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
)
from federation.inbox import (
    ActivityReplayed,
    DomainBlocked,
    InvalidActivity,
    KeyOwnerMismatch,
    MethodNotAllowed,
    UnsupportedMediaType,
    check_content_length,
    receive,
)
from federation.jsonld import InvalidJson, JsonTooDeep, PayloadTooLarge
from federation.keys import SigningKey, generate_rsa_keypair
from federation.signatures import PublicKeyInfo, sign_request

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"
INBOX_URL = "https://local.test/@alice/inbox"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BOB = "https://remote.test/users/bob"  # a Mastodon account: key id with #main-key
CAROL = "https://remote.test/users/carol"  # a GoToSocial account: key id with /main-key
MALLORY = "https://evil.test/users/mallory"


def load(name: str) -> dict:
    return json.loads((ACTIVITIES / name).read_text())


class Keyring:
    """Holds the remote actors' keys and answers get_key like a key cache would."""

    def __init__(self) -> None:
        self.public: dict[str, PublicKeyInfo] = {}
        self.signing: dict[str, SigningKey] = {}
        self.lookups: list[tuple[str, bool]] = []
        for actor, key_id in [
            (BOB, f"{BOB}#main-key"),
            (CAROL, f"{CAROL}/main-key"),
            (MALLORY, f"{MALLORY}#main-key"),
        ]:
            private_pem, public_pem = generate_rsa_keypair()
            self.signing[actor] = SigningKey(key_id, private_pem)
            self.public[key_id] = PublicKeyInfo(key_id, actor, public_pem)

    async def get_key(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.lookups.append((key_id, refresh))
        return self.public.get(key_id)


@pytest.fixture(scope="module")
def module_keyring() -> Keyring:
    return Keyring()


@pytest.fixture
def keyring(module_keyring: Keyring) -> Keyring:
    module_keyring.lookups.clear()
    return module_keyring


class Inbox:
    """The caller's side of receive(): seen ids and blocked domains, recorded."""

    def __init__(self, keyring: Keyring, blocked: frozenset[str] = frozenset()) -> None:
        self.keyring = keyring
        self.blocked = blocked
        self.processed: set[str] = set()
        self.seen_calls: list[str] = []

    async def seen(self, ap_id: str) -> bool:
        self.seen_calls.append(ap_id)
        if ap_id in self.processed:
            return True
        self.processed.add(ap_id)
        return False

    def is_blocked_domain(self, host: str) -> bool:
        return host in self.blocked

    async def post(self, request: httpx.Request, *, body: bytes | None = None, **options):
        return await receive(
            request.method,
            str(request.url),
            list(request.headers.multi_items()),
            request.content if body is None else body,
            get_key=self.keyring.get_key,
            seen=self.seen,
            is_blocked_domain=self.is_blocked_domain,
            now=NOW,
            **options,
        )


def signed_post(
    body: dict | bytes,
    key: SigningKey | None,
    *,
    style: str = "cavage",
    now: datetime = NOW,
    content_type: str = "application/activity+json",
) -> httpx.Request:
    """Build an inbox POST as a remote server would send it, signed with ``key``."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = httpx.Request(
        "POST", INBOX_URL, content=content, headers={"Content-Type": content_type}
    )
    if key is not None:
        sign_request(request, key, style=style, now=now)
    return request


# accepted requests


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_receive_accepts_signed_mastodon_create(keyring, style):
    """Ensures a Mastodon Create signed by its actor passes in both signature styles."""
    activity = load("mastodon_create_note.json")
    inbox = Inbox(keyring)
    received = await inbox.post(signed_post(activity, keyring.signing[BOB], style=style))
    assert received.activity == activity
    assert (received.actor, received.key_owner) == (BOB, BOB)
    assert received.signature.style == style
    assert inbox.seen_calls == [activity["id"]]


async def test_receive_accepts_gotosocial_payload_and_key_id_shape(keyring):
    """Ensures GoToSocial's bare addressing and /main-key key ids are accepted."""
    activity = load("gotosocial_create_note.json")
    received = await Inbox(keyring).post(signed_post(activity, keyring.signing[CAROL]))
    assert received.actor == CAROL
    assert received.signature.key_id == f"{CAROL}/main-key"


async def test_receive_accepts_embedded_actor_object(keyring):
    """Ensures an actor given as an embedded object is compared by its id."""
    activity = load("mastodon_follow.json") | {"actor": {"id": BOB, "type": "Person"}}
    received = await Inbox(keyring).post(signed_post(activity, keyring.signing[BOB]))
    assert received.actor == BOB


async def test_receive_accepts_ld_json_profile_content_type(keyring):
    """Ensures the ld+json AS profile content type is accepted."""
    content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    request = signed_post(
        load("mastodon_follow.json"), keyring.signing[BOB], content_type=content_type
    )
    assert (await Inbox(keyring).post(request)).actor == BOB


# rejected requests


async def test_receive_rejects_oversized_body_before_parsing(keyring):
    """Ensures a body over max_bytes is refused with 413 and no key is fetched."""
    activity = load("mastodon_follow.json") | {"padding": "x" * 2000}
    request = signed_post(activity, keyring.signing[BOB])
    with pytest.raises(PayloadTooLarge) as caught:
        await Inbox(keyring).post(request, max_bytes=1000)
    assert caught.value.status == 413
    assert keyring.lookups == []


async def test_receive_rejects_oversized_body_even_without_content_length(keyring):
    """Ensures the actual body length is checked when no Content-Length is declared."""
    request = signed_post(load("mastodon_follow.json"), keyring.signing[BOB])
    del request.headers["Content-Length"]
    with pytest.raises(PayloadTooLarge):
        await Inbox(keyring).post(request, max_bytes=50)


def test_check_content_length_refuses_declared_oversize():
    """Ensures the declared length alone can refuse a request before it is read."""
    with pytest.raises(PayloadTooLarge):
        check_content_length({"Content-Length": "2000000"}, max_bytes=1024 * 1024)
    check_content_length({"Content-Length": "100"}, max_bytes=1024)
    check_content_length({}, max_bytes=1024)


async def test_receive_rejects_too_deep_json(keyring):
    """Ensures deeply nested JSON is refused with 400 before verification."""
    body = b'{"a":' * 100 + b"1" + b"}" * 100
    with pytest.raises(JsonTooDeep) as caught:
        await Inbox(keyring).post(signed_post(body, keyring.signing[BOB]))
    assert caught.value.status == 400
    assert keyring.lookups == []


@pytest.mark.parametrize("body", [b"<html>hello</html>", b'{"type": "Follow"', b""])
async def test_receive_rejects_non_json(keyring, body):
    """Ensures a body that is not JSON is refused with 400."""
    with pytest.raises(InvalidJson) as caught:
        await Inbox(keyring).post(signed_post(body, keyring.signing[BOB]))
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"id": "https://remote.test/a/1", "type": "Follow"},
        {"id": "https://remote.test/a/1", "type": "Follow", "actor": "bob"},
        {"type": "Follow", "actor": BOB},
        {"id": 42, "type": "Follow", "actor": BOB},
    ],
)
async def test_receive_rejects_json_that_is_not_an_activity(keyring, body):
    """Ensures JSON without an http(s) actor and id is refused with 400."""
    with pytest.raises(InvalidActivity) as caught:
        await Inbox(keyring).post(signed_post(body, keyring.signing[BOB]))
    assert caught.value.status == 400


async def test_receive_rejects_non_json_content_type(keyring):
    """Ensures a form-encoded or text POST is refused with 415."""
    request = signed_post(
        load("mastodon_follow.json"), keyring.signing[BOB], content_type="text/plain"
    )
    with pytest.raises(UnsupportedMediaType) as caught:
        await Inbox(keyring).post(request)
    assert caught.value.status == 415


async def test_receive_rejects_get(keyring):
    """Ensures only POST is accepted."""
    request = httpx.Request("GET", INBOX_URL)
    with pytest.raises(MethodNotAllowed) as caught:
        await Inbox(keyring).post(request)
    assert caught.value.status == 405


async def test_receive_rejects_unsigned_request(keyring):
    """Ensures a request without any signature is refused with 401."""
    with pytest.raises(SignatureMissing) as caught:
        await Inbox(keyring).post(signed_post(load("mastodon_follow.json"), None))
    assert caught.value.status == 401


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_receive_rejects_bad_signature(keyring, style):
    """Ensures a signature made with the wrong private key is refused after one key refetch."""
    forged = SigningKey(f"{BOB}#main-key", keyring.signing[MALLORY].private_key_pem)
    inbox = Inbox(keyring)
    with pytest.raises(SignatureInvalid) as caught:
        await inbox.post(signed_post(load("mastodon_follow.json"), forged, style=style))
    assert caught.value.status == 401
    assert keyring.lookups == [(f"{BOB}#main-key", False), (f"{BOB}#main-key", True)]
    assert inbox.seen_calls == []


@pytest.mark.parametrize("style", ["cavage", "rfc9421"])
async def test_receive_rejects_wrong_digest(keyring, style):
    """Ensures a body altered after signing is refused by its digest."""
    activity = load("mastodon_follow.json")
    request = signed_post(activity, keyring.signing[BOB], style=style)
    tampered = json.dumps(activity | {"object": "https://local.test/@someone-else"}).encode()
    with pytest.raises(DigestMismatch) as caught:
        await Inbox(keyring).post(request, body=tampered)
    assert caught.value.status == 401


async def test_receive_rejects_stale_date(keyring):
    """Ensures a request signed two hours ago (a replay of a captured request) is refused."""
    request = signed_post(
        load("mastodon_follow.json"), keyring.signing[BOB], now=NOW - timedelta(hours=2)
    )
    with pytest.raises(DateOutOfWindow) as caught:
        await Inbox(keyring).post(request)
    assert caught.value.status == 401


async def test_receive_reports_unavailable_key_as_503(keyring):
    """Ensures an unknown key (cannot be fetched yet) asks the sender to retry."""
    unknown = SigningKey(
        "https://remote.test/users/dave#main-key", keyring.signing[BOB].private_key_pem
    )
    activity = load("mastodon_follow.json") | {"actor": "https://remote.test/users/dave"}
    with pytest.raises(KeyUnavailable) as caught:
        await Inbox(keyring).post(signed_post(activity, unknown))
    assert caught.value.status == 503


async def test_receive_rejects_key_owner_mismatch_and_exposes_the_activity(keyring):
    """Ensures an activity signed by someone else than its actor is refused with 401."""
    activity = load("mastodon_create_note.json")
    inbox = Inbox(keyring)
    with pytest.raises(KeyOwnerMismatch) as caught:
        await inbox.post(signed_post(activity, keyring.signing[CAROL]))
    assert caught.value.status == 401
    assert (caught.value.actor, caught.value.key_owner) == (BOB, CAROL)
    assert caught.value.activity["id"] == activity["id"]
    assert inbox.seen_calls == []


async def test_receive_rejects_replayed_activity_id(keyring):
    """Ensures the second delivery of one activity id raises ActivityReplayed (answer 202)."""
    activity = load("mastodon_follow.json")
    inbox = Inbox(keyring)
    await inbox.post(signed_post(activity, keyring.signing[BOB]))
    with pytest.raises(ActivityReplayed) as caught:
        await inbox.post(signed_post(activity, keyring.signing[BOB]))
    assert caught.value.status == 202
    assert inbox.seen_calls == [activity["id"], activity["id"]]


async def test_receive_rejects_blocked_actor_domain_without_fetching_keys(keyring):
    """Ensures an actor on a blocked domain is refused with 403 before any key lookup."""
    inbox = Inbox(keyring, blocked=frozenset({"remote.test"}))
    with pytest.raises(DomainBlocked) as caught:
        await inbox.post(signed_post(load("mastodon_follow.json"), keyring.signing[BOB]))
    assert caught.value.status == 403
    assert keyring.lookups == []


async def test_receive_never_fetches_a_key_from_a_blocked_domain(keyring):
    """Ensures a keyId on a blocked domain is refused before get_key, whatever the actor."""
    inbox = Inbox(keyring, blocked=frozenset({"evil.test"}))
    request = signed_post(load("mastodon_follow.json"), keyring.signing[MALLORY])
    with pytest.raises(DomainBlocked):
        await inbox.post(request)
    assert keyring.lookups == []


async def test_receive_rejects_key_id_that_is_not_a_url(keyring):
    """Ensures a keyId without a host is refused as malformed before any lookup."""
    odd_key = SigningKey("main-key", keyring.signing[BOB].private_key_pem)
    with pytest.raises(SignatureMalformed) as caught:
        await Inbox(keyring).post(signed_post(load("mastodon_follow.json"), odd_key))
    assert caught.value.status == 400
    assert keyring.lookups == []
