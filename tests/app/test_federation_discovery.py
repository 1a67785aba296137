"""Discovery and actors: WebFinger, host-meta, NodeInfo, the actor documents and conneg."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.keys import load_public_key
from qspace.models import Account, Item
from qspace.services import admin, items
from tests.support.factories import URLS, make_space, make_status

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_webfinger_finds_a_space_by_acct(client, db):
    """Ensures acct:alice@local.test answers a JRD whose self link is the actor."""
    await make_space("alice")
    response = await client.get("/.well-known/webfinger?resource=acct:alice@local.test")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert jrd["subject"] == "acct:alice@local.test"
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links == [
        {"rel": "self", "type": "application/activity+json", "href": "https://local.test/@alice"}
    ]


async def test_webfinger_accepts_the_actor_url_as_resource(client, db):
    """Ensures the actor URL itself resolves to the same account."""
    await make_space("alice")
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "https://local.test/@alice"}
    )
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:alice@local.test"


@pytest.mark.parametrize(
    "resource",
    ["acct:nobody@local.test", "acct:alice@other.test", "https://local.test/@alice/outbox"],
)
async def test_webfinger_answers_404_for_unknown_resources(client, db, resource):
    """Ensures unknown names, other domains and non-actor URLs are 404."""
    await make_space("alice")
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "query", ["", "?resource=", "?resource=acct:no-at-sign", "?resource=a@b@c"]
)
async def test_webfinger_answers_400_for_malformed_resources(client, db, query):
    """Ensures a missing or malformed resource is a 400, not a 404 or a crash."""
    response = await client.get(f"/.well-known/webfinger{query}")
    assert response.status_code == 400


async def test_webfinger_finds_the_instance_actor(client, db):
    """Ensures acct:local.test@local.test names the instance actor (as on Mastodon)."""
    response = await client.get("/.well-known/webfinger?resource=acct:local.test@local.test")
    assert response.status_code == 200
    hrefs = [link["href"] for link in response.json()["links"] if link["rel"] == "self"]
    assert hrefs == ["https://local.test/actor"]


async def test_host_meta_points_to_webfinger(client, db):
    """Ensures host-meta is an XRD with the WebFinger template on the public origin."""
    response = await client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    assert 'template="https://local.test/.well-known/webfinger?resource={uri}"' in response.text


async def test_nodeinfo_reports_software_registrations_and_usage(client, db, settings):
    """Ensures NodeInfo 2.1 counts spaces, active owners and public published local posts."""
    alice = await make_space("alice")
    await make_space("bob")
    await Account.filter(username="alice").update(
        last_login_at=datetime.now(UTC) - timedelta(days=3)
    )
    await Account.filter(username="bob").update(
        last_login_at=datetime.now(UTC) - timedelta(days=90)
    )
    await make_status(alice, "public one")
    await make_status(alice, "friends only", audience="friends")
    await items.publish_blog_post(URLS, alice, title="Draft", markdown="x", draft=True)
    deleted = await make_status(alice, "deleted")
    await Item.filter(id=deleted.id).update(deleted_at=datetime.now(UTC))
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://local.test/nodeinfo/2.1",
        }
    ]
    response = await client.get("/nodeinfo/2.1")
    assert response.headers["content-type"].startswith("application/json")
    info = response.json()
    assert info["software"]["name"] == "qspace"
    assert info["protocols"] == ["activitypub"]
    assert info["openRegistrations"] is False
    assert info["usage"]["users"] == {"total": 2, "activeMonth": 1, "activeHalfyear": 2}
    assert info["usage"]["localPosts"] == 1
    await admin.set_registration_mode("invite")
    assert (await client.get("/nodeinfo/2.1")).json()["openRegistrations"] is True


@pytest.mark.parametrize("accept", [AP, LD])
async def test_space_page_answers_the_actor_to_activitypub_clients(client, db, accept):
    """Ensures both AP media types get the Person actor, with Vary: Accept."""
    space = await make_space("alice")
    response = await client.get("/@alice", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    assert "Accept" in response.headers["vary"]
    actor = response.json()
    assert actor["id"] == "https://local.test/@alice"
    assert actor["type"] == "Person"
    assert actor["inbox"] == "https://local.test/@alice/inbox"
    assert actor["endpoints"]["sharedInbox"] == "https://local.test/inbox"
    assert actor["publicKey"]["id"] == "https://local.test/@alice#main-key"
    assert actor["publicKey"]["publicKeyPem"] == space.actor.public_key_pem
    assert actor["manuallyApprovesFollowers"] is True


async def test_space_page_stays_html_for_browsers(client, db):
    """Ensures a browser's Accept gets the HTML page, also marked Vary: Accept."""
    await make_space("alice")
    response = await client.get("/@alice", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]


async def test_actor_of_an_unknown_space_is_404(client, db):
    """Ensures an AP request for a missing space is a 404."""
    response = await client.get("/@nobody", headers={"Accept": AP})
    assert response.status_code == 404


async def test_instance_actor_keeps_one_key(client, db):
    """Ensures /actor is an Application whose key pair is made once and then reused."""
    first = (await client.get("/actor", headers={"Accept": AP})).json()
    second = (await client.get("/actor")).json()
    assert first["type"] == "Application"
    assert first["preferredUsername"] == "local.test"
    assert first["publicKey"]["id"] == "https://local.test/actor#main-key"
    assert first["publicKey"]["publicKeyPem"] == second["publicKey"]["publicKeyPem"]
    load_public_key(first["publicKey"]["publicKeyPem"])  # a real key
    outbox = (await client.get("/actor/outbox")).json()
    assert outbox["totalItems"] == 0
