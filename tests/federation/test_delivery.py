"""Tests for federation.delivery: signed POSTs against fake inboxes, classification, backoff."""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from federation.delivery import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    DeliveryResult,
    Outcome,
    Recipient,
    backoff_delay,
    classify,
    deliver,
    group_by_shared_inbox,
    parse_retry_after,
    serialize_activity,
)
from federation.keys import SigningKey, generate_rsa_keypair
from federation.signatures import PublicKeyInfo, verify_request
from federation.ssrf import GuardedTransport

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"
ACTOR = "https://local.test/@alice"
INBOX = "https://remote.test/users/bob/inbox"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
UA = "qspace/0.1.0 (+https://local.test/)"


@pytest.fixture(scope="module")
def keypair() -> tuple[SigningKey, PublicKeyInfo]:
    private_pem, public_pem = generate_rsa_keypair()
    key_id = f"{ACTOR}#main-key"
    return SigningKey(key_id, private_pem), PublicKeyInfo(key_id, ACTOR, public_pem)


@pytest.fixture
def activity() -> dict:
    return json.loads((ACTIVITIES / "mastodon_follow.json").read_text()) | {"actor": ACTOR}


class FakeInbox:
    """An inbox server: verifies signatures it understands, answers as configured."""

    def __init__(self, public_key: PublicKeyInfo, *, understands=("rfc9421", "cavage")):
        self.public_key = public_key
        self.understands = understands
        self.requests: list[httpx.Request] = []
        self.styles: list[str] = []
        self.answer: httpx.Response | None = None

    async def get_key(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        return self.public_key if key_id == self.public_key.key_id else None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        style = "rfc9421" if "signature-input" in request.headers else "cavage"
        self.styles.append(style)
        if self.answer is not None:
            return self.answer
        if style not in self.understands:
            return httpx.Response(401, json={"error": "Request not signed"})
        await verify_request(
            request.method,
            str(request.url),
            list(request.headers.multi_items()),
            request.content,
            self.get_key,
            now=NOW,
        )
        return httpx.Response(202)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def send(inbox: FakeInbox, activity, key: SigningKey, memory=None, url=INBOX):
    async with inbox.client() as client:
        return await deliver(
            client, url, activity, key, style_memory=memory, user_agent=UA, now=NOW
        )


async def test_deliver_posts_signed_json_and_reports_delivered(keypair, activity):
    """Ensures a 202 inbox gets one verifiable RFC 9421 POST of the serialised activity."""
    key, public = keypair
    inbox = FakeInbox(public)
    memory: dict[str, str] = {}
    result = await send(inbox, activity, key, memory)
    assert result == DeliveryResult(Outcome.DELIVERED, 202, None, None, "rfc9421")
    [request] = inbox.requests
    assert request.headers["Content-Type"] == "application/activity+json"
    assert request.headers["User-Agent"] == UA
    assert json.loads(request.content) == activity
    assert memory == {"remote.test": "rfc9421"}


async def test_deliver_double_knocks_with_cavage_and_remembers_it(keypair, activity):
    """Ensures a 401 on RFC 9421 is retried with draft-cavage, which is then remembered."""
    key, public = keypair
    inbox = FakeInbox(public, understands=("cavage",))
    memory: dict[str, str] = {}
    result = await send(inbox, activity, key, memory)
    assert (result.outcome, result.status, result.style_used) == (
        Outcome.DELIVERED,
        202,
        "cavage",
    )
    assert inbox.styles == ["rfc9421", "cavage"]
    assert inbox.requests[0].content == inbox.requests[1].content
    assert memory == {"remote.test": "cavage"}

    again = await send(inbox, activity, key, memory)
    assert again.outcome is Outcome.DELIVERED
    assert inbox.styles == ["rfc9421", "cavage", "cavage"]


async def test_deliver_knocks_back_to_rfc9421_when_remembered_cavage_fails(keypair, activity):
    """Ensures a stale remembered style falls back to the other one and is updated."""
    key, public = keypair
    inbox = FakeInbox(public, understands=("rfc9421",))
    memory = {"remote.test": "cavage"}
    result = await send(inbox, activity, key, memory)
    assert result.outcome is Outcome.DELIVERED
    assert inbox.styles == ["cavage", "rfc9421"]
    assert memory == {"remote.test": "rfc9421"}


async def test_deliver_works_without_style_memory(keypair, activity):
    """Ensures style_memory is optional."""
    key, public = keypair
    result = await send(FakeInbox(public, understands=("cavage",)), activity, key, None)
    assert result.outcome is Outcome.DELIVERED


async def test_deliver_sends_preserialised_bytes_unchanged(keypair, activity):
    """Ensures bytes are posted as given, so the queue stores exactly what gets signed."""
    key, public = keypair
    inbox = FakeInbox(public)
    body = serialize_activity(activity)
    await send(inbox, body, key)
    assert inbox.requests[0].content == body


async def test_deliver_retries_429_with_retry_after_and_no_second_knock(keypair, activity):
    """Ensures 429 is RETRY with the server's delay and is not re-sent with the other style."""
    key, public = keypair
    inbox = FakeInbox(public)
    inbox.answer = httpx.Response(429, headers={"Retry-After": "120"})
    memory: dict[str, str] = {}
    result = await send(inbox, activity, key, memory)
    assert (result.outcome, result.status) == (Outcome.RETRY, 429)
    assert result.retry_after == timedelta(seconds=120)
    assert len(inbox.requests) == 1
    assert memory == {}


async def test_deliver_retries_503(keypair, activity):
    """Ensures a 503 is RETRY without a second knock and with the body in the error."""
    key, public = keypair
    inbox = FakeInbox(public)
    inbox.answer = httpx.Response(503, text="maintenance")
    result = await send(inbox, activity, key)
    assert (result.outcome, result.status, result.retry_after) == (Outcome.RETRY, 503, None)
    assert result.error == "HTTP 503: maintenance"
    assert len(inbox.requests) == 1


async def test_deliver_gives_up_on_410(keypair, activity):
    """Ensures a 410 Gone inbox is a permanent failure after one request."""
    key, public = keypair
    inbox = FakeInbox(public)
    inbox.answer = httpx.Response(410)
    result = await send(inbox, activity, key)
    assert (result.outcome, result.status) == (Outcome.GAVE_UP, 410)
    assert len(inbox.requests) == 1


async def test_deliver_gives_up_when_both_styles_are_refused(keypair, activity):
    """Ensures a 401 to both styles gives up after exactly two requests, memory untouched."""
    key, public = keypair
    inbox = FakeInbox(public, understands=())
    memory: dict[str, str] = {}
    result = await send(inbox, activity, key, memory)
    assert (result.outcome, result.status, result.style_used) == (Outcome.GAVE_UP, 401, "cavage")
    assert inbox.styles == ["rfc9421", "cavage"]
    assert memory == {}


async def test_deliver_retries_on_connection_error(keypair, activity):
    """Ensures a refused connection is RETRY with no status and a readable error."""
    key, _ = keypair

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        result = await deliver(client, INBOX, activity, key, user_agent=UA, now=NOW)
    assert (result.outcome, result.status) == (Outcome.RETRY, None)
    assert result.error is not None and "ConnectError" in result.error


async def test_deliver_retries_on_read_timeout(keypair, activity):
    """Ensures an httpx timeout is RETRY."""
    key, _ = keypair

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
        result = await deliver(client, INBOX, activity, key, user_agent=UA, now=NOW)
    assert result.outcome is Outcome.RETRY


async def test_deliver_gives_up_on_refused_address(keypair, activity):
    """Ensures an inbox on a private address (GuardedTransport) is never retried."""
    key, public = keypair
    inbox = FakeInbox(public)

    async def private(host: str, port: int) -> list[str]:
        return ["192.168.1.10"]

    transport = GuardedTransport(httpx.MockTransport(inbox), resolver=private)
    async with httpx.AsyncClient(transport=transport) as client:
        result = await deliver(client, INBOX, activity, key, user_agent=UA, now=NOW)
    assert (result.outcome, result.status) == (Outcome.GAVE_UP, None)
    assert inbox.requests == []


# classify and Retry-After


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
        (301, Outcome.GAVE_UP),
        (400, Outcome.GAVE_UP),
        (401, Outcome.GAVE_UP),
        (403, Outcome.GAVE_UP),
        (404, Outcome.GAVE_UP),
        (410, Outcome.GAVE_UP),
        (413, Outcome.GAVE_UP),
    ],
)
def test_classify_maps_status_to_outcome(status, outcome):
    """Ensures 2xx delivers, 408/429/5xx retry and other answers give up."""
    assert classify(status, {}) == (outcome, None)


def test_classify_reads_retry_after_case_insensitively_from_dicts():
    """Ensures a plain dict with any header case works like httpx.Headers."""
    assert classify(503, {"retry-after": "30"}) == (Outcome.RETRY, timedelta(seconds=30))
    assert classify(503, httpx.Headers({"RETRY-AFTER": "30"}))[1] == timedelta(seconds=30)


def test_classify_ignores_retry_after_on_permanent_failures():
    """Ensures Retry-After on a 410 does not turn it into a retry."""
    assert classify(410, {"Retry-After": "30"}) == (Outcome.GAVE_UP, None)


def test_parse_retry_after_reads_http_date():
    """Ensures an HTTP-date Retry-After becomes the delay from now."""
    value = "Sat, 01 Mar 2025 12:10:00 GMT"
    assert parse_retry_after(value, now=NOW) == timedelta(minutes=10)


def test_parse_retry_after_clamps_past_and_far_future():
    """Ensures past dates mean "now" and huge delays are capped."""
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=NOW) == timedelta(0)
    assert parse_retry_after("999999999999", now=NOW) == MAX_RETRY_AFTER


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
def test_parse_retry_after_ignores_malformed_values(value):
    """Ensures unusable Retry-After values are ignored rather than raising."""
    assert parse_retry_after(value, now=NOW) is None


# backoff


class FixedRandom(random.Random):
    def __init__(self, value: float):
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_backoff_delay_doubles_from_base():
    """Ensures, without jitter, each wait is twice the previous one."""
    delays = [backoff_delay(n, jitter=0) for n in range(1, 5)]
    assert delays == [timedelta(minutes=30 * 2**k) for k in range(4)]


def test_backoff_delay_is_capped():
    """Ensures the delay never exceeds the cap, even for absurd attempt numbers."""
    cap = timedelta(hours=6)
    assert backoff_delay(10, cap=cap, jitter=0) == cap
    assert backoff_delay(10_000, jitter=0) == timedelta(hours=48)


@pytest.mark.parametrize("rng_value", [0.0, 0.5, 0.999999])
def test_backoff_schedule_spans_two_to_three_days(rng_value):
    """Ensures the waits between MAX_ATTEMPTS attempts sum to 2-3 days whatever the jitter."""
    rng = FixedRandom(rng_value)
    total = sum((backoff_delay(n, rng=rng) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert MAX_ATTEMPTS == 8
    assert timedelta(days=2) <= total <= timedelta(days=3)


def test_backoff_delay_jitter_stays_within_bounds():
    """Ensures jitter scales the delay by at most the given fraction either way."""
    low = backoff_delay(3, jitter=0.25, rng=FixedRandom(0.0))
    high = backoff_delay(3, jitter=0.25, rng=FixedRandom(0.999999))
    assert low == timedelta(hours=2) * 0.75
    assert timedelta(hours=2) < high <= timedelta(hours=2) * 1.25


def test_backoff_delay_varies_with_a_real_rng():
    """Ensures two deliveries failing together are spread out."""
    rng = random.Random(7)
    assert len({backoff_delay(2, rng=rng) for _ in range(5)}) == 5


@pytest.mark.parametrize(("attempt", "jitter"), [(0, 0.1), (-1, 0.1), (1, 1.5), (1, -0.1)])
def test_backoff_delay_refuses_bad_arguments(attempt, jitter):
    """Ensures attempts count from 1 and jitter is a fraction."""
    with pytest.raises(ValueError):
        backoff_delay(attempt, jitter=jitter)


# recipients


def test_group_by_shared_inbox_collapses_allowed_recipients():
    """Ensures recipients allowed to share collapse to one shared inbox, in order."""
    recipients = [
        Recipient("https://a.test/u/1", "https://a.test/u/1/inbox", "https://a.test/inbox", True),
        Recipient("https://a.test/u/2", "https://a.test/u/2/inbox", "https://a.test/inbox", True),
        Recipient("https://b.test/u/3", "https://b.test/u/3/inbox", None, True),
        Recipient("https://c.test/u/4", "https://c.test/u/4/inbox", "https://c.test/inbox", False),
    ]
    assert group_by_shared_inbox(recipients) == [
        "https://a.test/inbox",
        "https://b.test/u/3/inbox",
        "https://c.test/u/4/inbox",
    ]


def test_group_by_shared_inbox_deduplicates_personal_inboxes():
    """Ensures the same personal inbox listed twice is delivered once."""
    bob = Recipient("https://b.test/u/bob", "https://b.test/u/bob/inbox")
    assert group_by_shared_inbox([bob, bob]) == ["https://b.test/u/bob/inbox"]


def test_group_by_shared_inbox_defaults_to_personal_inbox():
    """Ensures the shared inbox is used only when the caller allows it."""
    carol = Recipient("https://c.test/u/c", "https://c.test/u/c/inbox", "https://c.test/inbox")
    assert group_by_shared_inbox([carol]) == ["https://c.test/u/c/inbox"]
