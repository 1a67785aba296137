"""The inbox endpoints: every rejection path through the real app, and what gets stored."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tortoise.exceptions import IntegrityError

from federation.inbox import ReceivedActivity
from qspace.models import DomainBlock, InboxItem, InboxState, Space
from qspace.services import domain_blocks
from tests.app.fediverse import (
    federated_app,
    federation_settings,
    load_activity,
    make_remote,
    signed_post,
)
from tests.support.factories import make_space

BOB = "https://remote.test/users/bob"
MALLORY = "https://remote.test/users/mallory"
INBOX = "https://local.test/@alice/inbox"


@pytest.fixture
def remote():
    return make_remote()


@pytest.fixture
async def client(tmp_path, db, remote):
    """A client for an app whose fetches reach the fake remote server; alice exists."""
    await make_space("alice")
    _app, client = federated_app(federation_settings(tmp_path), db, remote)
    async with client:
        yield client


def follow(activity_id: str = "https://remote.test/activities/1", actor: str = BOB) -> dict:
    activity = load_activity("mastodon_follow.json")
    return {**activity, "id": activity_id, "actor": actor}


async def post(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    return await client.send(request)


async def stored() -> int:
    return await InboxItem.all().count()


async def test_signed_follow_is_accepted_and_stored_pending(client, remote):
    """Ensures a valid signed Follow answers 202 and is stored for the inbox job."""
    response = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    assert response.status_code == 202
    item = await InboxItem.get(ap_id="https://remote.test/activities/1").select_related("space")
    assert item.state == InboxState.PENDING
    assert item.type == "Follow"
    assert item.actor_ap_id == BOB
    assert item.space.name == "alice"


async def test_rfc9421_signatures_are_accepted_too(client, remote):
    """Ensures the shared inbox takes RFC 9421 signed requests."""
    request = signed_post("https://local.test/inbox", follow(), remote.keys[BOB], style="rfc9421")
    assert (await post(client, request)).status_code == 202
    item = await InboxItem.get(ap_id="https://remote.test/activities/1")
    assert item.space_id is None


async def test_inbox_rejects_unsigned_requests(client):
    """Ensures an unsigned POST is 401 and stores nothing."""
    response = await client.post(
        "/@alice/inbox",
        content=json.dumps(follow()),
        headers={"Content-Type": "application/activity+json"},
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Request is not signed"}
    assert await stored() == 0


async def test_inbox_rejects_bad_signature(client, remote):
    """Ensures a signature made with another key than the actor's published one is 401."""
    key = remote.keys[MALLORY]
    forged = type(key)(f"{BOB}#main-key", key.private_key_pem)
    response = await post(client, signed_post(INBOX, follow(), forged))
    assert response.status_code == 401
    assert response.json() == {"error": "Signature does not verify"}
    assert await stored() == 0


async def test_inbox_rejects_wrong_digest(client, remote):
    """Ensures a body changed after signing (digest mismatch) is 401."""
    request = signed_post(INBOX, follow(), remote.keys[BOB])
    tampered = follow(activity_id="https://remote.test/activities/evil")
    request = httpx.Request(
        "POST", INBOX, headers=request.headers, content=json.dumps(tampered).encode()
    )
    request.headers["Content-Length"] = str(len(request.content))
    response = await post(client, request)
    assert response.status_code == 401
    assert "digest" in response.json()["error"].lower()
    assert await stored() == 0


async def test_inbox_rejects_stale_date(client, remote):
    """Ensures a request signed two hours ago is 401 (outside the window)."""
    old = datetime.now(UTC) - timedelta(hours=2)
    response = await post(client, signed_post(INBOX, follow(), remote.keys[BOB], now=old))
    assert response.status_code == 401
    assert response.json() == {"error": "Signature date is too old"}
    assert await stored() == 0


async def test_inbox_rejects_key_owner_mismatch(client, remote):
    """Ensures mallory cannot sign an activity whose actor is bob."""
    response = await post(client, signed_post(INBOX, follow(actor=BOB), remote.keys[MALLORY]))
    assert response.status_code == 401
    assert response.json() == {"error": f"signed by {MALLORY}, but the actor is {BOB}"}
    assert await stored() == 0


async def test_inbox_acknowledges_a_replay_and_stores_it_once(client, remote):
    """Ensures a replayed activity id answers 202 again and is stored only once."""
    first = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    again = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    assert (first.status_code, again.status_code) == (202, 202)
    assert await stored() == 1


async def test_inbox_refuses_an_oversized_body_before_reading_it(client, remote):
    """Ensures a declared body over 1 MiB is 413 without verification or storage."""
    padding = "x" * (1024 * 1024)
    request = signed_post(INBOX, {**follow(), "padding": padding}, remote.keys[BOB])
    response = await post(client, request)
    assert response.status_code == 413
    assert remote.requests == []  # no key was fetched
    assert await stored() == 0


async def test_inbox_refuses_an_oversized_chunked_body(client, remote):
    """Ensures a body without Content-Length is cut off at the limit too."""

    async def chunks():
        for _ in range(20):
            yield b"x" * (64 * 1024)

    response = await client.post(
        "/inbox", content=chunks(), headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == 413
    assert await stored() == 0


async def test_inbox_refuses_blocked_domains(client, remote):
    """Ensures activities from a domain the admin blocked are 403, before any key fetch."""
    await DomainBlock.create(domain="remote.test")
    response = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    assert response.status_code == 403
    assert response.json() == {"error": "domain is blocked: remote.test"}
    assert remote.requests == []
    assert await stored() == 0


async def test_block_added_after_a_delivery_applies_to_the_next_one(client, remote):
    """Ensures the in-memory copy of the blocks is dropped when a block is stored here."""
    first = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    assert first.status_code == 202
    await DomainBlock.create(domain="remote.test")
    second = await post(
        client, signed_post(INBOX, follow("https://remote.test/activities/2"), remote.keys[BOB])
    )
    assert second.status_code == 403
    assert await stored() == 1


async def test_block_stored_by_another_process_applies_within_the_memo_time(
    client, remote, monkeypatch
):
    """Ensures a block written straight to the database (as another process would, firing no
    signal here) is obeyed once the memo time is over."""
    monkeypatch.setattr(domain_blocks, "MEMO_SECONDS", 0.2)
    assert (await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))).status_code == 202
    await DomainBlock.bulk_create([DomainBlock(domain="remote.test")])  # no signals
    await asyncio.sleep(0.25)
    again = signed_post(INBOX, follow("https://remote.test/activities/2"), remote.keys[BOB])
    assert (await post(client, again)).status_code == 403


async def test_inbox_refuses_domains_blocked_in_the_config(tmp_path, db, remote):
    """Ensures federation.blocked_domains blocks a server and its subdomains."""
    await make_space("alice")
    settings = federation_settings(tmp_path, blocked_domains="other.example, test")
    _app, client = federated_app(settings, db, remote)
    async with client:
        response = await post(client, signed_post(INBOX, follow(), remote.keys[BOB]))
    assert response.status_code == 403
    assert await stored() == 0


async def test_inbox_rejects_malformed_json(client, remote):
    """Ensures a signed body that is not JSON is 400."""
    response = await post(client, signed_post(INBOX, b"{not json", remote.keys[BOB]))
    assert response.status_code == 400
    assert response.json()["error"].startswith("not JSON")
    assert await stored() == 0


async def test_inbox_of_an_unknown_space_is_404(client, remote):
    """Ensures a POST to a missing space's inbox stores nothing."""
    url = "https://local.test/@nobody/inbox"
    response = await post(client, signed_post(url, follow(), remote.keys[BOB]))
    assert response.status_code == 404
    assert response.json() == {"error": "No such space."}
    assert await stored() == 0


async def test_inbox_answers_carry_request_id_and_security_headers_but_no_cookie(client, remote):
    """Ensures inbox POSTs, which skip the page middleware, still get a request id and the
    security headers, and never a session cookie."""
    for url in (INBOX, "https://local.test/inbox", "https://local.test/@nobody/inbox"):
        request = signed_post(url, follow(f"{url}/activity"), remote.keys[BOB])
        request.headers["X-Request-Id"] = "delivery-42"
        response = await post(client, request)
        assert response.status_code in (202, 404)
        assert response.headers["x-request-id"] == "delivery-42"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers


async def test_inbox_under_a_longer_path_is_not_an_inbox(client, remote):
    """Ensures only the exact inbox paths take deliveries (the router's 404 for the rest)."""
    for url in ("https://local.test/@alice/inbox/x", "https://local.test/@alice/sub/inbox"):
        response = await post(client, signed_post(url, follow(), remote.keys[BOB]))
        assert response.status_code in (404, 405)
    assert await stored() == 0


async def test_self_delete_of_an_unknown_actor_is_acknowledged(client, remote):
    """Ensures an unknown actor's Delete of itself (its key is gone) is 202 and dropped."""
    gone = "https://remote.test/users/gone"
    remote.add_actor("gone", slot=2)
    key = remote.keys[gone]
    del remote.actors[gone]  # the server answers 404 for deleted accounts
    activity = {"id": f"{gone}#delete", "type": "Delete", "actor": gone, "object": gone}
    response = await post(client, signed_post(INBOX, activity, key))
    assert response.status_code == 202
    assert await stored() == 0


async def test_inbox_refuses_get(client):
    """Ensures the inbox is POST only."""
    assert (await client.get("/@alice/inbox")).status_code == 405


async def test_deliveries_arriving_together_are_all_stored_once(client, remote):
    """Ensures deliveries sent at the same moment (stored in groups) all answer 202 only once
    stored, each stored once, a replay among them included."""
    ids = [f"https://remote.test/activities/{n}" for n in range(12)]
    requests = [signed_post(INBOX, follow(i), remote.keys[BOB]) for i in [*ids, ids[0]]]
    answers = await asyncio.gather(*(post(client, r) for r in requests))
    assert [a.status_code for a in answers] == [202] * len(requests)
    assert sorted(await InboxItem.all().values_list("ap_id", flat=True)) == sorted(ids)


async def test_a_row_the_database_refuses_fails_alone(tmp_path, db, remote):
    """Ensures a delivery the database refuses (its space was deleted meanwhile: a foreign
    key) fails for its own request only, not for the others stored in the same group."""
    app, _client = federated_app(federation_settings(tmp_path), db, remote)
    alice = await make_space("alice")
    gone = Space(id=alice.id + 1000, name="gone")
    writer = app.state.services.inbox_writer

    def received(n: int) -> ReceivedActivity:
        activity = follow(f"https://remote.test/activities/{n}")
        return ReceivedActivity(activity, BOB, BOB, signature=None)  # type: ignore[arg-type]

    spaces = [alice, alice, gone, alice]
    results = await asyncio.gather(
        *(writer.store(received(n), s) for n, s in enumerate(spaces)), return_exceptions=True
    )
    assert [r is None for r in results] == [True, True, False, True]
    assert isinstance(results[2], IntegrityError)
    stored_ids = await InboxItem.all().values_list("ap_id", flat=True)
    assert sorted(stored_ids) == [f"https://remote.test/activities/{n}" for n in (0, 1, 3)]


async def test_stored_rows_read_back_as_the_orm_writes_them(client, remote):
    """Ensures the writer's own insert stores what the model reads: the payload as a dict,
    aware datetimes that sort and compare with rows the ORM wrote, the default state."""
    before = datetime.now(UTC)
    earlier = await InboxItem.create(
        ap_id="https://remote.test/activities/orm",
        type="Follow",
        actor_ap_id=BOB,
        payload={"type": "Follow"},
        next_attempt_at=before - timedelta(seconds=1),
    )
    activity = follow("https://remote.test/activities/writer")
    response = await post(client, signed_post(INBOX, activity, remote.keys[BOB]))
    assert response.status_code == 202
    item = await InboxItem.get(ap_id=activity["id"])
    assert item.payload == activity
    assert item.state == InboxState.PENDING and item.attempts == 0
    assert item.last_error is None and item.processed_at is None
    assert before <= item.next_attempt_at <= datetime.now(UTC)
    assert before <= item.received_at <= datetime.now(UTC)
    due = InboxItem.filter(next_attempt_at__lte=datetime.now(UTC), state=InboxState.PENDING)
    assert await due.order_by("next_attempt_at").values_list("id", flat=True) == [
        earlier.id,
        item.id,
    ]
    assert not await InboxItem.filter(next_attempt_at__gt=datetime.now(UTC)).exists()


async def test_activity_with_nul_characters_is_refused(client, remote):
    """Ensures an activity with NUL characters (which PostgreSQL cannot store) is a 400 with
    a reason, not a server error, and nothing is stored."""
    activity = {**follow(), "summary": "a\u0000b"}
    response = await post(client, signed_post(INBOX, activity, remote.keys[BOB]))
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert await stored() == 0


async def test_activity_id_too_long_to_store_is_refused(client, remote):
    """Ensures an id longer than qspace stores is a 400 with a reason and nothing stored."""
    activity = follow("https://remote.test/activities/" + "x" * 1100)
    response = await post(client, signed_post(INBOX, activity, remote.keys[BOB]))
    assert response.status_code == 400
    assert await stored() == 0
