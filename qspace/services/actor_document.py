"""A space's Person actor as other servers see it, and telling them when it changes.

The document carries the avatar, banner and the skin pack in use (`qspace:theme`: id, version
and where to download the pack), so another qspace server can show "this space uses skin X"
and its admin can install it. Any change to the profile or the look is sent to the space's
followers as an `Update` of the actor.
"""

from __future__ import annotations

import secrets
from typing import Any

from qspace.mapping import QSPACE_CONTEXT, space_to_actor
from qspace.models import Actor, Space
from qspace.services import looks, profile
from qspace.services.outbox import enqueue_activity, follower_inboxes
from qspace.settings import Settings
from qspace.themes import asset_url
from qspace.urls import Urls

WALL_CONTEXT = {"sm": "http://smithereen.software/ns#", "wall": {"@id": "sm:wall", "@type": "@id"}}


def theme_download_url(urls: Urls, theme_id: str, version: str) -> str:
    return f"{urls.base}/themes/{theme_id}/{version}.qtheme"


async def actor_document(space: Space, urls: Urls, settings: Settings) -> dict[str, Any]:
    """The full actor document of a local space (what GET /@name answers with AP Accept)."""
    actor = await Actor.get(id=space.actor_id)
    avatar = await profile.current_image(space, "avatar")
    banner = await profile.current_image(space, "banner")
    document = space_to_actor(
        space,
        actor,
        urls,
        icon_url=urls.media(avatar.capability, "small") if avatar else None,
    )
    if banner is not None:
        document["image"] = {"type": "Image", "url": urls.media(banner.capability, "large")}
    # The guestbook is the space's wall (as Smithereen publishes `wall`); messages to it carry
    # it as their `target` (FEP-400e).
    document["@context"] = [*document["@context"], WALL_CONTEXT]
    document["wall"] = urls.guestbook(space.name)
    pack = await looks.pack_of(space, settings)
    if pack is not None:
        document["@context"] = [*document["@context"], QSPACE_CONTEXT]
        document["qspace:theme"] = {
            "id": pack.id,
            "name": pack.name,
            "version": pack.version,
            "url": theme_download_url(urls, pack.id, pack.version),
            "preview": f"{urls.base}{asset_url(pack, pack.preview)}" if pack.preview else None,
        }
    return document


async def send_actor_update(space: Space, urls: Urls, settings: Settings) -> None:
    """Queue an Update of the actor to the space's remote followers (one per shared inbox)."""
    actor = await Actor.get(id=space.actor_id)
    inboxes = await follower_inboxes(actor)
    if not inboxes:
        return
    document = await actor_document(space, urls, settings)
    context = document.pop("@context")
    activity = {
        "@context": context,
        "id": urls.activity(space.name, "update", secrets.token_hex(16)),
        "type": "Update",
        "actor": actor.ap_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [actor.followers_url] if actor.followers_url else [],
        "object": document,
    }
    await enqueue_activity(activity, actor=actor, inboxes=inboxes)
