"""Item pages and actions: status updates, blog posts, tags, comments, likes and shares."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from qspace.i18n import gettext as _
from qspace.models import FriendGroup, Item, ItemKind, Media, Space
from qspace.services import comments, friends, items, limits, reactions, spaces, uploads
from qspace.services.errors import Forbidden, NotFound, ServiceError
from qspace.web.cards import item_cards
from qspace.web.forms import checked, files, form_endpoint, redirect, safe_next, text
from qspace.web.objects import blog_post_of, comment_of, served_as_object, status_of
from qspace.web.render import Auth, page, require_login, viewer_of


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def _owner_of(request: Request) -> tuple[Auth, Space]:
    """The logged-in person and the space in the URL, which must be theirs."""
    auth = await require_login(request)
    space = await spaces.get_space(request.path_params["name"])
    if auth.account is None or space.owner_id != auth.account.id:
        raise NotFound(_("No such page."))
    return auth, space


async def count_write(request: Request, auth: Auth) -> None:
    """Posts, comments and guestbook messages count against the per-account write limit."""
    assert auth.account is not None
    limit = _services(request).settings.rate_limits.writes_per_minute
    await limits.hit(f"write:{auth.account.id}", limit)


def _audience_fields(form: FormData) -> tuple[str, int | None]:
    audience = text(form, "audience", "public")
    raw_group = text(form, "group_id")
    return audience, int(raw_group) if raw_group.isdigit() else None


@form_endpoint
async def post_status(request: Request, form: FormData) -> Response:
    auth, space = await _owner_of(request)
    await count_write(request, auth)
    services = _services(request)
    audience, group_id = _audience_fields(form)
    stored: list[Media] = []
    try:
        for upload in files(form, "photos")[: items.STATUS_MAX_PHOTOS + 1]:
            stored.append(
                await uploads.store_image(space, upload, role="photo", settings=services.settings)
            )
        await items.publish_status(
            services.urls,
            space,
            text=text(form, "text"),
            audience=audience,
            group_id=group_id,
            mood=text(form, "mood"),
            media=stored,
            comment_policy=text(form, "comment_policy"),
        )
    except ServiceError:
        for m in stored:  # nothing half-posted: photos of a refused status go too
            await uploads.delete_media(m, services.settings)
        raise
    return redirect(f"/@{space.name}")


@served_as_object(status_of)  # ActivityPub clients get the Note; deleted: 410 (issue 6)
async def status_page(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    item = await items.get_visible_item(int(request.path_params["item_id"]), viewer)
    if item.kind != ItemKind.STATUS or item.space_id != space.id:
        raise NotFound(_("No such status update."))
    return await _item_page(request, space, item, "items/status.html")


async def _item_page(request: Request, space: Space, item: Item, template: str) -> Response:
    viewer = await viewer_of(request)
    cards = await item_cards(_services(request).urls, [item], viewer)
    context = {
        "space": space,
        "card": cards[0],
        "item": item,
        "thread": await comments.thread(item, viewer),
        "is_owner": viewer.actor_id == space.actor_id,
        "viewer_actor_id": viewer.actor_id,
    }
    return await page(request, template, context)


async def blog_index(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    try:
        number = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        number = 1
    posts, more = await items.blog_page(space, viewer, number)
    context = {
        "space": space,
        "posts": posts,
        "page_number": number,
        "has_more": more,
        "is_owner": viewer.actor_id == space.actor_id,
    }
    return await page(request, "items/blog_index.html", context)


@served_as_object(blog_post_of)  # ActivityPub clients get the Article; deleted: 410
async def blog_post_page(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    item = await items.get_blog_post(space, request.path_params["slug"], viewer)
    return await _item_page(request, space, item, "items/blog_post.html")


async def blog_editor(request: Request) -> Response:
    _auth, space = await _owner_of(request)
    item = None
    if "slug" in request.path_params:
        item = await items.get_blog_post(
            space, request.path_params["slug"], await viewer_of(request)
        )
    tags = (await items.tags_of([item.id])).get(item.id, []) if item else []
    context = {
        "space": space,
        "post": item,
        "tags": ", ".join(tags),
        "groups": await _groups(space),
    }
    return await page(request, "items/blog_editor.html", context)


async def _groups(space: Space) -> list[FriendGroup]:
    return await friends.groups_of(space)


def _tags(form: FormData) -> list[str]:
    return [t for t in (part.strip() for part in text(form, "tags").split(",")) if t]


@form_endpoint
async def create_blog_post(request: Request, form: FormData) -> Response:
    auth, space = await _owner_of(request)
    await count_write(request, auth)
    audience, group_id = _audience_fields(form)
    try:
        item = await items.publish_blog_post(
            _services(request).urls,
            space,
            title=text(form, "title"),
            markdown=text(form, "body"),
            audience=audience,
            group_id=group_id,
            tags=_tags(form),
            draft=checked(form, "draft"),
            comment_policy=text(form, "comment_policy"),
        )
    except ServiceError as exc:
        context = {
            "space": space,
            "post": None,
            "error": exc.message,
            "form": dict(form),
            "groups": await _groups(space),
        }
        return await page(request, "items/blog_editor.html", context, status_code=exc.status)
    return redirect(f"/@{space.name}/blog/{item.slug}")


@form_endpoint
async def update_blog_post(request: Request, form: FormData) -> Response:
    auth, space = await _owner_of(request)
    item = await items.get_blog_post(space, request.path_params["slug"], await viewer_of(request))
    audience, group_id = _audience_fields(form)
    try:
        await items.edit_blog_post(
            item,
            actor_id=space.actor_id,
            title=text(form, "title"),
            markdown=text(form, "body"),
            audience=audience,
            group_id=group_id,
            tags=_tags(form),
            draft=checked(form, "draft"),
            comment_policy=text(form, "comment_policy"),
        )
    except ServiceError as exc:
        context = {
            "space": space,
            "post": item,
            "error": exc.message,
            "form": dict(form),
            "groups": await _groups(space),
        }
        return await page(request, "items/blog_editor.html", context, status_code=exc.status)
    return redirect(f"/@{space.name}/blog/{item.slug}")


async def tag_page(request: Request) -> Response:
    space = await spaces.get_space(request.path_params["name"])
    viewer = await viewer_of(request)
    tag = request.path_params["tag"]
    found = await items.tagged(space, tag, viewer)
    cards = await item_cards(_services(request).urls, found, viewer)
    return await page(request, "items/tag.html", {"space": space, "tag": tag, "cards": cards})


async def _acting(request: Request) -> Auth:
    auth = await require_login(request)
    if auth.space is None:
        raise Forbidden(_("You need a space to do that."))
    return auth


def _back(form: FormData, default: str = "/") -> str:
    return safe_next(text(form, "back"), default)


@form_endpoint
async def like(request: Request, form: FormData) -> Response:
    auth = await _acting(request)
    assert auth.space is not None
    await reactions.toggle_like(
        int(request.path_params["item_id"]), actor=auth.space.actor, viewer=await viewer_of(request)
    )
    return redirect(_back(form))


@form_endpoint
async def share(request: Request, form: FormData) -> Response:
    auth = await _acting(request)
    assert auth.space is not None
    await reactions.toggle_share(
        int(request.path_params["item_id"]), actor=auth.space.actor, viewer=await viewer_of(request)
    )
    return redirect(_back(form))


async def likers_page(request: Request) -> Response:
    viewer = await viewer_of(request)
    item_id = int(request.path_params["item_id"])
    people = await reactions.likers(item_id, viewer)
    item = await items.get_visible_item(item_id, viewer)
    return await page(request, "items/likes.html", {"item": item, "people": people})


@form_endpoint
async def comment(request: Request, form: FormData) -> Response:
    auth = await _acting(request)
    assert auth.space is not None
    await count_write(request, auth)
    target = int(text(form, "reply_to") or request.path_params["item_id"])
    created = await comments.add_comment(
        _services(request).urls,
        author_space=auth.space,
        target_id=target,
        text=text(form, "text"),
        viewer=await viewer_of(request),
    )
    return redirect(f"{_back(form)}#c{created.id}")


@form_endpoint
async def edit_comment(request: Request, form: FormData) -> Response:
    auth = await _acting(request)
    assert auth.space is not None
    await comments.edit_comment(
        _services(request).urls,
        int(request.path_params["item_id"]),
        actor_id=auth.space.actor_id,
        text=text(form, "text"),
    )
    return redirect(_back(form))


@form_endpoint
async def delete_item(request: Request, form: FormData) -> Response:
    """Delete one's own status/post, or a comment (its author or the space owner)."""
    auth = await _acting(request)
    assert auth.space is not None
    item = await Item.get_or_none(id=int(request.path_params["item_id"]))
    if item is None:
        raise NotFound(_("No such item."))
    if item.kind == ItemKind.COMMENT:
        await comments.delete_comment(item.id, actor_id=auth.space.actor_id)
        return redirect(_back(form))
    await items.delete_item(item, actor_id=auth.space.actor_id)
    return redirect(f"/@{auth.space.name}")


@served_as_object(comment_of)  # ActivityPub clients get the Note; deleted: 410
async def comment_permalink(request: Request) -> Response:
    """A comment's own URL leads to its thread."""
    viewer = await viewer_of(request)
    item = await items.get_visible_item(int(request.path_params["item_id"]), viewer)
    if item.kind != ItemKind.COMMENT or item.root_id is None:
        raise NotFound(_("No such comment."))
    root = await items.get_visible_item(item.root_id, viewer)
    return redirect(f"{item_path(root)}#c{item.id}")


def item_path(item: Item) -> str:
    """The local path of an item's page."""
    return urlsplit(item.url or item.ap_id).path
