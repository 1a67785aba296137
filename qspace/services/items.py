"""Publishing and reading items: status updates and blog posts (albums and comments build on it)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from qspace.html import render_markdown, render_status_text, slugify
from qspace.models import Audience, Item, ItemKind, ItemState, ItemTag, Space
from qspace.services.audience import Viewer
from qspace.services.errors import NotFound, ServiceError
from qspace.urls import Urls

STATUS_MAX_CHARS = 5000
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
        raise ServiceError(f"Audience must be one of {choices}.")
    return value


async def _unique_slug(space: Space, title: str) -> str:
    base = slugify(title)
    slug, n = base, 1
    while await Item.filter(space_id=space.id, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


async def publish_status(
    urls: Urls, space: Space, *, text: str, audience: str = "public", mood: str = ""
) -> Item:
    """Publish a status update (plain text; links, mentions and hashtags become links).

    Raises ServiceError for empty or too long text or a bad audience.
    """
    text = text.strip()
    if not text:
        raise ServiceError("A status update needs some text.")
    if len(text) > STATUS_MAX_CHARS:
        raise ServiceError(f"Status updates may have at most {STATUS_MAX_CHARS} characters.")
    chosen = _check_audience(audience)
    rendered = render_status_text(text, resolve_mention=lambda user, host: None)
    async with in_transaction():
        item = await Item.create(
            ap_id=f"urn:qspace:pending:{space.id}:{now().timestamp()}",
            kind=ItemKind.STATUS,
            author_id=space.actor_id,
            space=space,
            audience=chosen,
            source=text,
            source_type="text",
            content_html=rendered.html,
            mood=mood[:100],
            published_at=now(),
        )
        # The id is part of the URL, so the URL is set once the row exists.
        item.ap_id = urls.status(space.name, item.id)
        await item.save(update_fields=["ap_id"])
        await _save_tags(item, rendered.tags)
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
) -> Item:
    """Publish (or save as a draft) a Markdown blog post; its slug is fixed from the title.

    Raises ServiceError for a missing title, empty or too long body or a bad audience.
    """
    title = title.strip()
    if not title:
        raise ServiceError("A blog post needs a title.")
    if len(title) > TITLE_MAX_CHARS:
        raise ServiceError(f"Titles may have at most {TITLE_MAX_CHARS} characters.")
    if not markdown.strip():
        raise ServiceError("A blog post needs some text.")
    if len(markdown) > BLOG_MAX_CHARS:
        raise ServiceError(f"Blog posts may have at most {BLOG_MAX_CHARS} characters.")
    chosen = _check_audience(audience)
    html = render_markdown(markdown)
    async with in_transaction():
        slug = await _unique_slug(space, title)
        item = await Item.create(
            ap_id=urls.blog_post(space.name, slug),
            kind=ItemKind.BLOG,
            author_id=space.actor_id,
            space=space,
            audience=chosen,
            state=ItemState.DRAFT if draft else ItemState.PUBLISHED,
            title=title,
            slug=slug,
            source=markdown,
            source_type="markdown",
            content_html=html,
            published_at=None if draft else now(),
        )
        await _save_tags(item, tags or [])
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
        raise NotFound("No such item.")
    return item
