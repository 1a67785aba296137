"""Spaces: creating a person's space (and its actor and keys) and reading the server's spaces."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from tortoise.context import require_context
from tortoise.transactions import in_transaction

from federation.keys import generate_rsa_keypair
from qspace.i18n import gettext as _
from qspace.models import Account, Actor, Space
from qspace.services.accounts import check_username, create_account
from qspace.services.errors import Conflict, NotFound, ServiceError
from qspace.urls import Urls

# Names that would shadow a server route or confuse people; a space can't take them.
RESERVED_NAMES = frozenset(
    {
        "admin",
        "api",
        "static",
        "media",
        "inbox",
        "actor",
        "healthz",
        "login",
        "logout",
        "signup",
        "settings",
        "notifications",
        "feed",
        "home",
        "search",
        "well_known",
        "nodeinfo",
        "root",
        "qspace",
        "support",
        "security",
        "about",
        "help",
        "themes",
        "system",
    }
)


async def create_space(
    urls: Urls,
    *,
    owner: Account,
    name: str,
    display_name: str = "",
    auto_accept_follows: bool = False,
) -> Space:
    """Create a space with its Person actor and a fresh RSA key pair.

    Raises Conflict if the name is taken, ServiceError for a bad or reserved name.
    """
    name = check_username(name)
    if name in RESERVED_NAMES:
        raise ServiceError(_("The name '%(name)s' is reserved.") % {"name": name})
    if len(display_name) > 100:
        raise ServiceError(_("Display names may have at most 100 characters."))
    # Key generation takes tens of milliseconds: keep it off the event loop.
    private_pem, public_pem = await asyncio.to_thread(generate_rsa_keypair)
    domain = urlsplit(urls.base).netloc
    async with in_transaction():
        # A deleted space's actor stays as a tombstone others remember: its name is never reused.
        if (
            await Space.filter(name=name).exists()
            or await Actor.filter(ap_id=urls.space(name)).exists()
        ):
            raise Conflict(_("The space name '%(name)s' is taken.") % {"name": name})
        actor = await Actor.create(
            ap_id=urls.space(name),
            type="Person",
            username=name,
            domain=domain,
            is_local=True,
            display_name=display_name or name,
            url=urls.space(name),
            inbox=urls.inbox(name),
            shared_inbox=urls.shared_inbox,
            outbox=urls.outbox(name),
            followers_url=urls.followers(name),
            following_url=urls.following(name),
            featured_url=urls.featured(name),
            key_id=urls.key_id(name),
            public_key_pem=public_pem,
            manually_approves=not auto_accept_follows,
        )
        return await Space.create(
            name=name,
            owner=owner,
            actor=actor,
            display_name=display_name or name,
            auto_accept_follows=auto_accept_follows,
            private_key_pem=private_pem,
        )


async def get_space(name: str) -> Space:
    """The space called `name`, with its actor loaded; raise NotFound."""
    space = await Space.get_or_none(name=name.lower()).select_related("actor", "owner")
    if space is None or space.owner.is_disabled:
        raise NotFound(_("No such space."))
    return space


# One plain query, prepared once: the hot path of every cached space page (the ORM's query
# building alone costs more than the query itself).
_VERSION_SQL = (
    "SELECT s.id, s.updated_at FROM spaces s JOIN accounts a ON a.id = s.owner_id "
    "WHERE s.name = {p} AND a.is_disabled = {false}"
)


async def page_version(name: str) -> tuple[int, str] | None:
    """(id, last change) of the space called `name`, or None if there is no usable space."""
    conn = require_context().db()
    postgres = conn.schema_generator.DIALECT == "postgres"
    sql = _VERSION_SQL.format(p="$1" if postgres else "?", false="FALSE" if postgres else "0")
    _count, rows = await conn.execute_query(sql, [name.lower()])
    if not rows:
        return None
    row = rows[0]
    return int(row["id"]), str(row["updated_at"])


async def list_spaces() -> list[Space]:
    """Every space of the server whose owner is not disabled, by name."""
    return (
        await Space.filter(owner__is_disabled=False).select_related("actor").order_by("name").all()
    )


async def create_account_with_space(
    urls: Urls,
    *,
    username: str,
    password: str | None,
    min_password_length: int,
    is_admin: bool = False,
    display_name: str = "",
    auto_accept_follows: bool = False,
) -> tuple[Account, Space]:
    """Create an account and its space of the same name, both or neither.

    Raises Conflict for a taken name, ServiceError for a bad or reserved name or password.
    """
    async with in_transaction():
        account = await create_account(
            username, password, min_password_length=min_password_length, is_admin=is_admin
        )
        space = await create_space(
            urls,
            owner=account,
            name=account.username,
            display_name=display_name,
            auto_accept_follows=auto_accept_follows,
        )
    return account, space
