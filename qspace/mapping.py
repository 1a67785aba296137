"""Conversions between qspace models and ActivityStreams documents, named by direction.

Only plain data goes in and out: callers load the rows (and decide addressing) first.
"""

from __future__ import annotations

from typing import Any

import httpx

from federation.jsonld import (
    AS_CONTEXT,
    PUBLIC,
    ImageRef,
    ap_id_of,
    as_list,
    build_actor,
    format_datetime,
)
from qspace.html import clean_remote_html, html_to_text
from qspace.models import Actor, Audience, Item, ItemKind, Media, Space
from qspace.urls import Urls

# qspace's own terms (audience, state) in exports and objects, under its namespace.
QSPACE_NS = "https://qspace.invalid/ns#"
QSPACE_CONTEXT = {"qspace": QSPACE_NS}
SUMMARY_CHARS = 300


def space_to_actor(
    space: Space, actor: Actor, urls: Urls, *, icon_url: str | None = None
) -> dict[str, Any]:
    """The Person actor document of a local space."""
    return build_actor(
        actor_id=actor.ap_id,
        preferred_username=space.name,
        inbox=urls.inbox(space.name),
        outbox=urls.outbox(space.name),
        followers=urls.followers(space.name),
        following=urls.following(space.name),
        featured=urls.featured(space.name),
        shared_inbox=urls.shared_inbox,
        public_key_pem=actor.public_key_pem or "",
        key_id=urls.key_id(space.name),
        name=space.display_name or space.name,
        summary=actor.summary_html or None,
        manually_approves_followers=not space.auto_accept_follows,
        url=urls.space(space.name),
        icon=ImageRef(icon_url) if icon_url else None,
        published=space.created_at,
    )


def public_addressing(author: Actor) -> tuple[list[str], list[str]]:
    """`to` Public, `cc` the author's followers (design: public items)."""
    return [PUBLIC], [author.followers_url] if author.followers_url else []


def media_to_attachment(media: Media, urls: Urls) -> dict[str, Any]:
    """An `Image` (or `Audio`) attachment with alt text, size and blurhash."""
    variant = "large" if "large" in media.variants else "original"
    attachment: dict[str, Any] = {
        "type": "Image" if media.kind == "image" else "Audio",
        "mediaType": media.variants.get(variant, {}).get("mime", media.mime),
        "url": media.remote_url or urls.media(media.capability, variant),
        "name": media.alt or None,
    }
    if media.width and media.height:
        attachment["width"], attachment["height"] = media.width, media.height
    if media.blurhash:
        attachment["blurhash"] = media.blurhash
    return {k: v for k, v in attachment.items() if v is not None}


def item_to_object(
    item: Item,
    *,
    author: Actor,
    urls: Urls,
    to: list[str],
    cc: list[str],
    media: list[Media] | None = None,
    in_reply_to: str | None = None,
    wall: str | None = None,
    include_private_state: bool = False,
) -> dict[str, Any]:
    """The AS2 object of a local item: Note (status, comment, guestbook), Article (blog)."""
    obj: dict[str, Any] = {
        "id": item.ap_id,
        "type": "Article" if item.kind == ItemKind.BLOG else "Note",
        "attributedTo": author.ap_id,
        "content": item.content_html,
        "url": item.url or item.ap_id,
        "to": to,
        "cc": cc,
        "sensitive": item.sensitive,
    }
    if item.published_at:
        obj["published"] = format_datetime(item.published_at)
    if item.updated_at:
        obj["updated"] = format_datetime(item.updated_at)
    if item.kind == ItemKind.BLOG:
        obj["name"] = item.title
        obj["summary"] = item.summary or html_to_text(item.content_html, SUMMARY_CHARS)
        obj["mediaType"] = "text/html"
        obj["source"] = {"content": item.source, "mediaType": "text/markdown"}
    elif item.kind == ItemKind.ALBUM:
        obj["name"] = item.title
    if in_reply_to:
        obj["inReplyTo"] = in_reply_to
    if wall:
        obj["target"] = wall
    if media:
        obj["attachment"] = [media_to_attachment(m, urls) for m in media]
    if include_private_state:
        obj["qspace:kind"] = item.kind.value
        obj["qspace:audience"] = item.audience.value
        obj["qspace:state"] = item.state.value
        if item.title and "name" not in obj:
            obj["qspace:title"] = item.title
        if item.source:
            obj["qspace:source"] = item.source
    return obj


def object_to_create(obj: dict[str, Any], actor_id: str) -> dict[str, Any]:
    """Wrap an object in the Create activity that announces it."""
    return {
        "id": f"{obj['id']}#create",
        "type": "Create",
        "actor": actor_id,
        "published": obj.get("published"),
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
        "object": obj,
    }


def with_context(document: dict[str, Any], *extra: Any) -> dict[str, Any]:
    """`document` with the ActivityStreams context first (and any extra contexts)."""
    context: list[Any] = [AS_CONTEXT, *extra]
    return {"@context": context if len(context) > 1 else AS_CONTEXT, **document}


def audience_is_public(item: Item) -> bool:
    return item.audience in (Audience.PUBLIC, Audience.UNLISTED)


# --- Actors read from other servers -------------------------------------------------------------

_URL_MAX = 1024  # the width of the URL columns of the actors table
_TEXT_MAX = 255


def actor_to_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The Actor row fields (remote, not local) of an actor document fetched from its server.

    The summary is sanitized; names are cut to the column width; `ap_raw` keeps the document.
    Raises ValueError when the document is not a usable actor: no http(s) id or inbox, or a
    URL longer than the table stores.
    """
    ap_id = _http_url(document.get("id"))
    inbox = _http_url(document.get("inbox"))
    if ap_id is None or inbox is None:
        raise ValueError("an actor needs an http(s) id and inbox")
    parsed = httpx.URL(ap_id)
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username.strip():
        username = parsed.path.rstrip("/").rsplit("/", 1)[-1] or parsed.host
    name = document.get("name")
    summary = document.get("summary")
    endpoints = document.get("endpoints")
    key_id, key_pem = _public_key_of(document, ap_id)
    return {
        "ap_id": ap_id,
        "type": str(document.get("type") or "Person")[:32],
        "username": username.strip()[:_TEXT_MAX],
        "domain": parsed.netloc.decode("ascii").lower()[:_TEXT_MAX],
        "is_local": False,
        "display_name": (name.strip() if isinstance(name, str) else "")[:_TEXT_MAX],
        "summary_html": clean_remote_html(summary) if isinstance(summary, str) else "",
        "url": _link_url(document.get("url")),
        "icon_url": _image_url(document.get("icon")),
        "image_url": _image_url(document.get("image")),
        "inbox": inbox,
        "shared_inbox": _http_url(endpoints.get("sharedInbox"))
        if isinstance(endpoints, dict)
        else None,
        "outbox": _http_url(document.get("outbox")),
        "followers_url": _http_url(document.get("followers")),
        "following_url": _http_url(document.get("following")),
        "featured_url": _http_url(document.get("featured")),
        "key_id": key_id,
        "public_key_pem": key_pem,
        "manually_approves": bool(document.get("manuallyApprovesFollowers", False)),
        "ap_raw": document,
    }


def _http_url(value: Any) -> str | None:
    """`value` if it is an absolute http(s) URL the table can hold, else None."""
    if not isinstance(value, str) or len(value) > _URL_MAX:
        return None
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return None
    return value if url.scheme in ("https", "http") and url.host else None


def _link_url(value: Any) -> str | None:
    """The first http(s) URL of an AS2 `url` value: a string, a Link (`href`) or a list."""
    for entry in as_list(value):
        candidate = entry.get("href") if isinstance(entry, dict) else entry
        url = _http_url(candidate)
        if url:
            return url
    return None


def _image_url(value: Any) -> str | None:
    """The URL of an actor's `icon`/`image`: an Image object (or list of them) or a bare URL."""
    for entry in as_list(value):
        url = _link_url(entry.get("url")) if isinstance(entry, dict) else _http_url(entry)
        if url:
            return url
    return None


def _public_key_of(document: dict[str, Any], ap_id: str) -> tuple[str | None, str | None]:
    """The (key id, PEM) the actor publishes; a list of keys is searched for one it owns."""
    for key in as_list(document.get("publicKey")):
        if not isinstance(key, dict):
            continue
        key_id, pem, owner = key.get("id"), key.get("publicKeyPem"), key.get("owner", ap_id)
        if isinstance(key_id, str) and isinstance(pem, str) and owner == ap_id:
            return (key_id if len(key_id) <= _URL_MAX else None), pem
    return None, None


def instance_to_actor(urls: Urls, domain: str, public_key_pem: str) -> dict[str, Any]:
    """The instance actor (`/actor`, an Application): it signs the server's own fetches."""
    return build_actor(
        actor_id=urls.instance_actor,
        actor_type="Application",
        preferred_username=domain,
        inbox=urls.shared_inbox,
        outbox=f"{urls.instance_actor}/outbox",
        followers=f"{urls.instance_actor}/followers",
        following=f"{urls.instance_actor}/following",
        shared_inbox=urls.shared_inbox,
        public_key_pem=public_key_pem,
        key_id=f"{urls.instance_actor}#main-key",
        name=domain,
        manually_approves_followers=True,
        url=f"{urls.base}/",
    )


# --- Follow, Accept, Reject, Undo ------------------------------------------------------------


def follow_to_activity(
    follow_ap_id: str, follower_ap_id: str, followed_ap_id: str
) -> dict[str, Any]:
    """The Follow activity of a friend request (`object` is the followed actor's id)."""
    return {
        "@context": AS_CONTEXT,
        "id": follow_ap_id,
        "type": "Follow",
        "actor": follower_ap_id,
        "object": followed_ap_id,
    }


def follow_answer_to_activity(
    kind: str, ap_id: str, actor_ap_id: str, follow: dict[str, Any]
) -> dict[str, Any]:
    """An Accept or Reject of a Follow, sent by the followed actor.

    The Follow is embedded whole (without its context): Mastodon matches the answer by the
    embedded Follow's id, and some servers by its actor and object.
    """
    embedded = {k: v for k, v in follow.items() if k != "@context"}
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": kind,
        "actor": actor_ap_id,
        "object": embedded,
    }


def undo_to_activity(ap_id: str, actor_ap_id: str, undone: dict[str, Any]) -> dict[str, Any]:
    """An Undo of an earlier activity of the same actor, which is embedded."""
    embedded = {k: v for k, v in undone.items() if k != "@context"}
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Undo",
        "actor": actor_ap_id,
        "object": embedded,
    }


def activity_object_id(activity: dict[str, Any]) -> str | None:
    """The id of an activity's `object` (given as an id or embedded)."""
    return ap_id_of(activity.get("object"))


# --- Collections -------------------------------------------------------------------------------


def to_ordered_collection(
    collection_id: str,
    total: int | None,
    *,
    first: str | None = None,
    last: str | None = None,
    items: list[Any] | None = None,
) -> dict[str, Any]:
    """An OrderedCollection: its size and links to its pages, or (small ones) its items."""
    collection: dict[str, Any] = {"id": collection_id, "type": "OrderedCollection"}
    if total is not None:
        collection["totalItems"] = total
    if first:
        collection["first"] = first
    if last:
        collection["last"] = last
    if items is not None:
        collection["orderedItems"] = items
    return with_context(collection)


def to_ordered_collection_page(
    page_id: str,
    part_of: str,
    items: list[Any],
    *,
    next_page: str | None = None,
    prev_page: str | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    """One OrderedCollectionPage of a collection, with links to its neighbours."""
    page: dict[str, Any] = {
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if total is not None:
        page["totalItems"] = total
    if next_page:
        page["next"] = next_page
    if prev_page:
        page["prev"] = prev_page
    return with_context(page)
