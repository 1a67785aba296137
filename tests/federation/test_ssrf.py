"""Tests for federation.ssrf: URL checks with a fake resolver, and the guarded transport."""

import ipaddress

import httpx
import pytest

from federation.ssrf import (
    GuardedTransport,
    HostUnresolvable,
    UnsafeURL,
    check_url,
    refusal_reason,
    system_resolver,
)

PUBLIC_IP = "93.184.215.14"  # any globally routable address; nothing ever connects to it


class FakeResolver:
    """Answers from a dict and records every lookup; unknown names fail like getaddrinfo."""

    def __init__(self, answers: dict[str, list[str]]):
        self.answers = answers
        self.lookups: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        if host not in self.answers:
            raise OSError(-2, "Name or service not known")
        return self.answers[host]


@pytest.fixture
def resolver():
    return FakeResolver(
        {
            "remote.test": [PUBLIC_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
            "internal.test": ["10.0.0.7"],
            "mixed.test": [PUBLIC_IP, "192.168.1.1"],
            "localhost": ["127.0.0.1", "::1"],
            "metadata.test": ["169.254.169.254"],
            "empty.test": [],
        }
    )


async def test_check_url_allows_https_to_public_addresses(resolver):
    """Ensures a public https URL passes and returns every resolved address."""
    addresses = await check_url("https://remote.test:8443/users/bob", resolver=resolver)
    assert [str(a) for a in addresses] == resolver.answers["remote.test"]
    assert resolver.lookups == [("remote.test", 8443)]


async def test_check_url_refuses_http_without_allow_http(resolver):
    """Ensures plain http is refused in production mode, before any lookup."""
    with pytest.raises(UnsafeURL):
        await check_url("http://remote.test/", resolver=resolver)
    assert resolver.lookups == []


@pytest.mark.parametrize("url", ["ftp://remote.test/x", "file:///etc/passwd", "gopher://a/"])
async def test_check_url_refuses_other_schemes(url, resolver):
    """Ensures non-http(s) schemes are refused even with allow_http."""
    with pytest.raises(UnsafeURL):
        await check_url(url, allow_http=True, resolver=resolver)


async def test_check_url_refuses_userinfo(resolver):
    """Ensures credentials in the URL are refused (they also hide the real host from readers)."""
    with pytest.raises(UnsafeURL):
        await check_url("https://user:pass@remote.test/", resolver=resolver)


async def test_check_url_refuses_a_name_resolving_to_a_private_address(resolver):
    """Ensures a DNS name pointing into 10/8 is refused."""
    with pytest.raises(UnsafeURL) as caught:
        await check_url("https://internal.test/", resolver=resolver)
    assert caught.value.status == 400
    assert "10.0.0.7" in caught.value.reason


async def test_check_url_refuses_when_any_resolved_address_is_private(resolver):
    """Ensures one private address among public ones is enough to refuse."""
    with pytest.raises(UnsafeURL):
        await check_url("https://mixed.test/", resolver=resolver)


async def test_check_url_refuses_metadata_host(resolver):
    """Ensures a name resolving to the cloud metadata service is refused and named as such."""
    with pytest.raises(UnsafeURL) as caught:
        await check_url("https://metadata.test/latest/meta-data/", resolver=resolver)
    assert "metadata" in caught.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.0.1/",
        "https://169.254.169.254/",
        "https://[fd00:ec2::254]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::]/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://[fe80::1]/",
        "https://[ff02::1]/",
        "https://[fc00::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[2002:c0a8:0101::1]/",
    ],
)
async def test_check_url_refuses_non_public_ip_literals(url, resolver):
    """Ensures IP-literal hosts are checked without DNS and refused when not public."""
    with pytest.raises(UnsafeURL):
        await check_url(url, resolver=resolver)
    assert resolver.lookups == []


async def test_check_url_allows_public_ip_literal(resolver):
    """Ensures a public IP literal passes without a lookup."""
    assert await check_url(f"https://{PUBLIC_IP}/", resolver=resolver) == [
        ipaddress.ip_address(PUBLIC_IP)
    ]
    assert resolver.lookups == []


async def test_check_url_allows_http_and_loopback_in_development(resolver):
    """Ensures allow_http admits http URLs on localhost and 127.0.0.1."""
    assert await check_url("http://localhost:8000/", allow_http=True, resolver=resolver)
    assert await check_url("http://127.0.0.1:8000/", allow_http=True, resolver=resolver)
    assert await check_url("http://[::ffff:127.0.0.1]/", allow_http=True, resolver=resolver)


async def test_check_url_still_refuses_private_addresses_in_development(resolver):
    """Ensures allow_http opens loopback only, not private networks or metadata."""
    with pytest.raises(UnsafeURL):
        await check_url("http://internal.test/", allow_http=True, resolver=resolver)
    with pytest.raises(UnsafeURL):
        await check_url("http://169.254.169.254/", allow_http=True, resolver=resolver)


async def test_check_url_reports_unresolvable_host(resolver):
    """Ensures a failed lookup is a network failure, not a refusal."""
    with pytest.raises(HostUnresolvable):
        await check_url("https://nowhere.test/", resolver=resolver)
    with pytest.raises(HostUnresolvable):
        await check_url("https://empty.test/", resolver=resolver)


async def test_check_url_refuses_malformed_url(resolver):
    """Ensures an unparsable URL is refused rather than raising httpx errors."""
    with pytest.raises(UnsafeURL):
        await check_url("https://[not-an-ip/", resolver=resolver)


@pytest.mark.parametrize(
    "url", ["https://2130706433/", "https://0x7f000001/", "https://127.1/", "https://a%20b.test/"]
)
async def test_check_url_refuses_numeric_shorthand_and_junk_hosts(url, resolver):
    """Ensures hosts getaddrinfo would read as loopback shorthands never reach the resolver."""
    with pytest.raises(UnsafeURL):
        await check_url(url, resolver=resolver)
    assert resolver.lookups == []


async def test_check_url_resolves_internationalised_names_in_ascii(resolver):
    """Ensures an IDN host is looked up in its punycode form, the one the connection uses."""
    resolver.answers["xn--bcher-kva.test"] = [PUBLIC_IP]
    await check_url("https://bücher.test/", resolver=resolver)
    assert resolver.lookups == [("xn--bcher-kva.test", 443)]


async def test_system_resolver_returns_address_strings():
    """Ensures the default resolver turns getaddrinfo tuples into address strings (no DNS)."""
    assert set(await system_resolver("127.0.0.1", 80)) == {"127.0.0.1"}


def test_refusal_reason_names_cgnat():
    """Ensures the RFC 6598 shared range is refused with a clear reason."""
    assert refusal_reason(ipaddress.ip_address("100.100.100.200")) == "CGNAT address"


def test_refusal_reason_accepts_public_ipv6():
    """Ensures a global unicast IPv6 address passes."""
    assert refusal_reason(ipaddress.ip_address("2a01:4f8:c0c:1234::1")) is None


# GuardedTransport


def _guarded_client(resolver, seen: list[str], *, allow_http=False) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/redirect":
            return httpx.Response(302, headers={"Location": "https://internal.test/admin"})
        return httpx.Response(200, json={"ok": True})

    transport = GuardedTransport(httpx.MockTransport(handler), allow_http, resolver=resolver)
    return httpx.AsyncClient(transport=transport)


async def test_guarded_transport_passes_public_requests(resolver):
    """Ensures a request to a public host reaches the inner transport."""
    seen: list[str] = []
    async with _guarded_client(resolver, seen) as client:
        response = await client.get("https://remote.test/users/bob")
    assert response.json() == {"ok": True}
    assert seen == ["https://remote.test/users/bob"]


async def test_guarded_transport_blocks_private_request_before_sending(resolver):
    """Ensures a refused URL never reaches the inner transport."""
    seen: list[str] = []
    async with _guarded_client(resolver, seen) as client:
        with pytest.raises(UnsafeURL):
            await client.get("https://internal.test/")
    assert seen == []


async def test_guarded_transport_checks_each_redirect_hop(resolver):
    """Ensures a public URL redirecting to a private one is stopped at the second hop."""
    seen: list[str] = []
    async with _guarded_client(resolver, seen) as client:
        with pytest.raises(UnsafeURL):
            await client.get("https://remote.test/redirect", follow_redirects=True)
    assert seen == ["https://remote.test/redirect"]


async def test_guarded_transport_rechecks_dns_on_every_request(resolver):
    """Ensures a name that rebinds to a private address between requests is refused."""
    seen: list[str] = []
    async with _guarded_client(resolver, seen) as client:
        await client.get("https://remote.test/first")
        resolver.answers["remote.test"] = ["10.0.0.9"]
        with pytest.raises(UnsafeURL):
            await client.get("https://remote.test/second")
    assert seen == ["https://remote.test/first"]


async def test_guarded_transport_turns_dns_failure_into_connect_error(resolver):
    """Ensures an unresolvable host surfaces as httpx.ConnectError, like a real transport."""
    async with _guarded_client(resolver, []) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("https://nowhere.test/")
