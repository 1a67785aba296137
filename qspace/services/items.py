"""Publishing and reading items: status updates and blog posts (albums and comments build on it)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from qspace.html import render_markdown, slugify
from qspace.i18n import gettext as _
from qspace.models import Audience, FriendGroup, Item, ItemKind, ItemState, ItemTag, Media, Space
from qspace.services import federate, freshness
from qspace.services.audience import Viewer
from qspace.services.errors import NotFound, ServiceError
from qspace.services.policy import clean_policy
from qspace.services.text import render_text
from qspace.urls import Urls

STATUS_MAX_CHARS = 5000
STATUS_MAX_PHOTOS = 9
BLOG_MAX_CHARS = 200_000
TITLE_MAX_CHARS = 300
# The audiences a local author can choose (the others describe remote addressing).
LOCAL_AUDIENCES = (Audience.PUBLIC, Audience.FRIENDS, Audience.GROUP, Audience.PRIVATE)


def now() -> datetime:
    return datetime.now(UTC)


def _check_audience(audience: str) -> Audience:
    try:
        value = Audience(audience)
    except ValueError:
        value = None
    if value not in LOCAL_AUDIENCES:
        choices = ", ".join(a.value for a in LOCAL_AUDIENCES)
        raise ServiceError(_("Audience must be one of %(choices)s.") % {"choices": choices})
    return value


def _item_policy(comment_policy: str) -> dict[str, str] | None:
    """This item's own rule for comments, or None to follow the space's (services/policy.py)."""
    cleaned = clean_policy({"comment": comment_policy})
    return cleaned or None


async def _check_group(space: Space, audience: Audience, group_id: int | None) -> int | None:
    """The group an item is addressed to: required for the group audience, else none."""
    if audience != Audience.GROUP:
        return None
    if group_id is None or not await FriendGroup.filter(id=group_id, space_id=space.id).exists():
        raise ServiceError(_("Choose one of your friend groups for this audience."))
    return group_id


async def _unique_slug(space: Space, title: str) -> str:
    base = slugify(title)
    slug, n = base, 1
    while await Item.filter(space_id=space.id, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


async def publish_status(
    urls: Urls,
    space: Space,
    *,
    text: str,
    audience: str = "public",
    mood: str = "",
    group_id: int | None = None,
    media: list[Media] | None = None,
    comment_policy: str = "",
) -> Item:
    """Publish a status update (plain text; links, mentions and hashtags become links).

    Raises ServiceError for empty or too long text or a bad audience.
    """
    text = text.strip()
    if not text and not media:
        raise ServiceError(_("A status update needs some text."))
    if len(text) > STATUS_MAX_CHARS:
        raise ServiceError(
            _("Status updates may have at most %(count)d characters.") % {"count": STATUS_MAX_CHARS}
        )
    if len(media or []) > STATUS_MAX_PHOTOS:
        raise ServiceError(
            _("A status update may have at most %(count)d photos.") % {"count": STATUS_MAX_PHOTOS}
        )
    chosen = _check_audience(audience)
    group = await _check_group(space, chosen, group_id)
    rendered = await render_text(urls, text, tag_space=space.name)
    async with in_transaction():
        item = await Item.create(
            ap_id=f"urn:qspace:pending:{space.id}:{now().timestamp()}",
            kind=ItemKind.STATUS,
            author_id=space.actor_id,
            space=space,
            policy=_item_policy(comment_policy),
            audience=chosen,
            group_id=group,
            source=text,
            source_type="text",
            content_html=rendered.html,
            mood=mood.strip()[:100],
            published_at=now(),
        )
        # The id is part of the URL, so the URL is set once the row exists.
        item.ap_id = urls.status(space.name, item.id)
        await item.save(update_fields=["ap_id"])
        await _save_tags(item, rendered.tags)
        for position, m in enumerate(media or []):
            await Media.filter(id=m.id, owner_id=space.id).update(
                item_id=item.id, position=position
            )
    await freshness.touch(space.id)
    await federate.sync_item(item)  # federation: a Create to the audience (issue 6)
    return item


async def publish_blog_post(
    urls: Urls,
    space: Space,
    *,
    title: str,
    markdown: str,
    audience: str = "public",
    tags: list[str] | None = None,
    draft: bool = False,
    group_id: int | None = None,
    comment_policy: str = "",
) -> Item:
    """Publish (or save as a draft) a Markdown blog post; its slug is fixed from the title.

    Raises ServiceError for a missing title, empty or too long body or a bad audience.
    """
    title = title.strip()
    if not title:
        raise ServiceError(_("A blog post needs a title."))
    if len(title) > TITLE_MAX_CHARS:
        raise ServiceError(
            _("Titles may have at most %(count)d characters.") % {"count": TITLE_MAX_CHARS}
        )
    if not markdown.strip():
        raise ServiceError(_("A blog post needs some text."))
    if len(markdown) > BLOG_MAX_CHARS:
        raise ServiceError(
            _("Blog posts may have at most %(count)d characters.") % {"count": BLOG_MAX_CHARS}
        )
    chosen = _check_audience(audience)
    group = await _check_group(space, chosen, group_id)
    html = render_markdown(markdown)
    async with in_transaction():
        slug = await _unique_slug(space, title)
        item = await Item.create(
            ap_id=urls.blog_post(space.name, slug),
            kind=ItemKind.BLOG,
            author_id=space.actor_id,
            space=space,
            policy=_item_policy(comment_policy),
            audience=chosen,
            group_id=group,
            state=ItemState.DRAFT if draft else ItemState.PUBLISHED,
            title=title,
            slug=slug,
            source=markdown,
            source_type="markdown",
            content_html=html,
            published_at=None if draft else now(),
        )
        await _save_tags(item, tags or [])
    await freshness.touch(space.id)
    await federate.sync_item(item)  # federation: a Create to the audience (drafts stay here)
    return item


async def _save_tags(item: Item, tags: list[str]) -> None:
    clean = sorted({t.strip().lstrip("#").lower()[:100] for t in tags if t.strip().lstrip("#")})
    if clean:
        await ItemTag.bulk_create([ItemTag(item_id=item.id, tag=t) for t in clean])


async def space_items(
    space: Space, viewer: Viewer, *, kinds: tuple[ItemKind, ...], limit: int = 20
) -> list[Item]:
    """The newest items of `space` of the given kinds that `viewer` may see."""
    return (
        await Item.filter(viewer.item_filter(), space_id=space.id, kind__in=list(kinds))
        .filter(author_id=space.actor_id)
        .order_by("-published_at", "-id")
        .limit(limit)
    )


async def get_visible_item(item_id: int, viewer: Viewer) -> Item:
    """An item by id if `viewer` may see it; NotFound otherwise (never Forbidden: a hidden item
    must not reveal that it exists)."""
    item = await Item.get_or_none(id=item_id)
    if item is None or not viewer.can_see(item):
        raise NotFound(_("No such item."))
    return item


async def get_blog_post(space: Space, slug: str, viewer: Viewer) -> Item:
    """A blog post by its slug, if the viewer may see it (drafts: the author only)."""
    item = await Item.get_or_none(space_id=space.id, slug=slug, kind=ItemKind.BLOG)
    if item is None or not viewer.can_see(item):
        raise NotFound(_("No such blog post."))
    return item


async def edit_blog_post(
    item: Item,
    *,
    actor_id: int,
    title: str,
    markdown: str,
    audience: str,
    tags: list[str] | None = None,
    draft: bool = False,
    group_id: int | None = None,
    comment_policy: str = "",
) -> Item:
    """Change a blog post; its slug and URL stay. Publishing a draft sets its date; editing a
    published post records `updated_at`. Raises Forbidden for anyone but the author."""
    if item.author_id != actor_id or item.kind != ItemKind.BLOG or item.deleted_at:
        raise NotFound(_("No such blog post."))
    title = title.strip()
    if not title or len(title) > TITLE_MAX_CHARS:
        raise ServiceError(
            _("A blog post needs a title of at most %(count)d characters.")
            % {"count": TITLE_MAX_CHARS}
        )
    if not markdown.strip() or len(markdown) > BLOG_MAX_CHARS:
        raise ServiceError(
            _("A blog post needs text, at most %(count)d characters.") % {"count": BLOG_MAX_CHARS}
        )
    was_published = item.state == ItemState.PUBLISHED
    item.title = title
    item.source = markdown
    item.content_html = render_markdown(markdown)
    item.audience = _check_audience(audience)
    item.policy = _item_policy(comment_policy)
    space = await Space.get(id=item.space_id)
    item.group_id = await _check_group(space, item.audience, group_id)
    if draft and not was_published:
        item.state = ItemState.DRAFT
    else:
        item.state = ItemState.PUBLISHED
        if was_published:
            item.updated_at = now()
        else:
            item.published_at = now()
    async with in_transaction():
        await item.save()
        await Item.filter(root_id=item.id).update(audience=item.audience, group_id=item.group_id)
        if tags is not None:
            await ItemTag.filter(item_id=item.id).delete()
            await _save_tags(item, tags)
    await freshness.touch(item.space_id)
    await federate.sync_item(item)  # federation: Update, or Create/Delete as the audience moved
    return item


async def delete_item(item: Item, *, actor_id: int) -> None:
    """Delete one's own item: it becomes a tombstone (its URL answers 410) and its text goes."""
    if item.author_id != actor_id or item.deleted_at is not None:
        raise NotFound(_("No such item."))
    async with in_transaction():
        item.deleted_at = now()
        item.content_html = ""
        item.source = ""
        item.title = ""
        await item.save(update_fields=["deleted_at", "content_html", "source", "title"])
        await ItemTag.filter(item_id=item.id).delete()
    await freshness.touch(item.space_id)
    await federate.item_deleted(item)  # federation: a Delete to everyone who received it


BLOG_PAGE_SIZE = 10


async def blog_page(space: Space, viewer: Viewer, page: int = 1) -> tuple[list[Item], bool]:
    """One page of the space's blog (drafts only for the author); returns (posts, has_more)."""
    page = max(page, 1)
    posts = (
        await Item.filter(viewer.item_filter(), space_id=space.id, kind=ItemKind.BLOG)
        .filter(author_id=space.actor_id)
        .order_by("-published_at", "-id")
        .offset((page - 1) * BLOG_PAGE_SIZE)
        .limit(BLOG_PAGE_SIZE + 1)
    )
    return posts[:BLOG_PAGE_SIZE], len(posts) > BLOG_PAGE_SIZE


async def tags_of(item_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in await ItemTag.filter(item_id__in=item_ids).order_by("tag"):
        found.setdefault(row.item_id, []).append(row.tag)
    return found


async def tagged(space: Space, tag: str, viewer: Viewer, limit: int = 50) -> list[Item]:
    """The space's items with a hashtag, visible to the viewer."""
    ids = await ItemTag.filter(tag=tag.lower()).values_list("item_id", flat=True)
    return (
        await Item.filter(viewer.item_filter(), id__in=list(ids), space_id=space.id)
        .filter(author_id=space.actor_id)
        .order_by("-published_at", "-id")
        .limit(limit)
    )
