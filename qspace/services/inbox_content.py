"""Inbox handlers for content: Create, Update, Delete (of objects), Like, Announce, and the
Undo of Like and Announce. `services/inbox.py` registers them in its handler registry.

They read the payload shapes Mastodon, GoToSocial, Pixelfed and Misskey send (the object
embedded or given by id, addressing as a list or a bare string) and hand the work to
`remote_content` and `remote_reactions`. An object given only by id is fetched (signed by the
instance actor) from its own server.
"""

from __future__ import annotations

from typing import Any, Protocol

from federation.jsonld import ap_id_of
from qspace.mapping import ACTOR_TYPES, CONTENT_TYPES
from qspace.models import Actor, InboxItem, Like, Share
from qspace.services import remote_content, remote_reactions
from qspace.services.remote_actors import RemoteActors, store_actor
from qspace.urls import Urls


class ContentContext(Protocol):
    """What these handlers need of `inbox.InboxContext`."""

    urls: Urls
    remote: RemoteActors


def type_of(document: dict[str, Any]) -> str:
    """The first type of a document (JSON-LD allows a list)."""
    kind = document.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), "")
    return kind if isinstance(kind, str) else ""


async def sender_of(ctx: ContentContext, item: InboxItem) -> Actor:
    """The verified actor of a stored activity."""
    actor = await Actor.get_or_none(ap_id=item.actor_ap_id, deleted_at=None)
    return actor or await ctx.remote.get_or_fetch_actor(item.actor_ap_id)


async def object_of(ctx: ContentContext, activity: dict[str, Any]) -> dict[str, Any] | None:
    """The activity's object: embedded (Mastodon, GoToSocial, Misskey) or fetched by id.

    Raises FetchError when the object's server cannot be reached (the job retries).
    """
    inner = activity.get("object")
    if isinstance(inner, dict):
        return inner
    if isinstance(inner, str) and not ctx.remote.is_local(inner):
        return await ctx.remote.fetch_object(inner)
    return None


async def on_create(ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote post, comment or guestbook message (see `remote_content.receive_object`)."""
    obj = await object_of(ctx, activity)
    if obj is None or type_of(obj) not in CONTENT_TYPES:
        return
    sender = await sender_of(ctx, item)
    await remote_content.receive_object(
        ctx.urls, sender, obj, activity, inbox_space_id=item.space_id
    )


async def on_update(ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """An actor updated itself (profile, keys), or one of its objects."""
    obj = activity.get("object")
    if not isinstance(obj, dict):
        return
    sender = await sender_of(ctx, item)
    kind = type_of(obj)
    if kind in ACTOR_TYPES and obj.get("id") == sender.ap_id:
        await store_actor(obj)
    elif kind in CONTENT_TYPES:
        await remote_content.update_object(sender, obj, activity, inbox_space_id=item.space_id)


async def on_delete_object(ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """An author deleted one of its objects (given by id or as a Tombstone)."""
    sender = await sender_of(ctx, item)
    await remote_content.delete_object(sender, ap_id_of(activity.get("object")))


async def on_like(ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote like (Misskey's emoji reactions arrive as Likes too)."""
    await _react("Like", ctx, item, activity)


async def on_announce(ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote share (boost) of a local item; shares of other servers' posts are ignored."""
    await _react("Announce", ctx, item, activity)


async def _react(kind: str, ctx: ContentContext, item: InboxItem, activity: dict[str, Any]) -> None:
    object_id = ap_id_of(activity.get("object"))
    if object_id is None or not ctx.remote.is_local(object_id):
        return
    sender = await sender_of(ctx, item)
    await remote_reactions.receive_reaction(kind, sender, object_id, item.ap_id)


async def on_undo_like(ctx: ContentContext, item: InboxItem, undone: dict[str, Any]) -> None:
    """A remote like taken back."""
    await _undo("Like", ctx, item, undone)


async def on_undo_announce(ctx: ContentContext, item: InboxItem, undone: dict[str, Any]) -> None:
    """A remote share taken back."""
    await _undo("Announce", ctx, item, undone)


async def _undo(kind: str, ctx: ContentContext, item: InboxItem, undone: dict[str, Any]) -> None:
    sender = await sender_of(ctx, item)
    undone_id = undone.get("id") if isinstance(undone.get("id"), str) else None
    await remote_reactions.undo_reaction(kind, sender, undone_id, ap_id_of(undone.get("object")))


async def undone_kind(ap_id: str) -> str | None:
    """What a bare-id Undo takes back: a stored remote Like or Announce, else None."""
    if await Like.filter(ap_id=ap_id).exists():
        return "Like"
    if await Share.filter(ap_id=ap_id).exists():
        return "Announce"
    return None
