"""Refuse outgoing requests to addresses a remote party must not make us reach (SSRF guard).

Every URL we fetch or deliver to comes from someone else's document, so before connecting we
check the scheme, refuse userinfo, resolve the host and refuse non-public addresses.

Remaining DNS-rebinding window: the check resolves the name, then the inner httpx transport
resolves it again when it connects. A hostile name server answering with a zero TTL could give
a public address to the first lookup and a private one to the second. Closing that window
needs the connection itself pinned to the checked address, which httpx does not expose without
reaching into httpcore's network backend (not a dependency we allow here); rewriting the URL to
the IP would share pooled TLS connections across names. Deployments that need a hard guarantee
should also run outgoing traffic through an egress proxy or firewall that refuses private
ranges. Re-checking every request (each redirect hop included) keeps the window to one lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import httpx

from federation.errors import FederationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""An async ``(host, port) -> [ip address strings]`` lookup; raises OSError when it fails."""

# RFC 6598 shared address space: carrier-grade NAT, reachable inside some provider networks.
CGNAT: Final = ipaddress.IPv4Network("100.64.0.0/10")
# RFC 6052 well-known NAT64 prefix: the low 32 bits name an IPv4 host behind a NAT64 gateway.
NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
# Instance metadata services hand out cloud credentials (AWS, GCP, Azure, AWS IPv6, ECS).
METADATA_ADDRESSES: Final = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("fd00:ec2::254"),
    }
)


class UnsafeURL(FederationError):
    """The URL may not be fetched: wrong scheme, userinfo, or a non-public address."""

    status = 400
    reason = "refused address"


class HostUnresolvable(FederationError):
    """The host name did not resolve; a network failure, not a refusal."""

    status = 502
    reason = "host does not resolve"


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the event loop's getaddrinfo (the default Resolver).

    Raises:
        OSError: the lookup failed (socket.gaierror).
    """
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def refusal_reason(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Return why an address must not be contacted, or None when it is a public address.

    IPv6 addresses that embed an IPv4 one (IPv4-mapped, 6to4, NAT64) are judged by the
    embedded address, since that is the host the packets reach.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded, allow_loopback=allow_loopback)
            return f"{reason} (embedded in {address})" if reason else None
    if address in METADATA_ADDRESSES:
        return "cloud metadata address"
    if address.is_loopback:
        return None if allow_loopback else "loopback address"
    checks = (
        (address.is_unspecified, "unspecified address"),
        (address.is_link_local, "link-local address"),
        (address.is_multicast, "multicast address"),
        (isinstance(address, ipaddress.IPv4Address) and address in CGNAT, "CGNAT address"),
        (address.is_private, "private address"),
        (address.is_reserved, "reserved address"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (not address.is_global, "not a global address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 host an IPv6 address stands for, if it embeds one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


async def check_url(
    url: str | httpx.URL, *, allow_http: bool = False, resolver: Resolver | None = None
) -> list[IPAddress]:
    """Decide, before any connection, whether a URL may be requested; return its addresses.

    Only https is allowed; ``allow_http`` (development and tests) also allows http and loopback
    addresses. Any port is allowed. Every resolved address must pass, since the connection may
    use any of them.

    Args:
        url: the URL about to be requested.
        allow_http: also allow ``http://`` and loopback addresses.
        resolver: the name lookup; defaults to system_resolver.

    Raises:
        UnsafeURL: the scheme, userinfo or an address is refused, or the URL is malformed.
        HostUnresolvable: the host name does not resolve.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UnsafeURL(f"invalid URL: {exc}") from exc
    allowed_schemes = ("https", "http") if allow_http else ("https",)
    if parsed.scheme not in allowed_schemes:
        raise UnsafeURL(f"scheme {parsed.scheme!r} is not allowed")
    if parsed.userinfo:
        raise UnsafeURL("URLs with user information are not allowed")
    # raw_host is the ASCII form (IDNA "xn--" labels) that DNS and the connection will use.
    host = parsed.raw_host.decode("ascii", "replace").lower()
    if not host:
        raise UnsafeURL("URL has no host")
    if not _is_ip_literal(host) and not _is_dns_name(host):
        raise UnsafeURL(f"{host!r} is not a DNS name or IP address")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = await _addresses_of(host, port, resolver)
    for address in addresses:
        reason = refusal_reason(address, allow_loopback=allow_http)
        if reason:
            raise UnsafeURL(f"{host} resolves to {address}: {reason}")
    return addresses


_DNS_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")


def _is_ip_literal(host: str) -> bool:
    """Tell whether ``host`` is an IPv4 or IPv6 address in canonical text form."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_dns_name(host: str) -> bool:
    """Tell whether ``host`` is a plausible DNS name.

    Refuses percent-encoded junk and the numeric shorthands ``inet_aton`` accepts
    (``2130706433``, ``0x7f000001``, ``127.1``): their last label is a number, which no
    real top-level domain is (RFC 3696 §2). getaddrinfo would turn them into addresses.
    """
    if not _DNS_NAME.fullmatch(host):
        return False
    last_label = host.rstrip(".").rsplit(".", 1)[-1]
    return not (last_label.isdigit() or last_label.startswith("0x"))


async def _addresses_of(host: str, port: int, resolver: Resolver | None) -> list[IPAddress]:
    """Return the addresses of a host: the literal itself, or what the resolver answers."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass  # a name, not an IP literal
    try:
        answers = await (resolver or system_resolver)(host, port)
    except OSError as exc:
        raise HostUnresolvable(f"{host}: {exc}") from exc
    if not answers:
        raise HostUnresolvable(f"{host}: no addresses")
    try:
        # getaddrinfo may append an IPv6 zone ("fe80::1%eth0"); ip_address accepts it.
        return [ipaddress.ip_address(answer) for answer in answers]
    except ValueError as exc:
        raise HostUnresolvable(f"{host}: resolver returned {exc}") from exc


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that runs check_url on every request before passing it on.

    Wrap the real transport with it so that every request the client sends, including each
    redirect hop httpx follows itself, is checked (see the module docstring for the window that
    remains). A refused URL raises UnsafeURL out of ``client.send``; a name that does not
    resolve raises ``httpx.ConnectError``, as a failed connection would.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        allow_http: bool = False,
        resolver: Resolver | None = None,
    ) -> None:
        self._inner = inner
        self._allow_http = allow_http
        self._resolver = resolver

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Check the request's URL, then send it through the inner transport."""
        try:
            await check_url(request.url, allow_http=self._allow_http, resolver=self._resolver)
        except HostUnresolvable as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()
