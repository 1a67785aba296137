"""Rendering what people type (statuses, comments, guestbook messages, bios) with links to the
people and tags it mentions."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from qspace.html import RenderedText, render_status_text
from qspace.models import Actor
from qspace.urls import Urls


async def render_text(urls: Urls, text: str, *, tag_space: str | None = None) -> RenderedText:
    """Render plain text: URLs, `@name` / `@name@host` of known people and `#tags` become links.

    Mentions are looked up in one query (local spaces and remote actors already known); unknown
    ones stay plain text rather than guessing another server's URL layout.
    """
    seen: list[tuple[str, str | None]] = []

    def collect(user: str, host: str | None) -> None:
        seen.append((user, host))

    render_status_text(text, resolve_mention=collect)  # a first pass only finds the mentions
    local_domain = urlsplit(urls.base).netloc
    wanted = {(user.lower(), (host or local_domain).lower()) for user, host in seen}
    known: dict[tuple[str, str], str] = {}
    if wanted:
        names = [user for user, _ in wanted]
        for actor in await Actor.filter(username__in=names, deleted_at=None):
            key = (actor.username.lower(), actor.domain.lower())
            if key in wanted:
                known[key] = actor.url or actor.ap_id

    def resolve(user: str, host: str | None) -> str | None:
        return known.get((user.lower(), (host or local_domain).lower()))

    def tag_url(tag: str) -> str:
        return f"{urls.base}/@{tag_space}/tags/{quote(tag.lower(), safe='')}"

    return render_status_text(text, resolve_mention=resolve, tag_url=tag_url if tag_space else None)
