"""Plain-data views of items and people for templates (pages and theme overrides alike).

Templates never see database objects: these dicts are what they render, so a skin's sandboxed
template override and the server's own template read the same, already-sanitized data.
"""

from __future__ import annotations

from typing import Any

from qspace.i18n import format_when
from qspace.models import Actor, Item, Media, Space
from qspace.services import items, media_proxy, reactions
from qspace.services.audience import Viewer
from qspace.urls import Urls


def when(moment: Any) -> tuple[str, str]:
    """(display text in the viewer's language, ISO 8601) of a datetime, or empty strings."""
    if moment is None:
        return "", ""
    return format_when(moment), moment.isoformat()


def person(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {"name": "", "handle": "", "url": "", "avatar_url": ""}
    return {
        "id": actor.id,
        "name": actor.display_name or actor.username,
        "handle": actor.handle,
        "url": actor.url or actor.ap_id,
        # Remote avatars go through the media proxy, never hot-linked (issue 6).
        "avatar_url": media_proxy.avatar_src(actor),
    }


def space_card(space: Space, urls: Urls, avatar: Media | None) -> dict[str, Any]:
    actor = space.actor
    return {
        "name": space.name,
        "display_name": space.display_name or space.name,
        "handle": f"@{space.name}@{actor.domain}",
        "url": urls.space(space.name),
        "avatar_url": urls.media(avatar.capability, "small") if avatar else "",
        "mood": space.mood,
        "bio_html": actor.summary_html,
    }


async def item_cards(
    urls: Urls, found: list[Item], viewer: Viewer, *, with_authors: bool = False
) -> list[dict[str, Any]]:
    """Card dicts for items: text, photos, counts, whether the viewer liked each, tags."""
    ids = [i.id for i in found]
    media = await Media.filter(item_id__in=ids).order_by("position", "id") if ids else []
    photos: dict[int, list[Media]] = {}
    for m in media:
        photos.setdefault(m.item_id or 0, []).append(m)
    liked = await reactions.liked_by(viewer.actor_id, ids)
    tags = await items.tags_of(ids)
    authors: dict[int, Actor] = {}
    if with_authors and ids:
        authors = {a.id: a for a in await Actor.filter(id__in={i.author_id for i in found})}
    cards = []
    for item in found:
        published, published_iso = when(item.published_at)
        updated, updated_iso = when(item.updated_at)
        cards.append(
            {
                "id": item.id,
                "kind": item.kind.value,
                # A remote post's page here has its thread and comment form (issue 6).
                "url": media_proxy.remote_item_path(item)
                if not item.is_local and item.space_id is None
                else item.url or item.ap_id,
                "title": item.title,
                "content_html": item.content_html,
                "published": published,
                "published_iso": published_iso,
                "updated": updated,
                "updated_iso": updated_iso,
                "audience": item.audience.value,
                "state": item.state.value,
                "mood": item.mood,
                "slug": item.slug,
                "like_count": item.like_count,
                "share_count": item.share_count,
                "comment_count": item.comment_count,
                "liked": item.id in liked,
                "tags": tags.get(item.id, []),
                "author": person(authors.get(item.author_id)) if with_authors else None,
                "photos": [
                    {
                        "thumb": media_proxy.media_src(m, urls.media(m.capability, "medium")),
                        "large": media_proxy.media_src(m, urls.media(m.capability, "large")),
                        "alt": m.alt,
                        "width": m.width,
                        "height": m.height,
                    }
                    for m in photos.get(item.id, [])
                ],
            }
        )
    return cards
