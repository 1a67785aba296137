"""Local items as ActivityPub objects at their own URLs, and 410 Gone once they are deleted.

Item pages are wrapped with `served_as_object(lookup)`: a client asking for ActivityStreams
JSON gets the object (a Note, Article, an album's OrderedCollection of Images, a photo's
Image) instead of the page. A non-public object is served only to a signed GET by an actor in
its audience (`fetch_viewer` + the audience rule); everyone else gets 404, as for an item that
never existed. A deleted item answers 410 Gone (a `Tombstone` to JSON clients) to those who
could see it before.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from qspace.i18n import gettext as _
from qspace.mapping import album_to_collection, item_to_tombstone, photo_to_image, with_context
from qspace.models import Actor, Item, ItemKind, Media
from qspace.services import federate
from qspace.services.addressing import item_addressing, wall_owner
from qspace.services.audience import Viewer
from qspace.urls import Urls
from qspace.web.activitypub import (
    SignedFetchRefused,
    error_response,
    fetch_viewer,
    negotiate,
    object_response,
)
from qspace.web.document_cache import mark_public
from qspace.web.render import page, viewer_of

Endpoint = Callable[[Request], Awaitable[Response]]
Lookup = Callable[[Request], Awaitable[Item | None]]


def _vary(response: Response) -> Response:
    vary = response.headers.get("vary")
    if vary is None:
        response.headers["Vary"] = "Accept"
    elif "accept" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept"
    return response


def was_visible(viewer: Viewer, item: Item) -> bool:
    """Whether `viewer` could see `item` before it was deleted (who may learn it is gone)."""
    alive = copy.copy(item)
    alive.deleted_at = None
    return viewer.can_see(alive)


async def _gated(item: Item) -> bool:
    """Whether the item is (in) an album behind a gate: never served to other servers."""
    album = item
    if item.kind == ItemKind.PHOTO and item.container_id is not None:
        album = await Item.get_or_none(id=item.container_id) or item
    return album.gate_answer_hash is not None


async def local_object(urls: Urls, item: Item) -> dict[str, Any] | None:
    """The AS2 document of a local author's item, or None when it never leaves the server."""
    author = await Actor.get(id=item.author_id)
    addressing = await item_addressing(item)
    if not author.is_local or addressing is None:
        return None
    if item.kind == ItemKind.ALBUM:
        images = [] if await _gated(item) else await _album_images(urls, item, author)
        return album_to_collection(item, images, author=author, to=addressing.to, cc=addressing.cc)
    if item.kind == ItemKind.PHOTO:
        media = await Media.get_or_none(item_id=item.id)
        album = await Item.get_or_none(id=item.container_id) if item.container_id else None
        if media is None or album is None or await _gated(item):
            return None
        image = photo_to_image(item, media, author=author, urls=urls, album=album)
        return with_context({**image, "to": addressing.to, "cc": addressing.cc})
    return with_context(await federate.item_object(urls, item, author, addressing))


async def _album_images(urls: Urls, album: Item, author: Actor) -> list[dict[str, Any]]:
    photos = await Item.filter(
        container_id=album.id, kind=ItemKind.PHOTO, deleted_at=None
    ).order_by("position", "id")
    media = {m.item_id: m for m in await Media.filter(item_id__in=[p.id for p in photos])}
    return [
        photo_to_image(p, media[p.id], author=author, urls=urls, album=album)
        for p in photos
        if p.id in media
    ]


def _not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


async def object_answer(request: Request, item: Item | None) -> Response:
    """The JSON answer for an item's URL: the object, a 410 Tombstone, or 404."""
    try:
        viewer = await fetch_viewer(request)
    except SignedFetchRefused as refused:
        return error_response(refused.error)
    if item is None or not item.is_local:
        return _not_found()
    if item.deleted_at is not None:
        if not was_visible(viewer, item):
            return _not_found()
        return await object_response(
            request, with_context(item_to_tombstone(item)), status_code=410
        )
    if not viewer.can_see(item):
        return _not_found()
    document = await local_object(request.app.state.services.urls, item)
    if document is None:
        return _not_found()
    if viewer.is_anonymous:
        mark_public(request.scope)  # what every unsigned fetch gets (web/document_cache.py)
    return await object_response(request, document)


async def gone_page(request: Request) -> Response:
    """The HTML 410 page of a deleted item."""
    context = {"status": 410, "message": _("This was deleted.")}
    return await page(request, "pages/error.html", context, status_code=410)


def served_as_object(lookup: Lookup) -> Callable[[Endpoint], Endpoint]:
    """Decorate an item page: ActivityPub clients get the item's object (`object_answer`),
    and a deleted item answers 410 to browsers too (to those who could see it)."""

    def decorate(html_endpoint: Endpoint) -> Endpoint:
        @functools.wraps(html_endpoint)
        async def endpoint(request: Request) -> Response:
            item = await lookup(request)
            if await negotiate(request):
                return _vary(await object_answer(request, item))
            gone = item is not None and item.deleted_at is not None
            if gone and was_visible(await viewer_of(request), item):  # type: ignore[arg-type]
                return _vary(await gone_page(request))
            return _vary(await html_endpoint(request))

        return endpoint

    return decorate


def _int(request: Request, name: str) -> int:
    return int(request.path_params[name])


def _name(request: Request) -> str:
    return str(request.path_params["name"]).lower()


async def status_of(request: Request) -> Item | None:
    """The status update a `/@name/status/{item_id}` URL names."""
    return await Item.get_or_none(
        id=_int(request, "item_id"), kind=ItemKind.STATUS, space__name=_name(request)
    )


async def blog_post_of(request: Request) -> Item | None:
    """The blog post a `/@name/blog/{slug}` URL names."""
    return await Item.get_or_none(
        slug=request.path_params["slug"], kind=ItemKind.BLOG, space__name=_name(request)
    )


async def comment_of(request: Request) -> Item | None:
    """The comment a `/@name/comments/{item_id}` URL names (name: its author's space)."""
    return await Item.get_or_none(
        id=_int(request, "item_id"), kind=ItemKind.COMMENT, author__username=_name(request)
    )


async def album_of(request: Request) -> Item | None:
    """The album a `/@name/albums/{album_id}` URL names."""
    return await Item.get_or_none(
        id=_int(request, "album_id"), kind=ItemKind.ALBUM, space__name=_name(request)
    )


async def photo_of(request: Request) -> Item | None:
    """The photo a `/@name/photos/{photo_id}` URL names."""
    return await Item.get_or_none(
        id=_int(request, "photo_id"), kind=ItemKind.PHOTO, space__name=_name(request)
    )


async def guestbook_entry_of(request: Request) -> Item | None:
    """The guestbook message a `/@name/guestbook/{entry_id}` URL names."""
    return await Item.get_or_none(
        id=_int(request, "entry_id"), kind=ItemKind.GUESTBOOK, space__name=_name(request)
    )


async def wall_post_of(request: Request) -> Item | None:
    """A message a local person wrote on another server's wall (`/@name/notes/{item_id}`)."""
    return await Item.get_or_none(
        id=_int(request, "item_id"),
        kind=ItemKind.GUESTBOOK,
        space_id=None,
        author__username=_name(request),
        author__is_local=True,
    )


@served_as_object(guestbook_entry_of)
async def guestbook_entry(request: Request) -> Response:
    """A guestbook message's own URL: browsers are sent to the wall."""
    return RedirectResponse(f"/@{_name(request)}/guestbook", status_code=303)


@served_as_object(wall_post_of)
async def wall_post(request: Request) -> Response:
    """A message on another server's wall: browsers are sent to its owner's card here."""
    item = await wall_post_of(request)
    owner = await wall_owner(item) if item is not None else None
    if item is None or owner is None or not (await viewer_of(request)).can_see(item):
        context = {"status": 404, "message": _("No such item.")}
        return await page(request, "pages/error.html", context, status_code=404)
    return RedirectResponse(f"/remote/actors/{owner.id}", status_code=303)
