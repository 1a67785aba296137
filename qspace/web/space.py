"""A space's home page: the profile and the modules its owner arranged, in its skin.

Each module gets a plain-data context (see themes/README.md, "Template overrides"); a skin's
sandboxed override renders it if the skin has one, else the server's own module template does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import N_
from qspace.i18n import gettext as _
from qspace.models import ItemKind, Space
from qspace.services import (
    albums,
    friends,
    guestbook,
    items,
    layout,
    music,
    policy,
    profile,
    visits,
)
from qspace.services.audience import Viewer
from qspace.urls import Urls
from qspace.web import friends as friend_links
from qspace.web import skins
from qspace.web.cards import item_cards, person, space_card, when
from qspace.web.render import page, viewer_of
from qspace.web.session import get_auth

# Marked for translation here, translated per request (module headings, skins' `title`).
TITLES = {
    "profile": N_("Profile"),
    "about": N_("About"),
    "statuses": N_("Status updates"),
    "blog": N_("Blog"),
    "albums": N_("Photo albums"),
    "guestbook": N_("Guestbook"),
    "friends": N_("Friends"),
    "visitors": N_("Recent visitors"),
    "music": N_("Music"),
}


async def module_data(
    module: str, space: Space, viewer: Viewer, urls: Urls, session_data: dict | None
) -> dict[str, Any]:
    """The plain data of one module (its `items`, `more_url`, ...)."""
    base = f"/@{space.name}"
    if module == "statuses":
        found = await items.space_items(space, viewer, kinds=(ItemKind.STATUS,), limit=10)
        return {"items": await item_cards(urls, found, viewer), "more_url": ""}
    if module == "blog":
        found = await items.space_items(space, viewer, kinds=(ItemKind.BLOG,), limit=5)
        cards = await item_cards(urls, found, viewer)
        for card in cards:
            card["summary_html"] = ""
        return {"items": cards, "more_url": f"{base}/blog"}
    if module == "albums":
        found = await albums.latest_albums(space, viewer, 6, unlocked=session_data)
        cards = [
            {
                "url": a.get("url", ""),
                "title": a.get("title", ""),
                "cover_url": a.get("cover_url") or a.get("cover") or "",
                "cover_alt": a.get("cover_alt", ""),
                "count": a.get("count", 0),
                "locked": a.get("locked", False),
            }
            for a in found
        ]
        return {"items": cards, "more_url": f"{base}/albums"}
    if module == "guestbook":
        entries = await guestbook.entries(space, viewer, limit=5)
        cards = []
        for entry in entries:
            published, published_iso = when(entry.published_at)
            author = person(entry.author)
            cards.append(
                {
                    "author_name": author["name"],
                    "author_url": author["url"],
                    "avatar_url": author["avatar_url"],
                    "content_html": entry.content_html,
                    "published": published,
                    "published_iso": published_iso,
                    "private": entry.audience.value == "direct",
                    "held": entry.state.value == "held",
                }
            )
        return {"items": cards, "more_url": f"{base}/guestbook", "write_url": f"{base}/guestbook"}
    if module == "friends":
        found = await friends.friends_of(space.actor_id, limit=12)
        return {"items": [person(f) for f in found], "more_url": f"{base}/friends"}
    if module == "visitors":
        cards = []
        for visit in await visits.recent_visitors(space):
            own = visit.visitor.spaces[0] if visit.visitor.spaces else None
            visited, visited_iso = when(visit.visited_at)
            cards.append(
                {
                    "name": (own.display_name or own.name) if own else visit.visitor.username,
                    "url": f"/@{own.name}" if own else "",
                    "avatar_url": "",
                    "visited": visited,
                    "visited_iso": visited_iso,
                }
            )
        return {"items": cards, "more_url": ""}
    if module == "music":
        found = await music.tracks(space)
        return {
            "items": [
                {
                    "title": t.meta.get("title", ""),
                    "artist": t.meta.get("artist", ""),
                    "url": urls.media(t.capability, "original"),
                    "mime_type": t.mime,
                }
                for t in found
            ],
            "more_url": "",
        }
    if module == "about":
        return {"fields": [], "more_url": ""}
    return {"items": [], "more_url": ""}


async def space_home(request: Request, space: Space) -> Response:
    services = request.app.state.services
    urls: Urls = services.urls
    viewer = await viewer_of(request)
    auth = await get_auth(request)
    if auth.account is not None:
        await visits.record_visit(space, auth.account)
    is_owner = viewer.actor_id == space.actor_id
    skin = await skins.skin_for(request, space)
    avatar = await profile.current_image(space, "avatar")
    space_data = space_card(space, urls, avatar)
    viewer_data = {"signed_in": auth.account is not None, "is_owner": is_owner}
    session_data = auth.session.data if auth.session else None
    titles = {module: _(title) for module, title in TITLES.items()}
    rendered: list[dict[str, Any]] = []
    for entry in [m for m in layout.layout_of(space) if m["visible"]]:
        module = entry["id"]
        context = {
            "module": module,
            "space": space_data,
            "viewer": viewer_data,
            "title": titles[module],
            "empty_text": _("Nothing here yet."),
            **await module_data(module, space, viewer, urls, session_data),
        }
        rendered.append(
            {
                "id": module,
                "column": entry["column"],
                "context": context,
                "override_html": skins.override(skin, module, context),
            }
        )
    profile_context = {
        "module": "profile",
        "space": space_data,
        "viewer": viewer_data,
        "title": titles["profile"],
    }
    context: dict[str, Any] = {
        "space": space,
        "space_data": space_data,
        "is_owner": is_owner,
        "skin": skin,
        "profile_override_html": skins.override(skin, "profile", profile_context),
        "main_modules": [m for m in rendered if m["column"] == "main"],
        "side_modules": [m for m in rendered if m["column"] == "side"],
        "avatar_url": space_data["avatar_url"],
        "banner": await profile.current_image(space, "banner"),
        "can_write_guestbook": auth.space is not None
        and not is_owner
        and await policy.allowed(policy.Action.GUESTBOOK, space=space, actor=auth.space.actor),
        "groups": await friends.groups_of(space) if is_owner else [],
        "relation": await friend_links.relation(space, auth.space),
        "media_url": urls.media,
    }
    return await page(request, "pages/space.html", context)
