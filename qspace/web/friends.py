"""Friends pages: the friends list, friend requests, finding people, blocking."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from federation.errors import FederationError
from qspace.i18n import gettext as _
from qspace.models import Actor, Follow, FollowState, Space
from qspace.services import blocks, follows, friends, spaces
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.web.cards import person
from qspace.web.forms import checked, form_endpoint, redirect, safe_next, text
from qspace.web.render import Auth, page, require_login, viewer_of


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def _acting(request: Request) -> Auth:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to do that."))
    return auth


async def friends_page(request: Request) -> Response:
    """A space's friends; followers and following too unless the owner hides them."""
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    is_owner = viewer.actor_id == space.actor_id
    context: dict = {
        "space": space,
        "is_owner": is_owner,
        "friends": [person(a) for a in await friends.friends_of(space.actor_id)],
        "hidden": space.hide_social_graph and not is_owner,
        "followers": [],
        "following": [],
    }
    if not context["hidden"]:
        friend_ids = await friends.friend_ids(space.actor_id)
        followers = await Follow.filter(followed_id=space.actor_id, state=FollowState.ACCEPTED)
        following = await Follow.filter(follower_id=space.actor_id, state=FollowState.ACCEPTED)
        context["followers"] = [
            person(a)
            for a in await Actor.filter(
                id__in=[f.follower_id for f in followers if f.follower_id not in friend_ids]
            )
        ]
        context["following"] = [
            person(a)
            for a in await Actor.filter(
                id__in=[f.followed_id for f in following if f.followed_id not in friend_ids]
            )
        ]
    return await page(request, "friends/list.html", context)


async def requests_page(
    request: Request, context: dict | None = None, status: int = 200
) -> Response:
    """The owner's friend requests (to approve or decline), sent requests and blocks."""
    auth = await _acting(request)
    space = auth.space
    assert space is not None
    pending = await follows.pending_requests(space)
    i_follow = set(
        await Follow.filter(follower_id=space.actor_id).values_list("followed_id", flat=True)
    )
    sent = await Follow.filter(
        follower_id=space.actor_id, state=FollowState.PENDING
    ).prefetch_related("followed")
    full = {
        "requests": [
            {"id": f.id, "who": person(f.follower), "follows_back": f.follower_id in i_follow}
            for f in pending
        ],
        "sent": [{"who": person(f.followed), "id": f.followed_id} for f in sent],
        "blocked": [person(a) for a in await blocks.blocked_by(space)],
        **(context or {}),
    }
    return await page(request, "friends/requests.html", full, status_code=status)


async def show_requests(request: Request) -> Response:
    return await requests_page(request)


async def _target(request: Request, form: FormData) -> Actor:
    try:
        actor_id = int(text(form, "actor_id"))
    except ValueError:
        raise NotFound(_("No such person.")) from None
    actor = await Actor.get_or_none(id=actor_id)
    if actor is None:
        raise NotFound(_("No such person."))
    return actor


@form_endpoint
async def add_friend(request: Request, form: FormData) -> Response:
    """Send a friend request, by actor id (buttons) or by handle/URL (the find form)."""
    auth = await _acting(request)
    assert auth.space is not None
    services = _services(request)
    try:
        handle = text(form, "handle").strip()
        if handle:
            target = await follows.resolve_remote(services.remote_actors, handle)
        else:
            target = await _target(request, form)
        await follows.request_follow(services.urls, auth.space, target)
    except FederationError as exc:
        message = _("That server could not be reached or answered badly: %(reason)s") % {
            "reason": exc.reason
        }
        return await requests_page(
            request, {"find_error": message, "handle": text(form, "handle")}, 502
        )
    except ServiceError as exc:
        return await requests_page(
            request, {"find_error": exc.message, "handle": text(form, "handle")}, exc.status
        )
    return redirect(safe_next(text(form, "back"), "/friends/requests?done=sent"))


@form_endpoint
async def answer_request(request: Request, form: FormData) -> Response:
    """Approve (optionally following back, which makes friends) or decline a request."""
    auth = await _acting(request)
    space = auth.space
    assert space is not None
    services = _services(request)
    follow = await Follow.get_or_none(id=int(request.path_params["follow_id"]))
    if follow is None or follow.followed_id != space.actor_id:
        raise NotFound(_("No such friend request."))
    if text(form, "answer") == "approve":
        await follows.accept_follow(services.urls, space, follow)
        if checked(form, "follow_back"):
            follower = await Actor.get(id=follow.follower_id)
            if not await Follow.filter(
                follower_id=space.actor_id, followed_id=follower.id
            ).exists():
                await follows.request_follow(services.urls, space, follower)
    else:
        await follows.reject_follow(services.urls, space, follow)
    return redirect("/friends/requests")


@form_endpoint
async def unfriend(request: Request, form: FormData) -> Response:
    """Stop following someone (which ends a friendship) or withdraw a request."""
    auth = await _acting(request)
    assert auth.space is not None
    target = await _target(request, form)
    await follows.unfollow(_services(request).urls, auth.space, target)
    return redirect(safe_next(text(form, "back"), "/friends/requests"))


@form_endpoint
async def block(request: Request, form: FormData) -> Response:
    auth = await _acting(request)
    assert auth.space is not None
    target = await _target(request, form)
    if text(form, "action") == "unblock":
        await blocks.unblock(_services(request).urls, auth.space, target)
    else:
        await blocks.block(_services(request).urls, auth.space, target)
    return redirect(safe_next(text(form, "back"), "/friends/requests"))


async def relation(space: Space, viewer_space: Space | None) -> dict:
    """How the viewer stands with `space`, for the buttons on its page."""
    if viewer_space is None or viewer_space.id == space.id:
        return {}
    mine = await Follow.get_or_none(follower_id=viewer_space.actor_id, followed_id=space.actor_id)
    theirs = await Follow.get_or_none(follower_id=space.actor_id, followed_id=viewer_space.actor_id)
    blocked = await blocks.is_blocking(viewer_space.actor_id, space.actor_id)
    return {
        "actor_id": space.actor_id,
        "following": mine is not None and mine.state == FollowState.ACCEPTED,
        "requested": mine is not None and mine.state == FollowState.PENDING,
        "friends": bool(mine and theirs and mine.state == theirs.state == FollowState.ACCEPTED),
        "blocked": blocked,
    }
