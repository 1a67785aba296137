"""This server's signing keys: the instance actor's (made once, kept in the database) and each
space's, loaded once per process.

Loading an RSA private key from PEM costs about 36 ms (the key is checked), so a delivery queue
that parsed the PEM for every request would spend most of its time there. The KeyRing keeps the
loaded `SigningKey`s and parses a PEM in a worker thread the first time it is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

import httpx
from tortoise.exceptions import IntegrityError

from federation.keys import SigningKey, generate_rsa_keypair
from federation.signatures import sign_request
from qspace.models import ServerState, Space
from qspace.services.errors import NotFound
from qspace.urls import Urls

INSTANCE_ACTOR_STATE = "instance_actor"
# Loaded keys kept per process; a server signs for its few spaces and its instance actor.
_MAX_LOADED = 256


class KeyRing:
    """The signing keys of one server, loaded lazily and cached for the life of the process."""

    def __init__(self, urls: Urls) -> None:
        self._urls = urls
        self._instance: SigningKey | None = None
        self._instance_public_pem = ""
        self._loaded: OrderedDict[tuple[str, str], SigningKey] = OrderedDict()

    @property
    def instance_key_id(self) -> str:
        """The key id of the instance actor (`/actor#main-key`)."""
        return f"{self._urls.instance_actor}#main-key"

    async def instance_key(self) -> SigningKey:
        """The instance actor's signing key, generated and stored on first use.

        Side effect: the first call on a fresh database creates the ServerState row
        "instance_actor"; two processes racing to create it end up with the same key.
        """
        if self._instance is None:
            private_pem, public_pem = await _load_or_create_instance_keys()
            key = await self._load(self.instance_key_id, private_pem)
            self._instance, self._instance_public_pem = key, public_pem
        return self._instance

    async def instance_public_pem(self) -> str:
        """The instance actor's public key PEM (creating the key pair on first use)."""
        await self.instance_key()
        return self._instance_public_pem

    def sign_as_instance(self, request: httpx.Request) -> None:
        """Sign a request in place as the instance actor (the Fetcher's `sign` callback).

        Raises RuntimeError when `instance_key()` was never awaited: fetches must load it first.
        """
        if self._instance is None:
            raise RuntimeError("the instance key is not loaded: await instance_key() first")
        sign_request(request, self._instance, style="cavage")

    async def key_for(self, actor_id: int | None) -> SigningKey:
        """The signing key of a local actor (its space's key), or the instance key for None.

        Raises NotFound when the actor has no local space (a remote actor cannot sign here).
        """
        if actor_id is None:
            return await self.instance_key()
        space = await Space.get_or_none(actor_id=actor_id).only("id", "name", "private_key_pem")
        if space is None:
            # A deleted space's key is kept to sign the Delete of its actor (services/accounts).
            retired = await ServerState.get_or_none(key=f"retired_key:{actor_id}")
            if retired is None:
                raise NotFound("That actor has no space on this server.")
            return await self._load(retired.value["key_id"], retired.value["private_key_pem"])
        return await self._load(self._urls.key_id(space.name), space.private_key_pem)

    async def _load(self, key_id: str, private_pem: str) -> SigningKey:
        """A SigningKey whose private key is parsed, from the cache or parsed off the loop."""
        cache_key = (key_id, private_pem)
        key = self._loaded.get(cache_key)
        if key is not None:
            self._loaded.move_to_end(cache_key)
            return key
        key = SigningKey(key_id, private_pem)
        await asyncio.to_thread(lambda: key.private_key)  # parse once, in a thread
        self._loaded[cache_key] = key
        while len(self._loaded) > _MAX_LOADED:
            self._loaded.popitem(last=False)
        return key


async def _load_or_create_instance_keys() -> tuple[str, str]:
    """Read the instance actor's key pair, creating it the first time."""
    state = await ServerState.get_or_none(key=INSTANCE_ACTOR_STATE)
    if state is None:
        private_pem, public_pem = await asyncio.to_thread(generate_rsa_keypair)
        # If another process stored its key first, that one wins and is read below.
        with contextlib.suppress(IntegrityError):
            await ServerState.create(
                key=INSTANCE_ACTOR_STATE,
                value={"private_key_pem": private_pem, "public_key_pem": public_pem},
            )
        state = await ServerState.get(key=INSTANCE_ACTOR_STATE)
    return str(state.value["private_key_pem"]), str(state.value["public_key_pem"])
