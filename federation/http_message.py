"""A framework-neutral view of an HTTP request, as both signature styles need to see it."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from urllib.parse import SplitResult, urlsplit

import httpx

from federation.keys import PublicKey

HeaderInput = Mapping[str, str] | Iterable[tuple[str, str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class RequestMessage:
    """Method, full URL, header lines (names lowercased, in order) and body of a request."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @classmethod
    def build(
        cls, method: str, url: str, headers: HeaderInput, body: bytes = b""
    ) -> "RequestMessage":
        """Normalise headers given as a mapping or as ``(name, value)`` pairs.

        Args:
            method: the request method, e.g. ``"POST"``.
            url: the full URL, ``scheme://host[:port]/path[?query]``, as the client addressed it.
            headers: a mapping (its ``items()`` are used, so multi-value mappings such as
                Starlette's ``Headers`` keep every line) or a list of pairs.
            body: the raw request body.
        """
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        return cls(method, url, tuple((name.lower(), value) for name, value in pairs), body)

    @classmethod
    def from_httpx(cls, request: httpx.Request) -> "RequestMessage":
        """View an outgoing ``httpx.Request``; its body must already be in memory.

        Args:
            request: a request built with ``content=``, ``json=`` or ``data=``.
        """
        return cls(
            request.method,
            str(request.url),
            tuple((name.lower(), value) for name, value in request.headers.multi_items()),
            request.read(),
        )

    def field_value(self, name: str) -> str | None:
        """Return the combined value of a header field, or ``None`` when it is absent.

        Several lines of one field are joined with ``", "``, each line stripped and any
        obsolete line folding replaced by a space (RFC 9421 section 2.1, draft-cavage 2.3).

        Args:
            name: the field name, any case.
        """
        name = name.lower()
        values = [_canonical_value(value) for key, value in self.headers if key == name]
        return ", ".join(values) if values else None

    @cached_property
    def _parts(self) -> SplitResult:
        return urlsplit(self.url)

    @property
    def scheme(self) -> str:
        """The lowercase URL scheme, e.g. ``https``."""
        return self._parts.scheme.lower()

    @property
    def authority(self) -> str:
        """The lowercase host with its port, the default port omitted (RFC 9110 4.2.3).

        Raises:
            ValueError: the URL's port is not a number.
        """
        host = self._parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = self._parts.port
        if port is None or _DEFAULT_PORTS.get(self.scheme) == port:
            return host
        return f"{host}:{port}"

    @property
    def path(self) -> str:
        """The path as sent (still percent-encoded); an empty path is ``/``."""
        return self._parts.path or "/"

    @property
    def query(self) -> str | None:
        """The query string without its ``?``, or ``None`` when the URL has none."""
        return self._parts.query if self._parts.query or self.url.endswith("?") else None

    @property
    def target(self) -> str:
        """The origin-form request target: path plus ``?query`` when there is one."""
        return self.path if self.query is None else f"{self.path}?{self.query}"


@dataclass(frozen=True)
class PendingVerification:
    """A parsed signature whose policy checks passed; only the key-dependent step is left.

    ``created`` and ``expires`` are the signed timestamps (UTC), for the caller's time window.
    ``check(public_key)`` returns whether the signature verifies with that key.
    """

    key_id: str
    created: datetime | None
    expires: datetime | None
    check: Callable[[PublicKey], bool]


def _canonical_value(value: str) -> str:
    # obs-fold is CRLF followed by spaces or tabs; RFC 9112 5.2 says to replace it with SP.
    if "\n" in value:
        value = " ".join(line.strip(" \t") for line in value.replace("\r\n", "\n").split("\n"))
    return value.strip(" \t")
