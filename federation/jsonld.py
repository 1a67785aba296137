"""ActivityStreams 2.0 / JSON-LD helpers: contexts, guarded parsing, negotiation and actors.

qspace treats ActivityPub payloads as plain JSON with well-known shapes (as Mastodon and
GoToSocial do); nothing here expands JSON-LD or fetches remote contexts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate, repeat
from typing import Any, Final

import orjson

from federation.errors import FederationError

AS_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT: Final = "https://w3id.org/security/v1"
PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"
# AS2 §5.6 (Public addressing): compacted forms other servers send for the same collection.
PUBLIC_ALIASES: Final = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON: Final = "application/activity+json"
LD_JSON: Final = "application/ld+json"
# ActivityPub §3.2: the media type a server MUST accept when a client asks with the profile.
LD_JSON_AS_PROFILE: Final = f'{LD_JSON}; profile="{AS_CONTEXT}"'

# Terms outside the AS2 context that build_actor emits (Mastodon's extensions).
ACTOR_CONTEXT_EXTENSIONS: Final[Mapping[str, Any]] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
}


class PayloadTooLarge(FederationError):
    """The body is larger than the caller's limit."""

    status = 413
    reason = "payload too large"


class InvalidJson(FederationError):
    """The body is not UTF-8 JSON."""

    status = 400
    reason = "not JSON"


class JsonTooDeep(FederationError):
    """The JSON nests objects/arrays deeper than the caller's limit."""

    status = 400
    reason = "JSON nested too deeply"


# A JSON string literal, escapes included ("unrolled loop" form: linear, no backtracking blow-up).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Outside strings, valid JSON holds only brackets, these characters, and true/false/null.
_NON_BRACKETS = str.maketrans("", "", " \t\r\n,:0123456789+-.eEtrufalsn")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def loads_limited(data: bytes | str, *, max_bytes: int, max_depth: int = 32) -> Any:
    """Parse JSON after refusing bodies that are too large or nested too deeply.

    The depth check is a linear scan done *before* parsing: string literals are removed with
    one regex, then the remaining brackets are counted, so no deeply nested document ever
    reaches the parser (or, later, code that walks the activity recursively); the scan itself
    never recurses.

    Args:
        data: the raw body; must be UTF-8.
        max_bytes: the largest accepted body, in bytes.
        max_depth: the deepest accepted nesting of objects and arrays.

    Raises:
        PayloadTooLarge: ``data`` is longer than ``max_bytes``.
        JsonTooDeep: nesting exceeds ``max_depth``.
        InvalidJson: not UTF-8, not JSON, or uses NaN/Infinity (not JSON per RFC 8259).
    """
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body of {len(raw)} bytes exceeds {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJson("not JSON: body is not UTF-8") from exc
    if _nesting_exceeds(text, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    try:
        # orjson refuses NaN/Infinity and unpaired surrogates (neither is storable JSON) and
        # parses several times faster than the standard library, on every inbox POST.
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(f"not JSON: {exc}") from exc


def _nesting_exceeds(text: str, max_depth: int) -> bool:
    """Tell whether brackets outside string literals nest deeper than ``max_depth``."""
    # Every step below iterates in C: a megabyte of "[]," takes about 20 ms. Any character left
    # over by invalid JSON counts as depth 0; the parser refuses that document afterwards.
    structure = _JSON_STRING.sub("", text).translate(_NON_BRACKETS)
    depths = accumulate(map(_DEPTH_STEP.get, structure, repeat(0)))
    return max(depths, default=0) > max_depth


def wants_activity_json(accept_header: str | None) -> bool:
    """Tell whether an ``Accept`` header asks for ActivityStreams JSON rather than HTML.

    ActivityStreams types must be named explicitly (a bare ``*/*`` from curl or a browser
    gets HTML); the AS type wins when its q-value is positive and at least that of HTML.
    Plain ``application/ld+json`` counts, ``ld+json`` with some other profile does not.
    """
    if not accept_header:
        return False
    as_q = 0.0
    html_q: tuple[int, float] = (-1, 0.0)  # (specificity, q) of the best range matching text/html
    for media_type, params in _media_ranges(accept_header):
        q = _q_value(params.get("q"))
        if _is_activity_type(media_type, params):
            as_q = max(as_q, q)
        specificity = {"text/html": 2, "text/*": 1, "*/*": 0}.get(media_type)
        if specificity is not None and specificity > html_q[0]:
            html_q = (specificity, q)
    return as_q > 0 and as_q >= html_q[1]


_MEDIA_RANGE = re.compile(r'(?:[^,"]|"[^"]*")+')
_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("[^"]*"|[^;]*)')


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    """Split an Accept header into (media type, parameters), keeping quoted commas intact."""
    ranges = []
    for match in _MEDIA_RANGE.finditer(header):
        part = match.group(0).strip()
        if not part:
            continue
        media_type = part.split(";", 1)[0].strip().lower()
        params = {name.lower(): value.strip().strip('"') for name, value in _PARAM.findall(part)}
        ranges.append((media_type, params))
    return ranges


def _q_value(raw: str | None) -> float:
    """Read a q parameter (RFC 9110 §12.4.2); absent means 1, malformed means 0."""
    if raw is None:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def _is_activity_type(media_type: str, params: Mapping[str, str]) -> bool:
    """Tell whether a media range names ActivityStreams JSON."""
    if media_type == ACTIVITY_JSON:
        return True
    if media_type != LD_JSON:
        return False
    profile = params.get("profile")
    # RFC 6906: a profile parameter may list several space-separated URIs.
    return profile is None or AS_CONTEXT in profile.split()


def content_type_is_activity_json(content_type: str | None) -> bool:
    """Tell whether a ``Content-Type`` header is ActivityStreams JSON (see wants_activity_json)."""
    if not content_type:
        return False
    ranges = _media_ranges(content_type)
    return bool(ranges) and _is_activity_type(*ranges[0])


def as_list(value: Any) -> list[Any]:
    """Return an AS2 property value as a list.

    AS2 lets single values be bare (GoToSocial sends ``"to": "https://...#Public"`` and a
    single ``tag`` object: tests/data/activities/gotosocial_create_note.json); ``None`` is [].
    """
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def ap_id_of(value: Any) -> str | None:
    """Return the id of an AS2 value that is either an id string or an embedded object.

    Returns None for anything without a string id (a Link's ``href`` is not an id).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ap_id = value.get("id")
        return ap_id if isinstance(ap_id, str) else None
    return None


def is_public(value: Any) -> bool:
    """Tell whether an addressing value (``to``/``cc``, bare or list) includes Public."""
    return any(ap_id_of(item) in PUBLIC_ALIASES for item in as_list(value))


def format_datetime(moment: datetime) -> str:
    """Format a datetime as AS2 ``xsd:dateTime`` in UTC, e.g. ``2024-05-01T12:00:00Z``.

    Raises:
        ValueError: ``moment`` is naive (its zone would be a guess).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ImageRef:
    """An image attached to an actor (avatar ``icon``, banner ``image``)."""

    url: str
    media_type: str | None = None
    description: str | None = None

    def to_ap(self) -> dict[str, Any]:
        """Return the AS2 ``Image`` object."""
        image: dict[str, Any] = {"type": "Image", "url": self.url}
        if self.media_type:
            image["mediaType"] = self.media_type
        if self.description:
            image["name"] = self.description
        return image


def build_actor(
    *,
    actor_id: str,
    preferred_username: str,
    inbox: str,
    outbox: str,
    followers: str,
    following: str,
    public_key_pem: str,
    key_id: str | None = None,
    actor_type: str = "Person",
    name: str | None = None,
    summary: str | None = None,
    featured: str | None = None,
    shared_inbox: str | None = None,
    manually_approves_followers: bool = True,
    discoverable: bool = False,
    url: str | None = None,
    icon: ImageRef | None = None,
    image: ImageRef | None = None,
    published: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
    extra_context: Sequence[str | Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Build an actor document (Person, Application, Service, Group) in the shape Mastodon reads.

    Args:
        actor_id: the actor's id (also the URL it is served at).
        preferred_username: the WebFinger user part.
        inbox, outbox, followers, following: collection URLs.
        public_key_pem: the SubjectPublicKeyInfo PEM verifiers fetch.
        key_id: the key id signatures name; defaults to ``actor_id + "#main-key"``.
        actor_type: the AS2 actor type.
        name, summary: display name and HTML bio.
        featured: the pinned-items collection (Mastodon's ``toot:featured``).
        shared_inbox: published as ``endpoints.sharedInbox`` when given.
        manually_approves_followers: True makes Follows wait for Accept.
        discoverable: consent to directory listing (Mastodon's ``toot:discoverable``).
        url: the HTML profile page.
        icon, image: avatar and banner.
        published: creation time (timezone-aware).
        extra: more properties, merged last (their terms go in ``extra_context``).
        extra_context: more ``@context`` entries.
    """
    actor: dict[str, Any] = {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT, dict(ACTOR_CONTEXT_EXTENSIONS), *extra_context],
        "id": actor_id,
        "type": actor_type,
        "preferredUsername": preferred_username,
        "inbox": inbox,
        "outbox": outbox,
        "followers": followers,
        "following": following,
        "manuallyApprovesFollowers": manually_approves_followers,
        "discoverable": discoverable,
        "publicKey": {
            "id": key_id or f"{actor_id}#main-key",
            "owner": actor_id,
            "publicKeyPem": public_key_pem,
        },
    }
    optional: dict[str, Any] = {
        "name": name,
        "summary": summary,
        "featured": featured,
        "url": url,
        "icon": icon.to_ap() if icon else None,
        "image": image.to_ap() if image else None,
        "published": format_datetime(published) if published else None,
        "endpoints": {"sharedInbox": shared_inbox} if shared_inbox else None,
    }
    actor.update({key: value for key, value in optional.items() if value is not None})
    if extra:
        actor.update(extra)
    return actor
