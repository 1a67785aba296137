"""Tests for federation.jsonld: guarded parsing, content negotiation, AS2 value helpers."""

import json
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from federation.jsonld import (
    AS_CONTEXT,
    PUBLIC,
    SECURITY_CONTEXT,
    ImageRef,
    InvalidJson,
    JsonTooDeep,
    PayloadTooLarge,
    ap_id_of,
    as_list,
    build_actor,
    content_type_is_activity_json,
    format_datetime,
    is_public,
    loads_limited,
    wants_activity_json,
)

ACTIVITIES = Path(__file__).parents[1] / "data" / "activities"


def load_activity(name: str) -> dict:
    return json.loads((ACTIVITIES / name).read_text())


# loads_limited


def test_loads_limited_parses_a_recorded_activity():
    """Ensures a real Mastodon payload parses to the same dict json.loads gives."""
    raw = (ACTIVITIES / "mastodon_create_note.json").read_bytes()
    assert loads_limited(raw, max_bytes=len(raw)) == json.loads(raw)


def test_loads_limited_refuses_body_over_max_bytes():
    """Ensures a body one byte over the limit is refused as 413 before parsing."""
    with pytest.raises(PayloadTooLarge) as caught:
        loads_limited(b'{"a": 1}', max_bytes=7)
    assert caught.value.status == 413


def test_loads_limited_accepts_nesting_at_the_limit():
    """Ensures nesting exactly max_depth deep is accepted."""
    assert loads_limited(b"[[[1]]]", max_bytes=100, max_depth=3) == [[[1]]]


def test_loads_limited_refuses_nesting_past_the_limit():
    """Ensures one level more than max_depth is refused with 400."""
    with pytest.raises(JsonTooDeep) as caught:
        loads_limited(b'{"a": [{"b": 1}]}', max_bytes=100, max_depth=2)
    assert caught.value.status == 400


def test_loads_limited_ignores_brackets_inside_strings():
    """Ensures brackets and escaped quotes inside string literals do not count as nesting."""
    text = '{"content": "[[[[{{{{ \\" ]]]] [[[["}'
    assert loads_limited(text.encode(), max_bytes=100, max_depth=1) == json.loads(text)


def test_loads_limited_refuses_a_megabyte_of_brackets_without_recursion_error():
    """Ensures deep nesting far beyond the recursion limit is refused quickly and cleanly."""
    depth = max(sys.getrecursionlimit() * 100, 500_000)
    data = b"[" * depth + b"]" * depth
    started = time.monotonic()
    with pytest.raises(JsonTooDeep):
        loads_limited(data, max_bytes=len(data), max_depth=32)
    assert time.monotonic() - started < 2.0


def test_loads_limited_refuses_invalid_json():
    """Ensures a truncated document is refused as not JSON."""
    with pytest.raises(InvalidJson) as caught:
        loads_limited(b'{"type": "Follow"', max_bytes=100)
    assert caught.value.status == 400


def test_loads_limited_refuses_non_utf8():
    """Ensures a Latin-1 body is refused rather than guessed."""
    with pytest.raises(InvalidJson):
        loads_limited('{"name": "café"}'.encode("latin-1"), max_bytes=100)


def test_loads_limited_refuses_nan():
    """Ensures NaN, which Python accepts but JSON forbids, is refused."""
    with pytest.raises(InvalidJson):
        loads_limited(b'{"n": NaN}', max_bytes=100)


def test_loads_limited_refuses_huge_integer():
    """Ensures a 5000-digit number is refused instead of raising an unexpected ValueError."""
    with pytest.raises(InvalidJson):
        loads_limited(b"[" + b"9" * 5000 + b"]", max_bytes=10_000)


# content negotiation


@pytest.mark.parametrize(
    "accept",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "application/activity+json, application/ld+json",  # Mastodon and Misskey
        'application/ld+json;profile="https://example.test/other https://www.w3.org/ns/activitystreams"',
        "text/html;q=0.5, application/activity+json",
        "application/activity+json, */*;q=0.1",
    ],
)
def test_wants_activity_json_accepts_activitystreams_requests(accept):
    """Ensures the ActivityPub media types (and preference over HTML) select JSON."""
    assert wants_activity_json(accept)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox
        "*/*",  # curl
        "application/json",
        'application/ld+json; profile="https://example.test/other"',
        "application/activity+json;q=0",
        "application/activity+json;q=0.4, text/html",
        "application/activity+json;q=0.5, */*",
    ],
)
def test_wants_activity_json_refuses_browsers_and_others(accept):
    """Ensures browsers, wildcards and q=0 get HTML, not ActivityStreams."""
    assert not wants_activity_json(accept)


def test_wants_activity_json_uses_most_specific_html_range():
    """Ensures text/html;q=0 outranks a */* wildcard when deciding HTML's weight."""
    assert wants_activity_json("text/html;q=0, */*, application/activity+json;q=0.2")


def test_content_type_is_activity_json_reads_parameters():
    """Ensures charset parameters are tolerated and other types refused."""
    assert content_type_is_activity_json("application/activity+json; charset=utf-8")
    assert not content_type_is_activity_json("application/json")
    assert not content_type_is_activity_json(None)


# AS2 value helpers


def test_as_list_normalises_gotosocial_bare_addressing():
    """Ensures GoToSocial's bare-string to/cc and single tag object become lists."""
    create = load_activity("gotosocial_create_note.json")
    assert as_list(create["to"]) == [PUBLIC]
    assert as_list(create["cc"]) == ["https://remote.test/users/carol/followers"]
    assert [tag["type"] for tag in as_list(create["object"]["tag"])] == ["Mention"]


def test_as_list_keeps_mastodon_lists_and_maps_none_to_empty():
    """Ensures lists pass through unchanged and None becomes an empty list."""
    create = load_activity("mastodon_create_note.json")
    assert as_list(create["cc"]) is create["cc"]
    assert as_list(None) == []


def test_ap_id_of_reads_ids_and_embedded_objects():
    """Ensures an id string, an embedded object and id-less values are told apart."""
    create = load_activity("mastodon_create_note.json")
    assert ap_id_of(create["object"]) == create["object"]["id"]
    assert ap_id_of("https://remote.test/users/bob") == "https://remote.test/users/bob"
    assert ap_id_of({"type": "Link", "href": "https://remote.test/x"}) is None
    assert ap_id_of(42) is None


@pytest.mark.parametrize("public", [PUBLIC, "as:Public", "Public", {"id": PUBLIC}])
def test_is_public_recognises_every_public_spelling(public):
    """Ensures the full IRI and its compacted forms all count as Public."""
    assert is_public(["https://remote.test/users/bob/followers", public])


def test_is_public_is_false_for_followers_only():
    """Ensures a followers-only audience is not mistaken for Public."""
    assert not is_public(["https://remote.test/users/bob/followers"])
    assert not is_public(None)


def test_is_public_reads_recorded_payloads():
    """Ensures both recorded Create activities are detected as public."""
    assert is_public(load_activity("mastodon_create_note.json")["to"])
    assert is_public(load_activity("gotosocial_create_note.json")["to"])


def test_format_datetime_converts_to_utc_z():
    """Ensures aware datetimes are written in UTC with a Z suffix."""
    moment = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2024-05-01T12:00:00Z"


def test_format_datetime_refuses_naive_datetime():
    """Ensures a naive datetime is refused rather than assumed UTC."""
    with pytest.raises(ValueError):
        format_datetime(datetime(2024, 5, 1))


# build_actor


def _actor(**overrides):
    fields = {
        "actor_id": "https://local.test/@alice",
        "preferred_username": "alice",
        "inbox": "https://local.test/@alice/inbox",
        "outbox": "https://local.test/@alice/outbox",
        "followers": "https://local.test/@alice/followers",
        "following": "https://local.test/@alice/following",
        "public_key_pem": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n",
    }
    return build_actor(**{**fields, **overrides})


def test_build_actor_has_contexts_and_public_key():
    """Ensures the actor carries AS + security contexts and a publicKey owned by itself."""
    actor = _actor()
    assert actor["@context"][:2] == [AS_CONTEXT, SECURITY_CONTEXT]
    assert actor["publicKey"] == {
        "id": "https://local.test/@alice#main-key",
        "owner": "https://local.test/@alice",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n",
    }
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["discoverable"] is False


def test_build_actor_defines_every_extension_term_it_uses():
    """Ensures manuallyApprovesFollowers, featured and discoverable are defined in @context."""
    terms = _actor()["@context"][2]
    assert {"manuallyApprovesFollowers", "featured", "discoverable"} <= set(terms)


def test_build_actor_includes_optional_fields_when_given():
    """Ensures optional properties appear in the shape Mastodon publishes them."""
    actor = _actor(
        actor_type="Application",
        name="Alice",
        summary="<p>hi</p>",
        featured="https://local.test/@alice/featured",
        shared_inbox="https://local.test/inbox",
        url="https://local.test/@alice",
        icon=ImageRef("https://local.test/media/a.png", "image/png", "avatar"),
        image=ImageRef("https://local.test/media/b.jpg"),
        published=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        key_id="https://local.test/@alice/main-key",
    )
    mastodon = load_activity("mastodon_actor.json")
    assert actor["type"] == "Application"
    assert actor["endpoints"] == {"sharedInbox": "https://local.test/inbox"}
    assert actor["icon"] == {
        "type": "Image",
        "url": "https://local.test/media/a.png",
        "mediaType": "image/png",
        "name": "avatar",
    }
    assert actor["image"] == {"type": "Image", "url": "https://local.test/media/b.jpg"}
    assert actor["published"] == "2024-01-02T03:04:05Z"
    assert actor["publicKey"]["id"] == "https://local.test/@alice/main-key"
    essential = {"id", "type", "inbox", "outbox", "followers", "following", "featured"}
    essential |= {"preferredUsername", "name", "summary", "url", "publicKey", "endpoints", "icon"}
    assert essential <= set(actor) and essential <= set(mastodon)


def test_build_actor_omits_absent_optional_fields():
    """Ensures no null-valued properties are emitted for missing optional fields."""
    actor = _actor()
    assert not {"name", "summary", "icon", "image", "endpoints", "featured"} & set(actor)
    assert None not in actor.values()


def test_loads_limited_refuses_unpaired_surrogates():
    """Ensures a string with an unpaired surrogate escape (not text; PostgreSQL cannot store
    it) is refused as invalid JSON."""
    with pytest.raises(InvalidJson):
        loads_limited(b'{"name": "\\ud800"}', max_bytes=100)
    assert loads_limited(b'{"name": "\\ud83d\\ude00"}', max_bytes=100) == {"name": "\U0001f600"}
