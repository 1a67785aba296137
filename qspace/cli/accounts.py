"""Account commands for admins and scripts: `qspace invite create`."""

from __future__ import annotations

import argparse
from typing import Any

from qspace.cli.common import CommandError, run_async, settings_from
from qspace.db import database
from qspace.models import Account
from qspace.services import invites
from qspace.settings import Settings


def register(commands: Any) -> None:
    invite = commands.add_parser("invite", help="make sign-up invite links")
    actions = invite.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="print a new single-use invite link")
    create.add_argument("--hours", type=int, help="validity (default: accounts.invite_hours)")
    create.add_argument("--note", default="", help="a note for the admin page")
    create.add_argument("--by", metavar="ADMIN", help="the admin making it (default: the first)")
    create.set_defaults(handler=cmd_invite_create)


def cmd_invite_create(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    hours = args.hours or settings.accounts.invite_hours
    if hours < 1:
        raise CommandError("--hours must be at least 1", 2)
    print(run_async(_create(settings, args, hours)))
    return 0


async def _create(settings: Settings, args: argparse.Namespace, hours: int) -> str:
    async with database(settings):
        query = Account.filter(is_admin=True, is_disabled=False).order_by("id")
        if args.by:
            query = query.filter(username=args.by.lower())
        admin = await query.first()
        if admin is None:
            raise CommandError("no such admin account (invites are made by an admin)")
        token, _invite = await invites.create_invite(admin, hours=hours, note=args.note)
    return f"{settings.base_url}/signup?invite={token}"
