"""Tests for federation.fetch: the guarded Fetcher against in-process fake servers, and TTLCache."""

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from federation.fetch import (
    ACTIVITY_ACCEPT,
    BadStatus,
    Fetcher,
    FetchError,
    FetchRefused,
    NetworkError,
    NotJson,
    OriginMismatch,
    ResponseTooLarge,
    TooManyRedirects,
    TTLCache,
    WrongContentType,
)
from federation.ssrf import GuardedTransport

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"
AP_JSON = {"Content-Type": "application/activity+json; charset=utf-8"}
UA = "qspace/0.1.0 (+https://local.test/)"


async def fake_resolver(host: str, port: int) -> list[str]:
    """Resolve test hosts: *.test is public, internal.test is private."""
    if host == "internal.test":
        return ["10.0.0.5"]
    if host.endswith(".test"):
        return ["93.184.215.14"]
    raise OSError(-2, "Name or service not known")


async def streamed(*chunks: bytes) -> AsyncIterator[bytes]:
    """Yield a body in chunks, as a network response arrives (not pre-read by httpx)."""
    for chunk in chunks:
        yield chunk


def make_fetcher(
    handler: Callable[[httpx.Request], httpx.Response], **options
) -> tuple[Fetcher, list[httpx.Request]]:
    """Build a Fetcher over a MockTransport; return it and the list of requests it saw."""
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(recording))
    options.setdefault("user_agent", UA)
    options.setdefault("resolver", fake_resolver)
    return Fetcher(client, **options), seen


async def test_fetch_json_returns_the_document_with_headers_set():
    """Ensures a GET carries Accept and User-Agent and returns the parsed object."""
    actor = json.loads((ACTIVITIES / "mastodon_actor.json").read_text())
    fetcher, seen = make_fetcher(lambda r: httpx.Response(200, json=actor, headers=AP_JSON))
    assert await fetcher.fetch_json("https://remote.test/users/bob") == actor
    assert seen[0].headers["Accept"] == ACTIVITY_ACCEPT
    assert seen[0].headers["User-Agent"] == UA


async def test_fetch_json_signs_every_request_including_redirects():
    """Ensures the sign callback runs on each hop, so authorized-fetch servers accept it."""
    signed: list[str] = []

    def sign(request: httpx.Request) -> None:
        signed.append(str(request.url))
        request.headers["Signature"] = "test"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        assert request.headers["Signature"] == "test"
        return httpx.Response(200, json={"id": "x"}, headers=AP_JSON)

    fetcher, _ = make_fetcher(handler, sign=sign)
    await fetcher.fetch_json("https://remote.test/old")
    assert signed == ["https://remote.test/old", "https://remote.test/new"]


async def test_fetch_json_refuses_private_address_before_connecting():
    """Ensures a URL resolving to a private address is refused without any request."""
    fetcher, seen = make_fetcher(lambda r: httpx.Response(200, json={}, headers=AP_JSON))
    with pytest.raises(FetchRefused) as caught:
        await fetcher.fetch_json("https://internal.test/users/x")
    assert caught.value.reason.startswith("refused address")
    assert seen == []


async def test_fetch_json_refuses_redirect_into_private_network():
    """Ensures each redirect hop is re-checked and a private target is never requested."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://internal.test/admin"})

    fetcher, seen = make_fetcher(handler)
    with pytest.raises(FetchRefused):
        await fetcher.fetch_json("https://remote.test/users/bob")
    assert [str(r.url) for r in seen] == ["https://remote.test/users/bob"]


async def test_fetch_json_refuses_redirect_from_https_to_http():
    """Ensures a downgrade redirect is refused in production mode."""
    fetcher, seen = make_fetcher(
        lambda r: httpx.Response(302, headers={"Location": "http://remote.test/plain"})
    )
    with pytest.raises(FetchRefused):
        await fetcher.fetch_json("https://remote.test/a")
    assert len(seen) == 1


async def test_fetch_json_maps_guarded_transport_refusal():
    """Ensures a refusal raised by a GuardedTransport inside the client becomes FetchRefused."""
    calls: list[tuple[str, int]] = []

    async def rebinding_resolver(host: str, port: int) -> list[str]:
        # First lookup (Fetcher's own check) is public, the second (transport's) is private.
        calls.append((host, port))
        return ["93.184.215.14"] if len(calls) == 1 else ["127.0.0.1"]

    inner = httpx.MockTransport(lambda r: httpx.Response(200, json={}, headers=AP_JSON))
    client = httpx.AsyncClient(transport=GuardedTransport(inner, resolver=rebinding_resolver))
    fetcher = Fetcher(client, user_agent=UA, resolver=rebinding_resolver)
    with pytest.raises(FetchRefused):
        await fetcher.fetch_json("https://remote.test/x")
    assert len(calls) == 2


async def test_fetch_json_stops_after_max_redirects():
    """Ensures a redirect loop ends with TooManyRedirects after max_redirects hops."""
    fetcher, seen = make_fetcher(
        lambda r: httpx.Response(302, headers={"Location": "/loop"}), max_redirects=2
    )
    with pytest.raises(TooManyRedirects):
        await fetcher.fetch_json("https://remote.test/loop")
    assert len(seen) == 3


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_fetch_json_raises_bad_status_with_code(status):
    """Ensures non-2xx answers raise BadStatus carrying the status (410 means deleted)."""
    fetcher, _ = make_fetcher(lambda r: httpx.Response(status, json={"error": "x"}))
    with pytest.raises(BadStatus) as caught:
        await fetcher.fetch_json("https://remote.test/gone")
    assert caught.value.status_code == status
    assert caught.value.status == 502


async def test_fetch_json_refuses_html():
    """Ensures an HTML answer (a login page, a profile) is refused by content type."""
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, text="<html></html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(WrongContentType):
        await fetcher.fetch_json("https://remote.test/@bob")


async def test_fetch_json_accepts_ld_json_with_profile():
    """Ensures the ld+json profile form of ActivityStreams is accepted."""
    content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, json={"id": 1}, headers={"Content-Type": content_type})
    )
    assert await fetcher.fetch_json("https://remote.test/x") == {"id": 1}


async def test_fetch_json_refuses_declared_oversized_body():
    """Ensures a Content-Length over the cap is refused before reading."""
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=b"{}" + b" " * 2000, headers=AP_JSON),
        max_bytes=1000,
    )
    with pytest.raises(ResponseTooLarge):
        await fetcher.fetch_json("https://remote.test/big")


async def test_fetch_json_stops_reading_an_endless_stream_past_the_cap():
    """Ensures an undeclared, never-ending body is abandoned just past max_bytes."""
    produced = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal produced
        while True:
            produced += 1024
            yield b" " * 1024

    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=endless(), headers=AP_JSON), max_bytes=10_000
    )
    with pytest.raises(ResponseTooLarge):
        await fetcher.fetch_json("https://remote.test/stream")
    assert produced <= 11 * 1024


async def test_fetch_json_caps_decompressed_size_of_gzip_bomb():
    """Ensures a small gzip body that inflates past the cap is refused."""
    bomb = gzip.compress(b'{"a":"' + b"x" * 5_000_000 + b'"}')
    headers = {**AP_JSON, "Content-Encoding": "gzip"}
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=streamed(bomb), headers=headers), max_bytes=100_000
    )
    assert len(bomb) < 100_000
    with pytest.raises(ResponseTooLarge):
        await fetcher.fetch_json("https://remote.test/bomb")


async def test_fetch_json_decodes_gzip_within_the_cap():
    """Ensures an ordinary gzip-encoded answer is decoded."""
    body = gzip.compress(json.dumps({"type": "Person"}).encode())
    headers = {**AP_JSON, "Content-Encoding": "gzip"}
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=streamed(body[:10], body[10:]), headers=headers)
    )
    assert await fetcher.fetch_json("https://remote.test/x") == {"type": "Person"}


async def test_fetch_json_refuses_unknown_content_encoding():
    """Ensures an encoding we cannot decode with a bound is refused."""
    headers = {**AP_JSON, "Content-Encoding": "br"}
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=streamed(b"\x00"), headers=headers)
    )
    with pytest.raises(NotJson):
        await fetcher.fetch_json("https://remote.test/x")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"[" * 100 + b"]" * 100])
async def test_fetch_json_refuses_non_object_or_deep_json(body):
    """Ensures invalid JSON, non-object JSON and too deep JSON all raise NotJson."""
    fetcher, _ = make_fetcher(lambda r: httpx.Response(200, content=body, headers=AP_JSON))
    with pytest.raises(NotJson):
        await fetcher.fetch_json("https://remote.test/x")


async def test_fetch_json_times_out_on_a_slow_server():
    """Ensures the total timeout ends a fetch whose server never finishes."""

    async def trickle() -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.sleep(10)
        yield b"}"

    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, content=trickle(), headers=AP_JSON), timeout=0.05
    )
    with pytest.raises(NetworkError) as caught:
        await fetcher.fetch_json("https://remote.test/slow")
    assert "timed out" in caught.value.reason


async def test_fetch_json_maps_connection_errors():
    """Ensures a transport failure becomes a NetworkError."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fetcher, _ = make_fetcher(handler)
    with pytest.raises(NetworkError):
        await fetcher.fetch_json("https://remote.test/x")


async def test_fetch_json_maps_unresolvable_hosts():
    """Ensures a DNS failure is a NetworkError, not a refusal."""
    fetcher, _ = make_fetcher(lambda r: httpx.Response(200))
    with pytest.raises(NetworkError):
        await fetcher.fetch_json("https://nowhere.example/x")


async def test_fetch_json_allows_loopback_http_in_development():
    """Ensures allow_http lets a dev fetcher reach http://127.0.0.1."""
    fetcher, seen = make_fetcher(
        lambda r: httpx.Response(200, json={"ok": 1}, headers=AP_JSON), allow_http=True
    )
    assert await fetcher.fetch_json("http://127.0.0.1:8000/x") == {"ok": 1}
    assert fetcher.allow_http and len(seen) == 1


async def test_fetch_object_accepts_matching_origin_after_redirect():
    """Ensures an object whose id is on the final URL's origin is accepted."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "old.test":
            return httpx.Response(301, headers={"Location": "https://remote.test/notes/1"})
        return httpx.Response(200, json={"id": "https://remote.test/notes/1"}, headers=AP_JSON)

    fetcher, _ = make_fetcher(handler)
    note = await fetcher.fetch_object("https://old.test/notes/1")
    assert note["id"] == "https://remote.test/notes/1"


@pytest.mark.parametrize("ap_id", ["https://victim.test/notes/1", None, "http://remote.test/n"])
async def test_fetch_object_refuses_id_from_another_origin(ap_id):
    """Ensures a server cannot speak for objects of another origin (or without id)."""
    fetcher, _ = make_fetcher(
        lambda r: httpx.Response(200, json={"id": ap_id, "type": "Note"}, headers=AP_JSON)
    )
    with pytest.raises(OriginMismatch) as caught:
        await fetcher.fetch_object("https://remote.test/notes/1")
    assert isinstance(caught.value, FetchError)


# TTLCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_returns_value_until_it_expires():
    """Ensures an entry is served before its TTL and dropped after it."""
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache(maxsize=4, ttl=60, clock=clock)
    cache.set("key", "pem")
    clock.now += 59
    assert cache.get("key") == "pem"
    clock.now += 1
    assert cache.get("key") is None
    assert len(cache) == 0


def test_ttl_cache_evicts_least_recently_used_when_full():
    """Ensures the cache stays bounded and evicts the entry used longest ago."""
    cache: TTLCache[str, int] = TTLCache(maxsize=2, ttl=60, clock=FakeClock())
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.set("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_ttl_cache_pop_forgets_a_key():
    """Ensures pop removes an entry and tolerates missing keys."""
    cache: TTLCache[str, int] = TTLCache(maxsize=2, ttl=60, clock=FakeClock())
    cache.set("a", 1)
    cache.pop("a")
    cache.pop("missing")
    assert cache.get("a") is None


def test_ttl_cache_refuses_nonsense_limits():
    """Ensures a zero size or TTL is refused at construction."""
    with pytest.raises(ValueError):
        TTLCache(maxsize=0, ttl=60)
    with pytest.raises(ValueError):
        TTLCache(maxsize=1, ttl=0)
