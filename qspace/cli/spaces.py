"""Space commands: `qspace space create NAME ...` and `qspace space list`."""

from __future__ import annotations

import argparse
from typing import Any

from qspace.cli.common import CommandError, read_secret_file, run_async, settings_from
from qspace.db import database
from qspace.models import Account
from qspace.services import spaces
from qspace.settings import Settings
from qspace.urls import Urls


def register(commands: Any) -> None:
    space = commands.add_parser("space", help="create and list spaces")
    actions = space.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a space (and, by default, its account)")
    create.add_argument("name")
    create.add_argument("--display-name", default="")
    create.add_argument(
        "--password-file", metavar="F", help="password of the new account ('-': stdin)"
    )
    create.add_argument(
        "--owner", metavar="ACCOUNT", help="give the space to this existing account instead"
    )
    create.add_argument("--admin", action="store_true", help="make the new account an admin")
    create.add_argument(
        "--auto-accept-follows", action="store_true", help="accept friend requests at once"
    )
    create.set_defaults(handler=cmd_create)
    listing = actions.add_parser("list", help="list the spaces of this server")
    listing.set_defaults(handler=cmd_list)


def cmd_create(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.owner and (args.password_file or args.admin):
        raise CommandError(
            "--owner gives the space to an existing account: drop the other flags", 2
        )
    password = read_secret_file(args.password_file) if args.password_file else None
    run_async(_create(settings, args, password))
    return 0


async def _create(settings: Settings, args: argparse.Namespace, password: str | None) -> None:
    urls = Urls(settings.base_url)
    async with database(settings):
        if args.owner:
            owner = await Account.get_or_none(username=args.owner.lower())
            if owner is None:
                raise CommandError(f"no account named {args.owner!r}")
            space = await spaces.create_space(
                urls,
                owner=owner,
                name=args.name,
                display_name=args.display_name,
                auto_accept_follows=args.auto_accept_follows,
            )
        else:
            owner, space = await spaces.create_account_with_space(
                urls,
                username=args.name,
                password=password,
                min_password_length=settings.security.min_password_length,
                is_admin=args.admin,
                display_name=args.display_name,
                auto_accept_follows=args.auto_accept_follows,
            )
    if password is None and not args.owner:
        print(f"note: account {owner.username!r} has no password and cannot log in yet")
    print(f"created space @{space.name} owned by {owner.username!r}")
    print(urls.space(space.name))


def cmd_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    rows = run_async(_list(settings))
    if not rows:
        print("no spaces yet")
    for name, owner, display_name in rows:
        print(f"@{name}\t{owner}\t{display_name}")
    return 0


async def _list(settings: Settings) -> list[tuple[str, str, str]]:
    async with database(settings):
        found = await spaces.list_spaces()
        return [(s.name, (await s.owner).username, s.display_name) for s in found]
