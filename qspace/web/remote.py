"""Pages for things from other servers, and following across servers.

- `/@name/remote-follow`: the remote-follow dialog of every space page ("follow from your own
  server"): the visitor's server's subscribe template, found by WebFinger, gets the space.
- `/authorize_interaction?uri=`: qspace's own subscribe endpoint (advertised in its WebFinger
  answers): a logged-in person sees the remote actor's card and a friend request button.
- `/remote/actors/{id}`: a remote person's small card, with a link to their real profile and
  a form to write on their wall; `/remote/items/{id}`: a remote post with its thread here and
  a comment form.
- `/proxy/media/{capability}`, `/proxy/avatar/{id}`: remote images, through the media proxy.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from federation.errors import FederationError
from qspace.i18n import gettext as _
from qspace.models import Actor, Follow, FollowState, Item, Media
from qspace.services import blocks, comments, follows, media_proxy, remote_writes, spaces
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.services.remote_follow import subscribe_url
from qspace.web.cards import item_cards, person, when
from qspace.web.forms import checked, form_endpoint, redirect, text
from qspace.web.items import count_write
from qspace.web.render import Auth, page, require_login, viewer_of
from qspace.web.session import get_auth

PROXY_CACHE = "private, max-age=86400"


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


# --- Following from elsewhere ----------------------------------------------------------------


async def remote_follow(request: Request) -> Response:
    """The remote-follow dialog: with a `handle`, send the visitor to their server."""
    space = await spaces.get_space(request.path_params["name"])
    handle = request.query_params.get("handle", "").strip()
    context = {
        "space": space,
        "space_handle": f"@{space.name}@{space.actor.domain}",
        "handle": handle,
        "error": "",
    }
    if not handle:
        return await page(request, "remote/follow.html", context)
    services = _services(request)
    try:
        target = await subscribe_url(services.fetcher, services.keys, handle, space.actor.ap_id)
    except ServiceError as exc:
        return await page(
            request, "remote/follow.html", {**context, "error": exc.message}, status_code=400
        )
    except FederationError:
        message = _("Your server could not be reached. Check the address and try again.")
        return await page(
            request, "remote/follow.html", {**context, "error": message}, status_code=502
        )
    return RedirectResponse(target, status_code=303)


async def _actor_relation(actor: Actor, auth: Auth) -> dict:
    """How the logged-in person stands with `actor` (the buttons of partials/relation.html)."""
    if auth.space is None or actor.id == auth.space.actor_id:
        return {}
    mine = await Follow.get_or_none(follower_id=auth.space.actor_id, followed_id=actor.id)
    theirs = await Follow.get_or_none(follower_id=actor.id, followed_id=auth.space.actor_id)
    return {
        "actor_id": actor.id,
        "following": mine is not None and mine.state == FollowState.ACCEPTED,
        "requested": mine is not None and mine.state == FollowState.PENDING,
        "friends": bool(mine and theirs and mine.state == theirs.state == FollowState.ACCEPTED),
        "blocked": await blocks.is_blocking(auth.space.actor_id, actor.id),
    }


async def authorize_interaction(request: Request) -> Response:
    """`/authorize_interaction?uri=@user@host|URL`: the remote actor's card, to befriend."""
    auth = await get_auth(request)
    uri = request.query_params.get("uri", "").strip()
    if auth.account is None:
        back = f"{request.url.path}?uri={quote(uri, safe='')}"
        return RedirectResponse(f"/login?next={quote(back, safe='')}", status_code=303)
    context: dict = {"uri": uri, "error": "", "actor": None}
    try:
        actor = await follows.resolve_remote(_services(request).remote_actors, uri)
    except (ServiceError, FederationError):
        context["error"] = _("No one was found at that address.")
        return await page(request, "remote/authorize.html", context, status_code=404)
    return await _actor_page(request, actor, auth, "remote/authorize.html", context)


async def _actor_page(
    request: Request, actor: Actor, auth: Auth, template: str, context: dict
) -> Response:
    viewer = await viewer_of(request)
    recent = (
        await Item.filter(
            viewer.item_filter(), author_id=actor.id, root_id=None, kind__in=["status", "blog"]
        )
        .order_by("-published_at", "-id")
        .limit(10)
    )
    posts = await remote_writes.remote_wall_posts(actor, viewer)
    full = {
        **context,
        "actor": actor,
        "person": person(actor),
        "profile_url": actor.url or actor.ap_id,
        "relation": await _actor_relation(actor, auth),
        "cards": await item_cards(_services(request).urls, recent, viewer),
        "wall_posts": [
            {
                "author": person(p.author),
                "content_html": p.content_html,
                "when": when(p.published_at),
            }
            for p in posts
        ],
        "has_wall": remote_writes.remote_wall(actor) is not None,
        "can_write": auth.space is not None and not actor.is_local,
    }
    return await page(request, template, full)


async def _remote_actor(request: Request) -> Actor:
    actor = await Actor.get_or_none(id=int(request.path_params["actor_id"]), deleted_at=None)
    if actor is None:
        raise NotFound(_("No such person."))
    return actor


async def actor_card(request: Request) -> Response:
    """A remote person's card; local people are sent to their space."""
    actor = await _remote_actor(request)
    if actor.is_local:
        return RedirectResponse(f"/@{actor.username}", status_code=303)
    auth = await get_auth(request)
    return await _actor_page(request, actor, auth, "remote/actor.html", {})


@form_endpoint
async def write_on_wall(request: Request, form: FormData) -> Response:
    """Leave a message on a remote person's wall (their guestbook)."""
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to write in guestbooks."))
    await count_write(request, auth)
    actor = await _remote_actor(request)
    await remote_writes.write_on_remote_wall(
        _services(request).urls,
        writer_space=auth.space,
        owner=actor,
        text=text(form, "text"),
        private=checked(form, "private"),
    )
    return redirect(f"/remote/actors/{actor.id}")


# --- Remote posts ----------------------------------------------------------------------------


async def remote_item(request: Request) -> Response:
    """A remote post here: its card, its thread and a comment form (comments: to its root)."""
    viewer = await viewer_of(request)
    item = await Item.get_or_none(id=int(request.path_params["item_id"]))
    if item is None or not viewer.can_see(item):
        raise NotFound(_("No such item."))
    if item.root_id is not None:
        return RedirectResponse(f"/remote/items/{item.root_id}#c{item.id}", status_code=303)
    if item.is_local:  # a local item has its own page (the path only: never off-site)
        return RedirectResponse(urlsplit(item.ap_id).path or "/", status_code=303)
    if item.space_id is not None:  # a remote guestbook message: shown on its wall only
        raise NotFound(_("No such item."))
    author = await Actor.get(id=item.author_id)
    cards = await item_cards(_services(request).urls, [item], viewer, with_authors=True)
    context = {
        "item": item,
        "card": cards[0],
        "author": person(author),
        "author_card": f"/remote/actors/{author.id}",
        "original_url": item.url or item.ap_id,
        "thread": await comments.thread(item, viewer),
        "viewer_actor_id": viewer.actor_id,
    }
    return await page(request, "remote/item.html", context)


@form_endpoint
async def comment(request: Request, form: FormData) -> Response:
    """Comment on a remote post, or reply to a comment in its thread."""
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to do that."))
    await count_write(request, auth)
    root_id = int(request.path_params["item_id"])
    reply_to = text(form, "reply_to")
    created = await remote_writes.comment_on_remote(
        _services(request).urls,
        author_space=auth.space,
        target_id=int(reply_to) if reply_to.isdigit() else root_id,
        text=text(form, "text"),
        viewer=await viewer_of(request),
    )
    return redirect(f"/remote/items/{root_id}#c{created.id}")


# --- The media proxy -------------------------------------------------------------------------


async def _proxied(request: Request, url: str) -> Response:
    services = _services(request)
    cache_dir = services.settings.data_path / "cache" / "remote-media"
    try:
        image = await media_proxy.fetch_image(
            services.http, url, cache_dir, allow_http=services.settings.federation.allow_http
        )
    except media_proxy.ProxyError:
        raise NotFound(_("No such file.")) from None
    headers = {
        "Cache-Control": PROXY_CACHE,
        "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(image.path, media_type=image.mime, headers=headers)


async def proxy_media(request: Request) -> Response:
    """A remote attachment, for viewers who may see the item it belongs to."""
    media = await Media.get_or_none(capability=request.path_params["capability"])
    item = await Item.get_or_none(id=media.item_id) if media and media.item_id else None
    viewer = await viewer_of(request)
    if media is None or not media.remote_url or item is None or not viewer.can_see(item):
        raise NotFound(_("No such file."))
    return await _proxied(request, media.remote_url)


async def proxy_avatar(request: Request) -> Response:
    """A remote person's avatar."""
    actor = await Actor.get_or_none(id=int(request.path_params["actor_id"]), is_local=False)
    if actor is None or not actor.icon_url:
        raise NotFound(_("No such file."))
    return await _proxied(request, actor.icon_url)
