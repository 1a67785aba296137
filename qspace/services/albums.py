"""Photo albums: albums and their photos, covers, order, alt text and the optional gate.

An album is an ALBUM item; each photo is a PHOTO item with `container` = the album, the album's
audience and group copied onto it, a `position`, and one Media row. The album's cover is the
photo whose Media has the role "cover" (there is no cover column); an album with photos always
has exactly one. Callers check that the person owns the space before calling a function that
changes an album. Gate: see `unlock()`.
"""

from __future__ import annotations

import asyncio
import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from qspace.i18n import gettext as _
from qspace.models import Audience, FriendGroup, Item, ItemKind, Media, Session, Space
from qspace.passwords import hash_password, verify_password
from qspace.services import federate, freshness, limits
from qspace.services.audience import Viewer
from qspace.services.errors import NotFound, ServiceError
from qspace.services.items import LOCAL_AUDIENCES, TITLE_MAX_CHARS, now
from qspace.services.text import render_text
from qspace.services.uploads import (
    SpooledUpload,
    check_alt,
    delete_media_files,
    media_path,
    store_image,
)
from qspace.settings import Settings
from qspace.urls import Urls

DESCRIPTION_MAX_CHARS = 5000
GATE_QUESTION_MAX_CHARS = 300
GATE_ANSWER_MAX_CHARS = 200
UNLOCK_ATTEMPTS_PER_MINUTE = 10
PHOTOS_PER_PAGE = 60
# Session.data key: {album id (str): fingerprint of the gate answer hash it was unlocked with}.
UNLOCKED_KEY = "unlocked_albums"
PHOTO_ROLE = "photo"
COVER_ROLE = "cover"


class Gate(StrEnum):
    NONE = "none"
    QUESTION = "question"  # a question shown to visitors, with an answer they must give
    PASSPHRASE = "passphrase"  # no question: visitors must know the passphrase


@dataclass(frozen=True)
class AlbumFields:
    """What the album form carries. On edit, a blank `gate_answer` keeps the current answer."""

    title: str
    description: str = ""
    audience: str = "public"
    group_id: int | None = None
    gate: str = Gate.NONE
    gate_question: str = ""
    gate_answer: str = ""


@dataclass
class UploadResult:
    """Photos added by `add_photos`, and each refused file with the reason."""

    added: list[Item] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def normalise_answer(answer: str) -> str:
    """The form gate answers are compared in: NFKC, whitespace trimmed and collapsed, casefolded."""
    return " ".join(unicodedata.normalize("NFKC", answer).split()).casefold()


async def _checked_fields(space: Space, fields: AlbumFields, album: Item | None) -> dict[str, Any]:
    """Validate the form and return the item columns it sets; raise ServiceError."""
    title = fields.title.strip()
    if not title:
        raise ServiceError(_("An album needs a title."))
    if len(title) > TITLE_MAX_CHARS:
        raise ServiceError(
            _("Titles may have at most %(count)d characters.") % {"count": TITLE_MAX_CHARS}
        )
    description = fields.description.strip()
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise ServiceError(
            _("Descriptions may have at most %(count)d characters.")
            % {"count": DESCRIPTION_MAX_CHARS}
        )
    audience = next((a for a in LOCAL_AUDIENCES if a.value == fields.audience), None)
    if audience is None:
        raise ServiceError(
            _("Audience must be one of %(choices)s.") % {"choices": ", ".join(LOCAL_AUDIENCES)}
        )
    group_id = None
    if audience == Audience.GROUP:
        group_id = fields.group_id
        if (
            group_id is None
            or not await FriendGroup.filter(id=group_id, space_id=space.id).exists()
        ):
            raise ServiceError(_("Choose one of your friend groups for this audience."))
    return {
        "title": title,
        "source": description,
        "audience": audience,
        "group_id": group_id,
        **await _gate_columns(fields, album),
    }


async def _gate_columns(fields: AlbumFields, album: Item | None) -> dict[str, Any]:
    if fields.gate not in {g.value for g in Gate}:
        raise ServiceError(_("Choose no gate, a question or a passphrase."))
    if fields.gate == Gate.NONE:
        return {"gate_question": None, "gate_answer_hash": None}
    question = fields.gate_question.strip() if fields.gate == Gate.QUESTION else ""
    if fields.gate == Gate.QUESTION and not question:
        raise ServiceError(_("Write the question visitors must answer."))
    if len(question) > GATE_QUESTION_MAX_CHARS:
        raise ServiceError(
            _("Questions may have at most %(count)d characters.")
            % {"count": GATE_QUESTION_MAX_CHARS}
        )
    answer = normalise_answer(fields.gate_answer)
    if len(answer) > GATE_ANSWER_MAX_CHARS:
        raise ServiceError(
            _("Answers may have at most %(count)d characters.") % {"count": GATE_ANSWER_MAX_CHARS}
        )
    if answer:
        # argon2 takes tens of milliseconds on purpose: keep it off the event loop.
        answer_hash = await asyncio.to_thread(hash_password, answer)
    elif album is not None and album.gate_answer_hash:
        answer_hash = album.gate_answer_hash
    else:
        raise ServiceError(_("Write the answer (or passphrase) that opens the album."))
    return {"gate_question": question, "gate_answer_hash": answer_hash}


async def create_album(urls: Urls, space: Space, fields: AlbumFields) -> Item:
    """Create an empty album; its URL (and ActivityPub id) is fixed from its id.

    Raises ServiceError for a missing or too long title, a bad audience or group, or a gate
    without its question or answer.
    """
    columns = await _checked_fields(space, fields, None)
    html = (await render_text(urls, columns["source"])).html if columns["source"] else ""
    async with in_transaction():
        album = await Item.create(
            ap_id=f"urn:qspace:pending:{space.id}:{now().timestamp()}",
            kind=ItemKind.ALBUM,
            author_id=space.actor_id,
            space=space,
            source_type="text",
            content_html=html,
            published_at=now(),
            **columns,
        )
        # The id is part of the URL, so the URL is set once the row exists.
        album.ap_id = urls.album(space.name, album.id)
        await album.save(update_fields=["ap_id"])
    await freshness.touch(space.id)
    return album


async def edit_album(urls: Urls, space: Space, album: Item, fields: AlbumFields) -> Item:
    """Change an album's title, description, audience and gate; its URL stays.

    The audience (and group) is copied to its photos and to the comments on them. Changing
    the gate answer locks the album again for everyone who had unlocked it. Raises
    ServiceError like `create_album`.
    """
    columns = await _checked_fields(space, fields, album)
    html = (await render_text(urls, columns["source"])).html if columns["source"] else ""
    for name, value in {**columns, "content_html": html, "updated_at": now()}.items():
        setattr(album, name, value)
    photo_ids = await Item.filter(container_id=album.id).values_list("id", flat=True)
    async with in_transaction():
        await album.save()
        await Item.filter(
            Q(container_id=album.id) | Q(root_id=album.id) | Q(root_id__in=list(photo_ids))
        ).update(audience=album.audience, group_id=album.group_id)
    await freshness.touch(space.id)
    await federate.album_changed(album)  # federation: only-me now? its updates are deleted
    return album


async def delete_album(album: Item, settings: Settings) -> None:
    """Delete an album with its photos, their comments, their Media rows and their files.

    The album and photo rows stay as tombstones (their URLs answer 410 Gone, as every deleted
    item's do), emptied of their text; comments, media rows and files go.
    """
    photo_ids = list(await Item.filter(container_id=album.id).values_list("id", flat=True))
    media = await Media.filter(item_id__in=[album.id, *photo_ids])
    deletes = await federate.prepare_album_delete(album)  # federation: built while rows exist
    async with in_transaction():
        await Media.filter(id__in=[m.id for m in media]).delete()
        await Item.filter(root_id__in=[album.id, *photo_ids]).delete()
        await _tombstone([album.id, *photo_ids])
    # Files go after the commit: a failed transaction must not leave rows without files.
    delete_media_files(media, settings)
    await freshness.touch(album.space_id)
    await federate.send_prepared(deletes)  # federation: Deletes of the album's update Notes


async def add_photos(
    urls: Urls,
    space: Space,
    album: Item,
    uploads: Sequence[tuple[str, SpooledUpload | Path]],
    *,
    settings: Settings,
) -> UploadResult:
    """Add uploaded images, given as (file name, upload), to the end of an album.

    Each file stands alone: a refused one (not an image, too large, corrupt) is reported in
    `refused` with its reason and the others are still added. The first photo of an empty
    album becomes its cover.
    """
    result = UploadResult()
    last = await Item.filter(container_id=album.id).order_by("-position").first()
    position = last.position + 1 if last else 0
    for filename, upload in uploads:
        try:
            media = await store_image(space, upload, role=PHOTO_ROLE, settings=settings)
        except ServiceError as exc:
            result.refused.append((filename[:100], exc.message))
            continue
        try:
            result.added.append(await _photo_for(urls, space, album, media, position))
        except BaseException:
            await Media.filter(id=media.id).delete()
            delete_media_files([media], settings)
            raise
        position += 1
    if result.added:
        album.updated_at = now()
        await album.save(update_fields=["updated_at"])
        await _ensure_cover(album)
    await freshness.touch(space.id)
    await federate.photos_added(album, result.added)  # federation: a Note with the new photos
    return result


async def _photo_for(urls: Urls, space: Space, album: Item, media: Media, position: int) -> Item:
    async with in_transaction():
        photo = await Item.create(
            ap_id=f"urn:qspace:pending:photo:{media.capability}",
            kind=ItemKind.PHOTO,
            author_id=space.actor_id,
            space=space,
            audience=album.audience,
            group_id=album.group_id,
            container_id=album.id,
            position=position,
            published_at=now(),
        )
        photo.ap_id = urls.photo(space.name, photo.id)
        await photo.save(update_fields=["ap_id"])
        await Media.filter(id=media.id).update(item_id=photo.id)
    return photo


async def _first_media(album_id: int) -> Media | None:
    """The Media of the album's first live photo, if any."""
    in_album = Media.filter(item__container_id=album_id, item__deleted_at=None)
    return await in_album.order_by("item__position", "item_id").first()


async def _ensure_cover(album: Item) -> None:
    """Make the first photo the cover when the album has photos but no cover."""
    live = Media.filter(item__container_id=album.id, item__deleted_at=None, role=COVER_ROLE)
    if await live.exists():
        return
    first = await _first_media(album.id)
    if first is not None:
        await Media.filter(id=first.id).update(role=COVER_ROLE)


async def set_cover(photo: Item) -> None:
    """Make `photo` the cover of its album (the previous cover becomes a plain photo)."""
    async with in_transaction():
        await Media.filter(item__container_id=photo.container_id, role=COVER_ROLE).update(
            role=PHOTO_ROLE
        )
        await Media.filter(item_id=photo.id).update(role=COVER_ROLE)
    await freshness.touch(photo.space_id)


async def set_alt_texts(album: Item, alts: Mapping[int, str]) -> int:
    """Set the alt text of photos of `album` by photo id; ids of other items are ignored.

    Returns how many photos were updated. Raises ServiceError (changing nothing) if a text
    is too long.
    """
    checked = {photo_id: check_alt(alt) for photo_id, alt in alts.items()}
    ids = set(
        await Item.filter(container_id=album.id, id__in=list(checked)).values_list("id", flat=True)
    )
    async with in_transaction():
        for photo_id in ids:
            await Media.filter(item_id=photo_id).update(alt=checked[photo_id])
    await freshness.touch(album.space_id)
    return len(ids)


async def move_photo(photo: Item, offset: int) -> None:
    """Move a photo `offset` places later (negative: earlier) in its album; clamped at the ends."""
    order = list(
        await Item.filter(container_id=photo.container_id, deleted_at=None)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )
    old = order.index(photo.id)
    new = min(max(old + offset, 0), len(order) - 1)
    order.insert(new, order.pop(old))
    await reorder_photos(photo.container_id, order)
    await freshness.touch(photo.space_id)


async def reorder_photos(album_id: int, ordered_ids: Sequence[int]) -> None:
    """Put the album's photos in the order given; photos not listed follow in their order."""
    current = await Item.filter(container_id=album_id).order_by("position", "id")
    by_id = {p.id: p for p in current}
    listed = [by_id[i] for i in dict.fromkeys(ordered_ids) if i in by_id]
    rest = [p for p in current if p.id not in set(ordered_ids)]
    async with in_transaction():
        for position, photo in enumerate([*listed, *rest]):
            if photo.position != position:  # a move of one place rewrites two rows
                await Item.filter(id=photo.id).update(position=position)


async def _tombstone(item_ids: list[int]) -> None:
    """Mark items deleted and drop their text; the rows keep their ids (410 Gone)."""
    await Item.filter(id__in=item_ids).update(
        deleted_at=datetime.now(UTC),
        title="",
        summary="",
        source="",
        content_html="",
        gate_question=None,
        gate_answer_hash=None,
    )


async def delete_photo(photo: Item, settings: Settings) -> None:
    """Delete a photo with its comments, Media row and files; a new cover is picked if needed."""
    media = await Media.filter(item_id=photo.id)
    async with in_transaction():
        await Media.filter(item_id=photo.id).delete()
        await Item.filter(root_id=photo.id).delete()
        await _tombstone([photo.id])
    delete_media_files(media, settings)
    album = await Item.get_or_none(id=photo.container_id)
    if album is not None:
        await _ensure_cover(album)
    await freshness.touch(photo.space_id)


# Gate ----------------------------------------------------------------------------------------


def is_gated(album: Item) -> bool:
    return album.gate_answer_hash is not None


def _fingerprint(album: Item) -> str:
    return hashlib.sha256((album.gate_answer_hash or "").encode()).hexdigest()[:16]


def is_unlocked(album: Item, session_data: Mapping[str, Any] | None, *, owner: bool) -> bool:
    """True if the album has no gate, the viewer owns it, or this session unlocked it."""
    if not is_gated(album) or owner:
        return True
    unlocked = (session_data or {}).get(UNLOCKED_KEY)
    return isinstance(unlocked, dict) and unlocked.get(str(album.id)) == _fingerprint(album)


async def unlock(album: Item, answer: str, *, session: Session, ip: str | None = None) -> bool:
    """Check a gate answer; when right, remember in `session` that it opened this album.

    Raises TooManyRequests past UNLOCK_ATTEMPTS_PER_MINUTE attempts per session and album
    (and per client address over all albums, so new sessions do not buy new guesses).
    """
    if not is_gated(album):
        return True
    await limits.hit(f"unlock:{session.id}:{album.id}", UNLOCK_ATTEMPTS_PER_MINUTE)
    if ip:
        await limits.hit(f"unlock-ip:{ip}", UNLOCK_ATTEMPTS_PER_MINUTE * 3)
    normalised = normalise_answer(answer)[: GATE_ANSWER_MAX_CHARS + 1]
    if not await asyncio.to_thread(verify_password, album.gate_answer_hash, normalised):
        return False
    data = dict(session.data or {})
    unlocked = data.get(UNLOCKED_KEY)
    unlocked = dict(unlocked) if isinstance(unlocked, dict) else {}
    unlocked[str(album.id)] = _fingerprint(album)
    data[UNLOCKED_KEY] = unlocked
    session.data = data
    await session.save(update_fields=["data"])
    return True


# Reading -------------------------------------------------------------------------------------


async def find_album(space: Space, album_id: int, viewer: Viewer, *, owner: bool = False) -> Item:
    """An album of `space` the viewer may see (the owner sees all); NotFound otherwise."""
    album = await Item.get_or_none(
        id=album_id, space_id=space.id, kind=ItemKind.ALBUM, author_id=space.actor_id
    )
    if album is None or album.deleted_at or not (owner or viewer.can_see(album)):
        raise NotFound(_("No such album."))
    return album


async def find_photo(
    space: Space, photo_id: int, viewer: Viewer, *, owner: bool = False
) -> tuple[Item, Item]:
    """A photo of `space` and its album, both visible to the viewer; NotFound otherwise."""
    photo = await Item.get_or_none(id=photo_id, space_id=space.id, kind=ItemKind.PHOTO)
    if photo is None or photo.deleted_at or photo.container_id is None:
        raise NotFound(_("No such photo."))
    if not (owner or viewer.can_see(photo)):
        raise NotFound(_("No such photo."))
    try:
        album = await find_album(space, photo.container_id, viewer, owner=owner)
    except NotFound:
        raise NotFound(_("No such photo.")) from None
    return photo, album


def _src(media: Media, variant: str) -> str:
    chosen = variant if variant in media.variants else "original"
    return media_path(media.capability, chosen)


def photo_card(photo: Item, media: Media) -> dict[str, Any]:
    """What pages show of one photo: page URL, alt text and variant URLs with sizes."""
    small = media.variants.get("small") or media.variants.get("original") or {}
    large = media.variants.get("large") or media.variants.get("original") or {}
    return {
        "id": photo.id,
        "url": photo.ap_id,
        "alt": media.alt,
        "is_cover": media.role == COVER_ROLE,
        "thumb": _src(media, "small"),
        "thumb_2x": _src(media, "medium"),
        "thumb_width": small.get("width"),
        "thumb_height": small.get("height"),
        "large": _src(media, "large"),
        "large_width": large.get("width"),
        "large_height": large.get("height"),
        "medium": _src(media, "medium"),
        "original": _src(media, "original"),
    }


async def album_photos(
    album: Item, *, page: int = 1, per_page: int = PHOTOS_PER_PAGE, ids: Sequence[int] = ()
) -> tuple[list[dict[str, Any]], bool]:
    """One page of an album's photos in order (or just those in `ids`); returns (cards, more)."""
    query = Item.filter(container_id=album.id, kind=ItemKind.PHOTO, deleted_at=None)
    if ids:
        query = query.filter(id__in=list(ids))
    page = max(page, 1)
    photos = (
        await query.order_by("position", "id").offset((page - 1) * per_page).limit(per_page + 1)
    )
    media = {m.item_id: m for m in await Media.filter(item_id__in=[p.id for p in photos])}
    cards = [photo_card(p, media[p.id]) for p in photos[:per_page] if p.id in media]
    return cards, len(photos) > per_page


async def photo_neighbours(photo: Item) -> tuple[str | None, str | None]:
    """The page URLs of the photos before and after `photo` in its album (None at the ends)."""
    siblings = Item.filter(container_id=photo.container_id, deleted_at=None)
    before = Q(position__lt=photo.position) | Q(position=photo.position, id__lt=photo.id)
    after = Q(position__gt=photo.position) | Q(position=photo.position, id__gt=photo.id)
    prev = await siblings.filter(before).order_by("-position", "-id").first()
    following = await siblings.filter(after).order_by("position", "id").first()
    return (prev.ap_id if prev else None, following.ap_id if following else None)


async def photo_media(photo: Item) -> Media:
    """The Media row of a photo; NotFound if it has none."""
    media = await Media.get_or_none(item_id=photo.id)
    if media is None:
        raise NotFound(_("No such photo."))
    return media


async def space_albums(
    space: Space,
    viewer: Viewer,
    *,
    owner: bool = False,
    unlocked: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The space's albums the viewer may see, newest first, as dicts for pages.

    Each dict: id, title, url, cover (URL of the small variant; None while locked or empty),
    cover_alt, count (of photos), audience, gated and locked. `unlocked` is the session data.
    """
    query = Item.filter(space_id=space.id, kind=ItemKind.ALBUM, author_id=space.actor_id)
    query = query.filter(deleted_at=None) if owner else query.filter(viewer.item_filter())
    query = query.order_by("-published_at", "-id")
    albums = await (query.limit(limit) if limit else query)
    ids = [a.id for a in albums]
    counts = {
        row["container_id"]: row["n"]
        for row in await Item.filter(container_id__in=ids, kind=ItemKind.PHOTO, deleted_at=None)
        .annotate(n=Count("id"))
        .group_by("container_id")
        .values("container_id", "n")
    }
    covers = {
        m.item.container_id: m
        for m in await Media.filter(
            item__container_id__in=ids, item__deleted_at=None, role=COVER_ROLE
        ).select_related("item")
    }
    for album_id in ids:
        if album_id not in covers and counts.get(album_id):
            # The cover photo was deleted elsewhere (a tombstone): show the first photo instead.
            first = await _first_media(album_id)
            if first is not None:
                covers[album_id] = first
    cards = []
    for album in albums:
        locked = not is_unlocked(album, unlocked, owner=owner)
        cover = covers.get(album.id)
        cards.append(
            {
                "id": album.id,
                "title": album.title,
                "url": album.ap_id,
                "cover": _src(cover, "small") if cover and not locked else None,
                "cover_alt": cover.alt if cover and not locked else "",
                "count": counts.get(album.id, 0),
                "audience": album.audience.value,
                "gated": is_gated(album),
                "locked": locked,
            }
        )
    return cards


async def latest_albums(
    space: Space, viewer: Viewer, limit: int, *, unlocked: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The newest albums for the space page's albums module (same dicts as `space_albums`)."""
    owner = viewer.actor_id is not None and viewer.actor_id == space.actor_id
    return await space_albums(space, viewer, owner=owner, unlocked=unlocked, limit=limit)
