"""Actors of other servers: stored in the actors table, fetched when unknown or stale.

Every fetch is signed by the instance actor (servers with authorized fetch refuse unsigned
GETs) and goes through the SSRF-guarded Fetcher. Public keys are kept in memory for a few
minutes so an inbox verifies repeated senders without a query.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.exceptions import IntegrityError

from federation.fetch import Fetcher, FetchError, NetworkError, TTLCache
from federation.signatures import PublicKeyInfo
from federation.webfinger import InvalidHandle, parse_handle, resolve
from qspace.mapping import actor_to_fields
from qspace.models import Actor
from qspace.services.errors import NotFound, ServiceError
from qspace.services.keyring import KeyRing
from qspace.urls import Urls

log = logging.getLogger("qspace.federation")

# A stored remote actor is refetched when older than this (names, avatars, inboxes change).
ACTOR_MAX_AGE = timedelta(days=1)
KEY_CACHE_SECONDS = 600.0
# A key that failed to verify is refetched at most once a minute: a flood of badly signed
# requests must not turn into a flood of fetches to the claimed server.
KEY_REFRESH_SECONDS = 60.0


class UnusableActor(FetchError):
    """The fetched document is not an actor qspace can store (no inbox, no key...)."""

    status = 502
    reason = "not a usable actor"


def actor_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """The Actor row fields of a remote actor document.

    Raises UnusableActor when the document lacks what an actor needs (id, inbox).
    """
    try:
        return actor_to_fields(document)
    except ValueError as exc:
        raise UnusableActor(str(exc)) from exc


async def store_actor(document: dict[str, Any]) -> Actor:
    """Insert or update the remote actor described by `document` (matched by its id).

    Raises UnusableActor for a document that is not an actor, or one claiming a local id.
    """
    fields = actor_from_document(document)
    existing = await Actor.get_or_none(ap_id=fields["ap_id"])
    if existing is not None and existing.is_local:
        raise UnusableActor(f"{fields['ap_id']} is a local actor")
    fields["fetched_at"] = datetime.now(UTC)
    fields["deleted_at"] = None
    if existing is None:
        try:
            return await Actor.create(**fields)
        except IntegrityError:  # a concurrent request stored it first
            existing = await Actor.get(ap_id=fields["ap_id"])
    await Actor.filter(id=existing.id).update(**fields)
    await existing.refresh_from_db()
    return existing


class RemoteActors:
    """Finds actors by id, handle or key id: from the database, else from their server."""

    def __init__(self, fetcher: Fetcher, keys: KeyRing, urls: Urls) -> None:
        self.fetcher = fetcher
        self._keys = keys
        self._urls = urls
        self._local = httpx.URL(urls.base).netloc.decode("ascii").lower()
        self._key_cache: TTLCache[str, PublicKeyInfo] = TTLCache(1024, KEY_CACHE_SECONDS)
        self._recently_refreshed: TTLCache[str, bool] = TTLCache(1024, KEY_REFRESH_SECONDS)

    def is_local(self, url: str) -> bool:
        """Whether `url` is on this server."""
        try:
            return httpx.URL(url).netloc.decode("ascii").lower() == self._local
        except (httpx.InvalidURL, UnicodeDecodeError):
            return False

    async def fetch_object(self, url: str) -> dict[str, Any]:
        """GET an ActivityPub document from another server, signed by the instance actor.

        Raises FetchError (and its subclasses) when it cannot be fetched.
        """
        await self._keys.instance_key()  # the Fetcher signs with it synchronously
        return await self.fetcher.fetch_object(url)

    async def get_or_fetch_actor(self, ap_id: str, *, refresh: bool = False) -> Actor:
        """The actor with this id; a remote one is fetched when unknown, stale or `refresh`.

        A stale actor whose server cannot be reached is returned as stored.
        Raises NotFound for an unknown local actor, FetchError when a needed fetch fails.
        """
        actor = await Actor.get_or_none(ap_id=ap_id)
        if self.is_local(ap_id):
            if actor is None or actor.deleted_at is not None:
                raise NotFound("No such person on this server.")
            return actor
        if actor is not None and actor.deleted_at is None and not refresh and _fresh(actor):
            return actor
        try:
            document = await self.fetch_object(ap_id)
        except NetworkError:
            if actor is not None and actor.deleted_at is None and not refresh:
                return actor
            raise
        if document.get("id") != ap_id:
            raise UnusableActor(f"{ap_id} serves the actor {document.get('id')!r}")
        stored = await store_actor(document)
        self._forget_key(stored)
        return stored

    async def public_key(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        """Resolve a signature's key id to its key (the `get_key` of verify_request).

        `refresh=True` (the cached key did not verify) refetches the owner's actor, at most
        once a minute per key. Returns None when the key cannot be found or fetched.
        """
        if not refresh:
            cached = self._key_cache.get(key_id)
            if cached is not None:
                return cached
            actor = await Actor.get_or_none(key_id=key_id, deleted_at=None)
            if actor is not None and actor.public_key_pem:
                return self._remember(actor)
        elif self._recently_refreshed.get(key_id):
            return None
        if self.is_local(key_id):
            return None  # local keys are in the table; no request to ourselves
        self._recently_refreshed.set(key_id, True)
        try:
            actor = await self._fetch_key_owner(key_id)
        except (FetchError, ServiceError) as exc:
            log.info("cannot fetch key %s: %s", key_id, exc)
            return None
        if actor.key_id != key_id or not actor.public_key_pem:
            log.info("actor %s does not publish key %s", actor.ap_id, key_id)
            return None
        return self._remember(actor)

    async def _fetch_key_owner(self, key_id: str) -> Actor:
        """Fetch the actor that owns a key id and store it.

        The key id is usually the actor id plus `#main-key` (Mastodon); some servers give
        keys their own URL and serve a key document naming its `owner` (GoToSocial's
        `/main-key`). Either way the stored actor must itself list the key.
        """
        url = str(httpx.URL(key_id).copy_with(fragment=None))
        document = await self.fetch_object(url)
        owner = document.get("owner")
        if "inbox" not in document and isinstance(owner, str) and owner != document.get("id"):
            document = await self.fetch_object(owner)
        return await store_actor(document)

    def _remember(self, actor: Actor) -> PublicKeyInfo:
        info = PublicKeyInfo(str(actor.key_id), actor.ap_id, str(actor.public_key_pem))
        self._key_cache.set(info.key_id, info)
        return info

    def _forget_key(self, actor: Actor) -> None:
        if actor.key_id:
            self._key_cache.pop(actor.key_id)

    async def find_known(self, handle_or_url: str) -> Actor:
        """An actor already in the database, by handle or id; never makes a request.

        Raises NotFound when no stored actor matches, ServiceError for a malformed handle.
        """
        text = handle_or_url.strip()
        if text.startswith(("https://", "http://")):
            actor = await Actor.get_or_none(ap_id=text, deleted_at=None)
        else:
            try:
                user, host = parse_handle(text)
            except InvalidHandle as exc:
                raise ServiceError(f"Not a handle or URL: {text!r}") from exc
            actor = await Actor.filter(username__iexact=user, domain=host, deleted_at=None).first()
        if actor is None:
            raise NotFound(f"No known person {text!r}.")
        return actor

    async def resolve(self, handle_or_url: str) -> Actor:
        """The actor named by `@user@host`, `user@host`, `acct:user@host` or an actor URL.

        Local handles and URLs are looked up without any request. Remote handles go through
        WebFinger (https; with `allow_http`, http is tried when https cannot connect).
        Raises NotFound for an unknown local name, ServiceError for a malformed handle,
        FetchError when the remote lookup fails.
        """
        text = handle_or_url.strip()
        if text.startswith(("https://", "http://")):
            return await self.get_or_fetch_actor(text)
        try:
            user, host = parse_handle(text)
        except InvalidHandle as exc:
            raise ServiceError(f"Not a handle or URL: {text!r}") from exc
        if host == self._local:
            actor = await Actor.get_or_none(username=user.lower(), domain=host, is_local=True)
            if actor is None or actor.deleted_at is not None:
                raise NotFound(f"No space called {user!r} on this server.")
            return actor
        await self._keys.instance_key()
        try:
            actor_url = await resolve(self.fetcher, f"{user}@{host}")
        except NetworkError:
            if not self.fetcher.allow_http:
                raise
            actor_url = await resolve(self.fetcher, f"{user}@{host}", scheme="http")
        return await self.get_or_fetch_actor(actor_url)


def _fresh(actor: Actor) -> bool:
    return actor.fetched_at is not None and datetime.now(UTC) - actor.fetched_at < ACTOR_MAX_AGE
