"""Received activities: stored once the inbox checks pass, applied later by their `on_<type>`.

The inbox endpoint only stores them (services/inbox_writer.py; nothing is applied during the
request); the inbox job claims the stored rows and calls `dispatch`. Handlers are found in a
registry keyed by activity type, so content federation adds `on_create`, `on_like`, ... with
`@handles("Create")` without touching this module; types nobody handles are marked done and
ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from federation.jsonld import ap_id_of
from qspace.mapping import activity_object_id
from qspace.models import Actor, InboxItem, Space
from qspace.services import follows, inbox_content
from qspace.services.remote_actors import RemoteActors
from qspace.urls import Urls


@dataclass(frozen=True)
class InboxContext:
    """What handlers need besides the database: URL building and remote actor lookup."""

    urls: Urls
    remote: RemoteActors


Handler = Callable[[InboxContext, InboxItem, dict[str, Any]], Awaitable[None]]
# Activity type -> handler; and for Undo, the undone activity's type -> handler.
HANDLERS: dict[str, Handler] = {}
UNDO_HANDLERS: dict[str, Handler] = {}


def handles(kind: str, registry: dict[str, Handler] = HANDLERS) -> Callable[[Handler], Handler]:
    """Register a handler for an activity type (`registry=UNDO_HANDLERS` for Undo of it)."""

    def register(handler: Handler) -> Handler:
        registry[kind] = handler
        return handler

    return register


def activity_type(activity: dict[str, Any]) -> str:
    """The activity's type; JSON-LD allows a list of types, of which the first is used."""
    kind = activity.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), "")
    return kind[:32] if isinstance(kind, str) else ""


async def dispatch(ctx: InboxContext, item: InboxItem) -> bool:
    """Apply a stored activity with its type's handler; False when no handler knows the type.

    Raises whatever the handler raises (the job retries or gives up).
    """
    handler = HANDLERS.get(item.type)
    if handler is None:
        return False
    await handler(ctx, item, item.payload)
    return True


async def _sender(ctx: InboxContext, item: InboxItem) -> Actor:
    """The verified actor of an activity (stored while its signature was checked)."""
    actor = await Actor.get_or_none(ap_id=item.actor_ap_id, deleted_at=None)
    return actor or await ctx.remote.get_or_fetch_actor(item.actor_ap_id)


async def _local_space(ap_id: str | None) -> Space | None:
    """The local space whose actor id is `ap_id`, if any."""
    if not ap_id:
        return None
    return await Space.get_or_none(actor__ap_id=ap_id, actor__is_local=True).select_related("actor")


def _embedded(activity: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The embedded `object` if it is an activity of `kind`; a bare id gives an empty dict."""
    inner = activity.get("object")
    if isinstance(inner, str):
        return {"id": inner}
    if isinstance(inner, dict) and activity_type(inner) in (kind, ""):
        return inner
    return None


@handles("Follow")
async def on_follow(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote actor asks to follow a local space (ignored when the space doesn't exist)."""
    space = await _local_space(activity_object_id(activity))
    if space is None:
        return
    follower = await _sender(ctx, item)
    await follows.receive_follow(ctx.urls, space, follower, item.ap_id)


@handles("Accept")
async def on_accept(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote actor accepted a local space's Follow."""
    inner = _embedded(activity, "Follow")
    if inner is not None:
        sender = await _sender(ctx, item)
        await follows.receive_accept(sender, inner.get("id"), ap_id_of(inner.get("actor")))


@handles("Reject")
async def on_reject(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote actor refused (or removed) a local space's Follow."""
    inner = _embedded(activity, "Follow")
    if inner is not None:
        sender = await _sender(ctx, item)
        await follows.receive_reject(sender, inner.get("id"), ap_id_of(inner.get("actor")))


@handles("Undo")
async def on_undo(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """Undo of an earlier activity: passed on by the undone activity's type.

    A bare id (no embedded activity) is looked up among the remote likes and shares stored
    here, else taken for a Follow. The undone activity must be the sender's own.
    """
    inner = activity.get("object")
    if isinstance(inner, str):
        inner = {"id": inner, "type": await inbox_content.undone_kind(inner) or "Follow"}
    if not isinstance(inner, dict) or ap_id_of(inner.get("actor")) not in (None, item.actor_ap_id):
        return
    handler = UNDO_HANDLERS.get(activity_type(inner))
    if handler is not None:
        await handler(ctx, item, inner)


@handles("Follow", registry=UNDO_HANDLERS)
async def on_undo_follow(ctx: InboxContext, item: InboxItem, undone: dict[str, Any]) -> None:
    """A remote actor stops following a local space (or withdraws its request)."""
    sender = await _sender(ctx, item)
    await follows.receive_undo_follow(sender, undone.get("id"), activity_object_id(undone))


@handles("Block")
async def on_block(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """A remote actor blocks a local space: follows both ways end, no more deliveries to it."""
    space = await _local_space(activity_object_id(activity))
    if space is not None:
        blocker = await _sender(ctx, item)
        await follows.receive_block(blocker, space.actor, item.ap_id)


@handles("Delete")
async def on_delete(ctx: InboxContext, item: InboxItem, activity: dict[str, Any]) -> None:
    """An actor deleted itself: remove it with its follows (the database cascades).

    Deletes of objects (posts, comments) go to content federation (`inbox_content`).
    """
    if activity_object_id(activity) != item.actor_ap_id:
        await inbox_content.on_delete_object(ctx, item, activity)
        return
    await Actor.filter(ap_id=item.actor_ap_id, is_local=False).delete()


# --- Content federation (issue 6): posts, comments, guestbook messages, likes, shares -----
HANDLERS.update(
    {
        "Create": inbox_content.on_create,
        "Update": inbox_content.on_update,
        "Like": inbox_content.on_like,
        "Announce": inbox_content.on_announce,
    }
)
UNDO_HANDLERS.update(
    {"Like": inbox_content.on_undo_like, "Announce": inbox_content.on_undo_announce}
)
