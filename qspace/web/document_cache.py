"""Public ActivityPub documents answered from memory for a moment: a micro-cache.

Remote servers fetch the same documents in bursts: a post reaching a thousand followers on many
servers makes each of them fetch its author's actor, and often the post itself, within seconds.
Those fetches are unsigned (or signed by a server that sees only the public anyway), so the
answer is the same for all of them. This middleware keeps the bytes of such answers for at most
TTL_SECONDS and answers repeats without routing, sessions or the database.

Which answers are kept: 200 answers to GETs under `/@` that ask for ActivityStreams JSON, carry
no HTTP signature and no cookie, and whose endpoint said the document is the anonymous view
(`mark_public`). A signed fetch always goes to its endpoint: its signer may see more.

When they are dropped: any change made in this process calls `services/freshness.touch`, which
moves `freshness.generation()` on and makes every entry stale at once; a change made by another
process (a separate `qspace worker`, a CLI command) is seen within TTL_SECONDS. Entries taken
while a change was running may carry the old answer for that long too; that is the bound.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from federation.jsonld import wants_activity_json
from federation.signatures import signs_request
from qspace.services import freshness

TTL_SECONDS = 2.0
MAX_ENTRIES = 1024
MAX_BYTES = 16 * 1024 * 1024
MAX_DOCUMENT_BYTES = 1024 * 1024
SCOPE_FLAG = "qspace.public_document"
# Query parameters of the cached documents (collection pages); any other query is not cached,
# so made-up queries cannot crowd the real documents out.
CACHEABLE_QUERY = frozenset({"page", "max_id", "min_id"})
# Headers that belong to one request, never replayed to another.
_PER_REQUEST = frozenset({b"set-cookie", b"date", b"x-request-id"})


def mark_public(scope: dict[str, Any]) -> None:
    """Say the answer being built is the anonymous view of a public document (cacheable).

    Starlette's routing updates the request's scope dict in place, so the middleware sees it.
    """
    scope[SCOPE_FLAG] = True


@functools.lru_cache(maxsize=64)
def _asks_for_json(accept: bytes) -> bool:
    # Remote servers send a handful of distinct Accept headers; parse each once.
    return wants_activity_json(accept.decode("latin-1"))


@dataclass
class _Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    generation: int
    stored_at: float


class DocumentCache:
    """The entries, by path and query string; bounded in count and bytes, oldest out first."""

    def __init__(
        self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, bytes]) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and (
            entry.generation != freshness.generation()
            or time.monotonic() - entry.stored_at > self.ttl
        ):
            self._drop(key)
            entry = None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: tuple[str, bytes], entry: _Entry) -> None:
        if len(entry.body) > MAX_DOCUMENT_BYTES:
            return
        self._drop(key)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, bytes]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def _cacheable_request(scope: dict[str, Any]) -> bool:
    if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/@"):
        return False
    accept = b""
    for name, value in scope["headers"]:
        if name == b"cookie" or signs_request(name, value):
            return False
        if name == b"accept":
            accept = value
    if not accept or not _asks_for_json(accept):
        return False
    query = scope.get("query_string", b"")
    return not query or _known_query(query)


def _known_query(query: bytes) -> bool:
    names = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
    return names <= CACHEABLE_QUERY


class DocumentCacheMiddleware:
    """Answer repeated anonymous fetches of public documents from a DocumentCache."""

    def __init__(self, app: Any, *, cache: DocumentCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not _cacheable_request(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        entry = self.cache.get(key)
        if entry is not None:
            await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
            await send({"type": "http.response.body", "body": entry.body})
            return
        # Taken before the answer is built: a change made meanwhile makes the entry stale.
        generation = freshness.generation()
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body" and started.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and scope.get(SCOPE_FLAG):
                    self._store(key, started, b"".join(chunks), generation)
            await send(message)

        await self.app(scope, receive, capture)

    def _store(
        self, key: tuple[str, bytes], started: dict[str, Any], body: bytes, generation: int
    ) -> None:
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() not in _PER_REQUEST]
        if any(k.lower() == b"set-cookie" for k, _ in started.get("headers", [])):
            return
        self.cache.put(key, _Entry(headers, body, generation, time.monotonic()))
