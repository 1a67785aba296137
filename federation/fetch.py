"""Fetch remote ActivityPub documents safely: SSRF-checked, size-capped, time-boxed, signed."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any, Final, Generic, TypeVar

import httpx

from federation.errors import FederationError
from federation.jsonld import AS_CONTEXT, loads_limited
from federation.ssrf import HostUnresolvable, Resolver, UnsafeURL, check_url

ACTIVITY_ACCEPT: Final = f'application/activity+json, application/ld+json; profile="{AS_CONTEXT}"'
ACTIVITY_CONTENT_TYPES: Final = frozenset({"application/activity+json", "application/ld+json"})
JRD_ACCEPT: Final = "application/jrd+json, application/json"
JRD_CONTENT_TYPES: Final = frozenset({"application/jrd+json", "application/json"})
DEFAULT_MAX_BYTES: Final = 1024 * 1024
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})


class FetchError(FederationError):
    """A remote document could not be fetched.

    Each subclass's class-level ``reason`` names the category ("too large", "not JSON"...);
    an instance's ``reason`` is that category followed by the detail, and ``detail`` holds
    the detail alone.
    """

    status = 502  # the remote server failed us: Bad Gateway to whoever asked
    reason = "fetch failed"

    def __init__(self, detail: str | None = None, *, status: int | None = None) -> None:
        category = type(self).reason
        super().__init__(f"{category}: {detail}" if detail else category, status=status)
        self.detail = detail


class FetchRefused(FetchError):
    """The URL (or a redirect target) was refused by the SSRF guard."""

    reason = "refused address"


class ResponseTooLarge(FetchError):
    """The response is larger than the fetcher's cap."""

    reason = "too large"


class BadStatus(FetchError):
    """The server answered with a non-2xx status; ``status_code`` holds it (410 = gone)."""

    reason = "bad status"

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class NotJson(FetchError):
    """The body is not JSON, too deeply nested, or not a JSON object."""

    reason = "not JSON"


class WrongContentType(FetchError):
    """The response's Content-Type is not one the caller accepts."""

    reason = "wrong content type"


class TooManyRedirects(FetchError):
    """The redirect chain is longer than the fetcher allows."""

    reason = "too many redirects"


class OriginMismatch(FetchError):
    """A fetched object's ``id`` is on another origin than the URL that served it."""

    reason = "id does not match origin"


class NetworkError(FetchError):
    """Connecting, DNS or reading failed, or the total time limit passed."""

    reason = "network error"


class Fetcher:
    """GETs JSON documents from other servers with every guard applied.

    Each request (and each redirect hop, followed here rather than by httpx) is checked with
    ``federation.ssrf.check_url`` before it is sent, signed with ``sign`` when given, limited
    to ``timeout`` seconds in total, and read as a stream that stops past ``max_bytes``
    (decompressed). Pass a client whose transport is a ``GuardedTransport`` as well to check
    the address the connection is made to as late as possible.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        user_agent: str,
        sign: Callable[[httpx.Request], None] | None = None,
        allow_http: bool = False,
        resolver: Resolver | None = None,
        timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 3,
        max_depth: int = 32,
    ) -> None:
        """Configure the fetcher.

        Args:
            client: the caller's httpx client (its transport decides where requests go).
            user_agent: e.g. ``"qspace/0.1.0 (+https://local.test/)"``.
            sign: signs each GET in place, e.g. ``lambda r: sign_request(r, instance_key)``.
            allow_http: allow http and loopback (development and tests only).
            resolver: the DNS lookup used by the SSRF check.
            timeout: total seconds for one fetch, redirects included.
            max_bytes: the largest accepted (decompressed) body.
            max_redirects: how many redirects to follow before giving up.
            max_depth: the deepest accepted JSON nesting.
        """
        self._client = client
        self._user_agent = user_agent
        self._sign = sign
        self._allow_http = allow_http
        self._resolver = resolver
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._max_depth = max_depth

    @property
    def allow_http(self) -> bool:
        """True when http and loopback URLs are allowed (development and tests)."""
        return self._allow_http

    async def fetch_json(
        self,
        url: str,
        *,
        accept: str = ACTIVITY_ACCEPT,
        content_types: Collection[str] = ACTIVITY_CONTENT_TYPES,
    ) -> dict[str, Any]:
        """GET a JSON object from another server.

        Args:
            url: the document's URL.
            accept: the Accept header to send.
            content_types: media types (without parameters) accepted in the response.

        Raises:
            FetchRefused, TooManyRedirects, BadStatus, WrongContentType, ResponseTooLarge,
            NotJson, NetworkError: all subclasses of FetchError.
        """
        _, document = await self._fetch(url, accept, content_types)
        return document

    async def fetch_object(self, url: str) -> dict[str, Any]:
        """GET an ActivityPub object and check that its ``id`` is on the origin that served it.

        A server may only speak for its own objects: a document at ``https://a.test/x``
        claiming ``"id": "https://b.test/y"`` is refused (as Mastodon does), and so is one
        without an id.

        Raises:
            OriginMismatch: the id is missing or on another scheme/host/port.
            FetchError: any failure of fetch_json.
        """
        final_url, document = await self._fetch(url, ACTIVITY_ACCEPT, ACTIVITY_CONTENT_TYPES)
        ap_id = document.get("id")
        if not isinstance(ap_id, str) or not _same_origin(ap_id, final_url):
            raise OriginMismatch(f"{final_url} served id {ap_id!r}")
        return document

    async def _fetch(
        self, url: str, accept: str, content_types: Collection[str]
    ) -> tuple[httpx.URL, dict[str, Any]]:
        """Fetch with redirects under one total deadline; return the final URL and the object."""
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(httpx.URL(url), accept, content_types)
        except TimeoutError as exc:
            raise NetworkError(f"{url}: timed out after {self._timeout}s") from exc
        except httpx.InvalidURL as exc:
            raise FetchRefused(f"{url}: invalid URL") from exc
        except UnsafeURL as exc:  # also raised by a GuardedTransport inside the client
            raise FetchRefused(str(exc)) from exc
        except (HostUnresolvable, httpx.TransportError) as exc:
            raise NetworkError(f"{url}: {exc}") from exc

    async def _follow(
        self, url: httpx.URL, accept: str, content_types: Collection[str]
    ) -> tuple[httpx.URL, dict[str, Any]]:
        """Request ``url``, following at most max_redirects redirects, each checked anew."""
        for _hop in range(self._max_redirects + 1):
            await check_url(url, allow_http=self._allow_http, resolver=self._resolver)
            request = self._client.build_request(
                "GET",
                url,
                headers={
                    "Accept": accept,
                    "User-Agent": self._user_agent,
                    # Decoded here with a size bound (see _BoundedDecoder); no br/zstd bombs.
                    "Accept-Encoding": "gzip, deflate",
                },
                timeout=self._timeout,
            )
            if self._sign is not None:
                self._sign(request)
            response = await self._client.send(request, stream=True, follow_redirects=False)
            try:
                location = response.headers.get("Location")
                if response.status_code in _REDIRECT_STATUSES and location:
                    url = url.join(location)
                    continue
                return url, await self._read_document(response, content_types)
            finally:
                await response.aclose()
        raise TooManyRedirects(f"more than {self._max_redirects} redirects from {url}")

    async def _read_document(
        self, response: httpx.Response, content_types: Collection[str]
    ) -> dict[str, Any]:
        """Check status and type, read the capped body and parse it as a JSON object."""
        url = response.request.url
        if not 200 <= response.status_code < 300:
            raise BadStatus(f"{url} answered {response.status_code}", response.status_code)
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type not in content_types:
            raise WrongContentType(f"{url} sent {media_type or 'no content type'}")
        body = await self._read_capped(response)
        try:
            document = loads_limited(body, max_bytes=self._max_bytes, max_depth=self._max_depth)
        except FederationError as exc:
            raise NotJson(f"{url}: {exc}") from exc
        if not isinstance(document, dict):
            raise NotJson(f"{url}: not a JSON object")
        return document

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """Read the body, raising ResponseTooLarge as soon as it passes max_bytes."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise ResponseTooLarge(f"{response.request.url} declares {declared} bytes")
        if response.is_stream_consumed:
            # Built in memory already (httpx.MockTransport with bytes content): nothing to
            # stream, and httpx has decoded it. Network responses always take the path below.
            if len(response.content) > self._max_bytes:
                raise ResponseTooLarge(f"{response.request.url} sent over {self._max_bytes} bytes")
            return response.content
        decoder = _BoundedDecoder(response.headers.get("Content-Encoding", ""))
        body = bytearray()
        raw_total = 0
        async for chunk in response.aiter_raw():
            raw_total += len(chunk)
            remaining = self._max_bytes - len(body)
            body += decoder.decode(chunk, limit=remaining + 1)
            if len(body) > self._max_bytes or raw_total > self._max_bytes:
                raise ResponseTooLarge(f"{response.request.url} sent over {self._max_bytes} bytes")
        return bytes(body)


class _BoundedDecoder:
    """Undo a Content-Encoding without ever producing more output than asked for.

    httpx's own decoders inflate each network chunk completely, so a 64 KiB gzip chunk could
    become 64 MiB in memory before any size check; zlib's ``max_length`` stops early instead.
    """

    def __init__(self, content_encoding: str) -> None:
        encoding = content_encoding.strip().lower()
        self._inflater: zlib._Decompress | None
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        elif encoding == "deflate":  # RFC 9110 §8.4.1.2: the zlib format
            self._inflater = zlib.decompressobj()
        else:
            raise NotJson(f"unsupported content encoding {content_encoding!r}")

    def decode(self, chunk: bytes, *, limit: int) -> bytes:
        """Return at most ``limit`` decoded bytes of ``chunk``.

        When the output reaches ``limit`` the rest of the input is dropped; callers pass
        ``remaining + 1`` so that reaching the limit already means "too large".
        """
        if self._inflater is None:
            return chunk[:limit]
        try:
            return self._inflater.decompress(chunk, limit)
        except zlib.error as exc:
            raise NotJson(f"corrupt compressed body: {exc}") from exc


def _same_origin(ap_id: str, url: httpx.URL) -> bool:
    """Tell whether an id is on the same scheme, host and port as a URL."""
    try:
        other = httpx.URL(ap_id)
    except httpx.InvalidURL:
        return False
    return (other.scheme, other.host, other.port) == (url.scheme, url.host, url.port)


K = TypeVar("K")
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A small in-memory cache whose entries expire after ``ttl`` seconds (remote actors, keys).

    Bounded to ``maxsize`` entries, evicting the least recently used. Not shared between
    processes: each worker keeps its own, which is fine for data that can be refetched.
    """

    def __init__(
        self, maxsize: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if maxsize < 1 or ttl <= 0:
            raise ValueError("maxsize must be >= 1 and ttl > 0")
        self._maxsize = maxsize
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """Return the cached value, or None when absent or expired (expired entries are dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def set(self, key: K, value: V) -> None:
        """Store a value for ``ttl`` seconds, evicting the least recently used entry if full."""
        self._entries[key] = (self._clock() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        """Forget a key (e.g. a remote key that failed to verify and must be refetched)."""
        self._entries.pop(key, None)

    def __len__(self) -> int:
        """Count the stored entries, expired ones not yet dropped included."""
        return len(self._entries)
