"""Conversions between qspace models and ActivityStreams documents, named by direction.

Only plain data goes in and out: callers load the rows (and decide addressing) first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

import httpx

from federation.jsonld import (
    AS_CONTEXT,
    PUBLIC,
    PUBLIC_ALIASES,
    ImageRef,
    ap_id_of,
    as_list,
    build_actor,
    format_datetime,
)
from qspace.html import LINK_REL, clean_remote_html, html_to_text
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


# --- Content objects: local items out, remote objects in (issue 6) -----------------------------

# Object types stored as items. Mastodon shows only Note and Question in full; qspace keeps the
# others (Article fully, Page/Image/Video/Audio/Event/Question as a title, text and link card).
CONTENT_TYPES = frozenset(
    {"Note", "Article", "Page", "Image", "Video", "Audio", "Question", "Event"}
)
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
# Mastodon refuses activities over 1 MiB and older Misskey inboxes over 64 KiB: a long blog
# post goes out cut to this much HTML (the rest of the activity fits in what is left of 64 KiB),
# followed by a link to the whole post (FEDERATION.md).
ARTICLE_CONTENT_MAX_BYTES = 56 * 1024
REMOTE_CONTENT_MAX_CHARS = 500_000
REMOTE_ATTACHMENTS_MAX = 16
_BLOCK_END = re.compile(r"</(?:p|pre|ul|ol|blockquote|table|h[1-6])>", re.IGNORECASE)
_FORMER_TYPES = {ItemKind.BLOG: "Article", ItemKind.ALBUM: "OrderedCollection"}


def former_type(item: Item) -> str:
    """The AS2 type an item was published as (what its Tombstone's `formerType` says)."""
    if item.kind == ItemKind.PHOTO:
        return "Image"
    return _FORMER_TYPES.get(item.kind, "Note")


def cap_html(html_text: str, max_bytes: int, link: str) -> str:
    """`html_text` cut after its last block that fits in `max_bytes`, then a link to `link`.

    Unchanged when it fits. Cutting after a closing block tag keeps the markup well formed
    enough for the receivers' sanitizers.
    """
    if len(html_text.encode()) <= max_bytes:
        return html_text
    head = html_text.encode()[:max_bytes].decode(errors="ignore")
    ends = list(_BLOCK_END.finditer(head))
    kept = head[: ends[-1].end()] if ends else f"<p>{escape(html_to_text(head, 2000))}</p>"
    safe = escape(link, quote=True)
    return f'{kept}<p>… <a href="{safe}">{safe}</a></p>'


def mention_tag(actor: Actor) -> dict[str, str]:
    """The `Mention` tag Mastodon needs to notify `actor` (and let them answer)."""
    return {"type": "Mention", "href": actor.ap_id, "name": f"@{actor.username}@{actor.domain}"}


def mention_html(actor: Actor) -> str:
    """A mention link of `actor` as Mastodon writes one (an h-card with a `u-url mention`)."""
    href = escape(actor.url or actor.ap_id, quote=True)
    name = escape(actor.username)
    link = f'<a href="{href}" class="u-url mention">@<span>{name}</span></a>'
    return f'<span class="h-card">{link}</span>'


def hashtag_tags(urls: Urls, space_name: str, tags: list[str]) -> list[dict[str, str]]:
    """`Hashtag` tags pointing at the space's tag pages."""
    return [
        {
            "type": "Hashtag",
            "href": f"{urls.space(space_name)}/tags/{quote(t, safe='')}",
            "name": f"#{t}",
        }
        for t in tags
    ]


def local_item_to_note(
    item: Item,
    *,
    author: Actor,
    urls: Urls,
    to: list[str],
    cc: list[str],
    media: list[Media] | None = None,
    in_reply_to: str | None = None,
    wall: tuple[str, str] | None = None,
    tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The object a local item federates as (see `item_to_object`), shaped for other servers.

    `wall` is (wall collection id, its owner's id): the object then carries an abbreviated
    collection as `target` (FEP-400e, as Smithereen walls). Long Articles are cut (`cap_html`).
    """
    obj = item_to_object(
        item, author=author, urls=urls, to=to, cc=cc, media=media, in_reply_to=in_reply_to
    )
    if item.kind == ItemKind.BLOG:
        capped = cap_html(obj["content"], ARTICLE_CONTENT_MAX_BYTES, obj["url"])
        if capped != obj["content"]:
            # The Markdown source would carry the whole post again: leave it out.
            obj["content"] = capped
            del obj["source"]
    if wall is not None:
        obj["target"] = {"type": "OrderedCollection", "id": wall[0], "attributedTo": wall[1]}
    if tags:
        obj["tag"] = tags
    return obj


def content_activity(
    kind: str, ap_id: str, actor_id: str, obj: dict[str, Any] | str, to: list[str], cc: list[str]
) -> dict[str, Any]:
    """A Create, Update, Delete (or Add) activity of `obj`, with the object's addressing."""
    activity: dict[str, Any] = {
        "id": ap_id,
        "type": kind,
        "actor": actor_id,
        "to": to,
        "cc": cc,
        "object": obj,
    }
    if isinstance(obj, dict) and obj.get("published") and kind == "Create":
        activity["published"] = obj["published"]
    return with_context(activity)


def item_to_tombstone(item: Item, ap_id: str | None = None) -> dict[str, Any]:
    """The Tombstone a deleted item's URL answers with (410), or a Delete carries."""
    tombstone: dict[str, Any] = {
        "id": ap_id or item.ap_id,
        "type": "Tombstone",
        "formerType": former_type(item),
    }
    if item.deleted_at:
        tombstone["deleted"] = format_datetime(item.deleted_at)
    return tombstone


def reaction_to_activity(
    kind: str, ap_id: str, actor_id: str, object_id: str, to: list[str], cc: list[str]
) -> dict[str, Any]:
    """A Like or Announce of `object_id` (Mastodon puts the object as a bare id)."""
    activity: dict[str, Any] = {"id": ap_id, "type": kind, "actor": actor_id, "object": object_id}
    activity["to"], activity["cc"] = to, cc
    if kind == "Announce":
        activity["published"] = format_datetime(datetime.now(UTC))
    return with_context(activity)


def photo_to_image(
    photo: Item, media: Media, *, author: Actor, urls: Urls, album: Item
) -> dict[str, Any]:
    """One photo of an album as an `Image` (the album collection's items, the photo's URL)."""
    image = media_to_attachment(media, urls)
    image.update(id=photo.ap_id, attributedTo=author.ap_id, context=album.ap_id)
    if photo.published_at:
        image["published"] = format_datetime(photo.published_at)
    return image


def album_to_collection(
    album: Item, images: list[dict[str, Any]], *, author: Actor, to: list[str], cc: list[str]
) -> dict[str, Any]:
    """An album as an OrderedCollection of its photos' `Image`s (served at the album URL)."""
    collection: dict[str, Any] = {
        "id": album.ap_id,
        "type": "OrderedCollection",
        "name": album.title,
        "summary": album.content_html or None,
        "attributedTo": author.ap_id,
        "url": album.ap_id,
        "to": to,
        "cc": cc,
        "totalItems": len(images),
        "orderedItems": images,
    }
    if album.published_at:
        collection["published"] = format_datetime(album.published_at)
    return with_context({k: v for k, v in collection.items() if v is not None})


def album_update_to_note(
    note_id: str,
    album: Item,
    media: list[Media],
    *,
    more: int,
    author: Actor,
    urls: Urls,
    to: list[str],
    cc: list[str],
) -> dict[str, Any]:
    """A Note announcing new photos in an album: (up to four of) them attached, and a link.

    Mastodon keeps four attachments and ignores Collections, so the Note is what people there
    see; `more` counts the new photos left out.
    """
    link = escape(album.ap_id, quote=True)
    extra = f" (+{more})" if more else ""
    content = f'<p><a href="{link}">{escape(album.title)}</a>{extra}</p>'
    return {
        "id": note_id,
        "type": "Note",
        "attributedTo": author.ap_id,
        "content": content,
        "url": album.ap_id,
        "to": to,
        "cc": cc,
        "published": format_datetime(datetime.now(UTC)),
        "sensitive": album.sensitive,
        "attachment": [media_to_attachment(m, urls) for m in media],
        "context": album.ap_id,
    }


def addressing_of(
    obj: dict[str, Any], activity: dict[str, Any] | None = None
) -> dict[str, set[str]]:
    """The ids an object (and its activity) is addressed to, by field: to, cc and the rest."""
    fields = {"to": set(), "cc": set(), "other": set()}  # type: dict[str, set[str]]
    for source in (obj, activity or {}):
        for name, key in (("to", "to"), ("cc", "cc"), ("bto", "other"), ("bcc", "other")):
            fields[key] |= {i for i in map(ap_id_of, as_list(source.get(name))) if i}
        fields["other"] |= {i for i in map(ap_id_of, as_list(source.get("audience"))) if i}
    return fields


def audience_from_addressing(addressed: dict[str, set[str]], followers_url: str | None) -> Audience:
    """The audience of a received object: Public in `to` is public, Public elsewhere unlisted
    (Mastodon), the author's followers collection is followers-only, anything else direct."""
    if addressed["to"] & PUBLIC_ALIASES:
        return Audience.PUBLIC
    if (addressed["cc"] | addressed["other"]) & PUBLIC_ALIASES:
        return Audience.UNLISTED
    everyone = addressed["to"] | addressed["cc"] | addressed["other"]
    if followers_url and followers_url in everyone:
        return Audience.FOLLOWERS
    return Audience.DIRECT


def parse_datetime(value: Any) -> datetime | None:
    """An AS2 `xsd:dateTime` ("2024-12-04T10:09:35Z", with or without fractions) or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any, limit: int) -> str:
    return html_to_text(value, limit) if isinstance(value, str) else ""


def _content_of(obj: dict[str, Any]) -> str:
    """The object's HTML `content` (or the first `contentMap` entry), capped in length."""
    content = obj.get("content")
    if not isinstance(content, str):
        mapped = obj.get("contentMap")
        content = (
            next((v for v in mapped.values() if isinstance(v, str)), "")
            if isinstance(mapped, dict)
            else ""
        )
    return content[:REMOTE_CONTENT_MAX_CHARS]


def _drop_image(_src: str) -> str | None:
    # Inline images of remote HTML are dropped (as Mastodon does): shown, they would hot-link
    # the remote server; attachments go through the media proxy instead.
    return None


def note_to_item_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The Item fields (remote, not local) of a received Note, Article, Page, Image, ...

    Content is sanitized; types Mastodon would show as a card (Page, Image, Question, ...)
    become a title, their text (a Question's options) and a link to the original. Raises
    ValueError for an object without an http(s) id.
    """
    ap_id = _http_url(obj.get("id"))
    if ap_id is None:
        raise ValueError("an object needs an http(s) id")
    kind = obj.get("type")
    kind = next((k for k in as_list(kind) if isinstance(k, str)), "Note")
    url = _link_url(obj.get("url")) or ap_id
    content = clean_remote_html(_content_of(obj), rewrite_img_src=_drop_image)
    if kind == "Question":
        options = [
            o for o in as_list(obj.get("oneOf")) + as_list(obj.get("anyOf")) if isinstance(o, dict)
        ]
        items = "".join(f"<li>{escape(_text(o.get('name'), 200))}</li>" for o in options[:20])
        content += f"<ul>{items}</ul>" if items else ""
    if kind not in ("Note", "Article"):
        safe = escape(url, quote=True)
        content += f'<p><a href="{safe}" rel="{LINK_REL}" target="_blank">{safe}</a></p>'
    mapped = obj.get("contentMap")
    language = next(iter(mapped), None) if isinstance(mapped, dict) and mapped else None
    return {
        "ap_id": ap_id,
        "kind": ItemKind.BLOG if kind == "Article" else ItemKind.STATUS,
        "title": _text(obj.get("name"), 300) if kind != "Note" else "",
        "summary": _text(obj.get("summary"), 2000),
        "content_html": content,
        "url": url,
        "sensitive": bool(obj.get("sensitive")),
        "language": language[:16] if isinstance(language, str) else None,
        "in_reply_to_ap_id": _http_url(ap_id_of(obj.get("inReplyTo"))),
        "published_at": parse_datetime(obj.get("published")) or datetime.now(UTC),
        "updated_at": parse_datetime(obj.get("updated")),
        "is_local": False,
        "ap_raw": obj,
    }


def attachment_to_media_fields(attachment: Any) -> dict[str, Any] | None:
    """The Media fields of one received image attachment (None for anything else).

    Mastodon and Misskey send `Document`s, Pixelfed and GoToSocial `Image`s; alt text is in
    `name` (GoToSocial: `summary`). Nothing is downloaded: `remote_url` is shown through the
    media proxy.
    """
    if not isinstance(attachment, dict):
        return None
    url = _link_url(attachment.get("url")) or _http_url(attachment.get("href"))
    mime = attachment.get("mediaType")
    mime = mime.strip().lower()[:64] if isinstance(mime, str) else ""
    is_image = mime.startswith("image/") or (not mime and attachment.get("type") == "Image")
    if url is None or not is_image:
        return None
    size = {
        name: value
        for name in ("width", "height")
        if isinstance(value := attachment.get(name), int) and 0 < value < 100_000
    }
    blurhash = attachment.get("blurhash")
    alt = attachment.get("name") or attachment.get("summary")
    return {
        "remote_url": url,
        "mime": mime or "image/jpeg",
        "kind": "image",
        "role": "remote",
        "alt": _text(alt, 1500),
        "blurhash": blurhash if isinstance(blurhash, str) and len(blurhash) <= 64 else None,
        **size,
    }


def other_attachment_links(obj: dict[str, Any]) -> str:
    """Links to the attachments that are not images (video, audio, files), as HTML."""
    links = []
    for attachment in as_list(obj.get("attachment"))[:REMOTE_ATTACHMENTS_MAX]:
        if isinstance(attachment, dict) and attachment_to_media_fields(attachment) is None:
            url = _link_url(attachment.get("url"))
            if url:
                safe = escape(url, quote=True)
                label = escape(_text(attachment.get("name"), 200) or url)
                links.append(f'<a href="{safe}" rel="{LINK_REL}" target="_blank">{label}</a>')
    return f"<p>{'<br>'.join(links)}</p>" if links else ""
