"""A cache of rendered space pages for anonymous visitors.

Most visits to a space are anonymous, and the page is the same for all of them until something
on it changes. Entries are keyed by the space's `updated_at`, which every change moves forward
(`services/freshness.py`), plus the language and the skin options of the request; a change
therefore makes old entries unreachable at once. Entries also expire after a short time, the
safety net for a change that forgot to touch the space (and for the "x minutes ago" nature of
the visitor log). Per process and bounded, so several server processes each keep their own.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from qspace import i18n
from qspace.web.session import cookie_name

MAX_ENTRIES = 512
MAX_BYTES = 32 * 1024 * 1024
TTL_SECONDS = 60.0
# Query parameters that change the page; anything else makes the request uncacheable.
CACHEABLE_PARAMS = frozenset({"plain", "skin"})


@dataclass
class _Entry:
    body: bytes
    stored_at: float


class PageCache:
    def __init__(
        self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES, ttl: float = TTL_SECONDS
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def cacheable(self, request: Request) -> bool:
        """Whether this request may be answered from the cache: not for anyone with a session
        cookie (they may be logged in), nor with query parameters the page doesn't know."""
        if request.method != "GET":
            return False
        if cookie_name(request.app.state.services.settings) in request.cookies:
            return False
        return all(name in CACHEABLE_PARAMS for name in request.query_params)

    def key(self, request: Request, space_id: int, version: str) -> tuple:
        """The cache key: the page, the space's last change, the language, the skin options."""
        params = request.query_params
        return (
            request.url.path,
            space_id,
            version,
            i18n.current_locale(),
            params.get("plain", ""),
            params.get("skin", ""),
        )

    def get(self, key: tuple) -> Response | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.stored_at > self.ttl:
            if entry is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return HTMLResponse(entry.body)

    def put(self, key: tuple, response: Response) -> None:
        if response.status_code != 200 or "set-cookie" in response.headers:
            return
        body = bytes(response.body)
        if len(body) > self.max_bytes // 16:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = _Entry(body, time.monotonic())
        self._bytes += len(body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)
