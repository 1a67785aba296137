"""Conversions between qspace models and ActivityStreams documents, named by direction.

Only plain data goes in and out: callers load the rows (and decide addressing) first.
"""

from __future__ import annotations

from typing import Any

from federation.jsonld import AS_CONTEXT, PUBLIC, ImageRef, build_actor, format_datetime
from qspace.html import html_to_text
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
