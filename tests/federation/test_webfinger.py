"""Tests for federation.webfinger: handles, JRD and host-meta builders, and resolve()."""

import json
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from federation.fetch import BadStatus, Fetcher, FetchError, FetchRefused
from federation.webfinger import (
    PROFILE_PAGE_REL,
    SUBSCRIBE_REL,
    InvalidHandle,
    WebFingerError,
    actor_url_from_jrd,
    build_host_meta_xml,
    build_jrd,
    parse_handle,
    resolve,
)

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"
JRD_HEADERS = {"Content-Type": "application/jrd+json; charset=utf-8"}


async def fake_resolver(host: str, port: int) -> list[str]:
    return ["10.0.0.1"] if host == "internal.test" else ["93.184.215.14"]


def fetcher_for(handler, *, allow_http=False) -> tuple[Fetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(recording))
    fetcher = Fetcher(
        client, user_agent="qspace-test", resolver=fake_resolver, allow_http=allow_http
    )
    return fetcher, seen


@pytest.mark.parametrize(
    "handle",
    ["@bob@remote.test", "bob@remote.test", "acct:bob@remote.test", " ACCT:bob@Remote.Test "],
)
def test_parse_handle_accepts_every_common_form(handle):
    """Ensures @user@host, user@host and acct: forms give the same (user, host)."""
    assert parse_handle(handle) == ("bob", "remote.test")


def test_parse_handle_keeps_port_and_dotted_users():
    """Ensures development ports and Pleroma-style user names survive."""
    assert parse_handle("jo.doe-2@localhost:8000") == ("jo.doe-2", "localhost:8000")


@pytest.mark.parametrize(
    "handle",
    [
        "",
        "bob",
        "@bob",
        "bob@",
        "@@remote.test",
        "bob@remote.test@evil.test",
        "bob@remote.test/path",
        "bo b@remote.test",
        "bob@remote..test",
        "bob@-remote.test",
        "bob@remote.test:0",
        "bob@remote.test:99999",
        "bob@remote.test:http",
    ],
)
def test_parse_handle_refuses_malformed_handles(handle):
    """Ensures malformed handles raise InvalidHandle (400)."""
    with pytest.raises(InvalidHandle) as caught:
        parse_handle(handle)
    assert caught.value.status == 400


def test_build_jrd_links_actor_profile_and_subscribe_template():
    """Ensures the JRD has the self, profile-page and OStatus subscribe links Mastodon reads."""
    jrd = build_jrd(
        "acct:alice@local.test",
        ["https://local.test/@alice"],
        "https://local.test/@alice",
        "https://local.test/@alice",
        subscribe_template="https://local.test/authorize_interaction?uri={uri}",
    )
    assert jrd["subject"] == "acct:alice@local.test"
    assert jrd["aliases"] == ["https://local.test/@alice"]
    rels = {link["rel"]: link for link in jrd["links"]}
    assert rels["self"] == {
        "rel": "self",
        "type": "application/activity+json",
        "href": "https://local.test/@alice",
    }
    assert rels[PROFILE_PAGE_REL]["type"] == "text/html"
    assert rels[SUBSCRIBE_REL]["template"].endswith("?uri={uri}")
    assert actor_url_from_jrd(jrd) == "https://local.test/@alice"


def test_build_jrd_omits_subscribe_link_without_template():
    """Ensures no template link is emitted when none is given."""
    jrd = build_jrd("acct:a@local.test", [], "https://local.test/@a", "https://local.test/@a")
    assert SUBSCRIBE_REL not in {link["rel"] for link in jrd["links"]}


def test_actor_url_from_jrd_reads_recorded_mastodon_answer():
    """Ensures the activity+json self link is picked among Mastodon's links."""
    jrd = json.loads((ACTIVITIES / "mastodon_webfinger.json").read_text())
    assert actor_url_from_jrd(jrd) == "https://remote.test/users/bob"


def test_actor_url_from_jrd_accepts_ld_json_profile_type():
    """Ensures a self link typed with the ld+json AS profile is accepted."""
    ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    jrd = {"links": [{"rel": "self", "type": ld, "href": "https://remote.test/u/1"}]}
    assert actor_url_from_jrd(jrd) == "https://remote.test/u/1"


@pytest.mark.parametrize(
    "links",
    [
        [],
        [{"rel": "self", "type": "text/html", "href": "https://remote.test/@bob"}],
        [{"rel": "alternate", "type": "application/activity+json", "href": "https://r.test/u"}],
        [{"rel": "self", "type": "application/activity+json", "href": "javascript:alert(1)"}],
        [{"rel": "self", "type": "application/activity+json"}],
        "not-a-list",
    ],
)
def test_actor_url_from_jrd_refuses_answers_without_actor(links):
    """Ensures a JRD without a usable ActivityPub self link raises WebFingerError."""
    with pytest.raises(WebFingerError):
        actor_url_from_jrd({"subject": "acct:bob@remote.test", "links": links})


async def test_resolve_queries_well_known_and_returns_actor():
    """Ensures resolve GETs /.well-known/webfinger with the acct resource and reads self."""
    jrd = (ACTIVITIES / "mastodon_webfinger.json").read_bytes()
    fetcher, seen = fetcher_for(lambda r: httpx.Response(200, content=jrd, headers=JRD_HEADERS))
    assert await resolve(fetcher, "@bob@remote.test") == "https://remote.test/users/bob"
    url = seen[0].url
    assert (url.scheme, url.host, url.path) == ("https", "remote.test", "/.well-known/webfinger")
    assert url.params["resource"] == "acct:bob@remote.test"
    assert "application/jrd+json" in seen[0].headers["Accept"]


async def test_resolve_uses_http_scheme_for_development_hosts():
    """Ensures scheme="http" with an allow_http fetcher reaches a local dev server."""
    jrd = build_jrd("acct:a@127.0.0.1:8000", [], "http://127.0.0.1:8000/@a", "http://x/@a")
    fetcher, seen = fetcher_for(
        lambda r: httpx.Response(200, json=jrd, headers={"Content-Type": "application/json"}),
        allow_http=True,
    )
    assert await resolve(fetcher, "a@127.0.0.1:8000", scheme="http") == "http://127.0.0.1:8000/@a"
    assert str(seen[0].url).startswith("http://127.0.0.1:8000/.well-known/webfinger?")


async def test_resolve_reports_missing_account():
    """Ensures a 404 from the WebFinger endpoint surfaces as BadStatus."""
    fetcher, _ = fetcher_for(lambda r: httpx.Response(404))
    with pytest.raises(BadStatus) as caught:
        await resolve(fetcher, "nobody@remote.test")
    assert caught.value.status_code == 404


async def test_resolve_refuses_private_hosts():
    """Ensures a handle on a host resolving to a private address is never queried."""
    fetcher, seen = fetcher_for(lambda r: httpx.Response(200))
    with pytest.raises(FetchRefused):
        await resolve(fetcher, "bob@internal.test")
    assert seen == []


async def test_resolve_refuses_answer_without_actor_link():
    """Ensures a JRD without ActivityPub link raises WebFingerError, a FetchError."""
    jrd = {"subject": "acct:bob@remote.test", "links": []}
    fetcher, _ = fetcher_for(lambda r: httpx.Response(200, json=jrd, headers=JRD_HEADERS))
    with pytest.raises(WebFingerError) as caught:
        await resolve(fetcher, "bob@remote.test")
    assert isinstance(caught.value, FetchError)


def test_build_host_meta_xml_points_to_webfinger_template():
    """Ensures host-meta is valid XRD whose lrdd template targets our WebFinger endpoint."""
    xml = build_host_meta_xml("https://local.test/")
    root = ElementTree.fromstring(xml)
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "https://local.test/.well-known/webfinger?resource={uri}"


def test_build_host_meta_xml_escapes_the_base_url():
    """Ensures characters special in XML cannot break out of the attribute."""
    root = ElementTree.fromstring(build_host_meta_xml('https://a.test/"><x a="&'))
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("template", "").startswith('https://a.test/"><x a="&')
