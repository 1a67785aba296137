"""Friend commands: `qspace follow`, `requests`, `approve`, `decline` and `unfollow`.

They change the database only; the activities they queue (Follow, Accept, Reject, Undo) are
sent by the job runner of `qspace serve` or `qspace worker`. `follow` may look the other
person up over the network (WebFinger, then their actor document).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from federation.errors import FederationError
from qspace.app import Services, build_services
from qspace.cli.common import CommandError, run_async, settings_from
from qspace.db import database
from qspace.models import Follow, FollowState, Space
from qspace.services import follows, spaces
from qspace.settings import Settings

T = TypeVar("T")


def register(commands: Any) -> None:
    follow = commands.add_parser("follow", help="ask to follow someone (a friend request)")
    follow.add_argument("name", help="your space")
    follow.add_argument("target", help="@user@host, or an actor URL")
    follow.set_defaults(handler=cmd_follow)

    requests = commands.add_parser("requests", help="list the follow requests waiting")
    requests.add_argument("name", help="your space")
    requests.set_defaults(handler=cmd_requests)

    approve = commands.add_parser("approve", help="accept a follow request")
    approve.add_argument("name", help="your space")
    approve.add_argument("actor", help="who asked: @user@host or actor URL")
    approve.add_argument(
        "--follow-back", action="store_true", help="also follow them (you become friends)"
    )
    approve.set_defaults(handler=cmd_approve)

    decline = commands.add_parser("decline", help="refuse a follow request, or remove a follower")
    decline.add_argument("name", help="your space")
    decline.add_argument("actor", help="who asked: @user@host or actor URL")
    decline.set_defaults(handler=cmd_decline)

    unfollow = commands.add_parser("unfollow", help="stop following someone")
    unfollow.add_argument("name", help="your space")
    unfollow.add_argument("actor", help="@user@host or actor URL")
    unfollow.set_defaults(handler=cmd_unfollow)


def _run(args: argparse.Namespace, action: Callable[[Services, Space], Awaitable[T]]) -> T:
    """Open the database and the services, load the space NAME, run `action`."""
    settings: Settings = settings_from(args)

    async def run() -> T:
        async with database(settings) as ctx:
            services = build_services(settings, database=ctx)
            try:
                space = await spaces.get_space(args.name)
                return await action(services, space)
            except FederationError as exc:
                raise CommandError(f"the other server could not be asked: {exc.reason}") from None
            finally:
                await services.http.aclose()

    result: T = run_async(run())
    return result


def cmd_follow(args: argparse.Namespace) -> int:
    async def follow(services: Services, space: Space) -> str:
        target = await follows.resolve_remote(services.remote_actors, args.target)
        made = await follows.request_follow(services.urls, space, target)
        state = "following" if made.state == FollowState.ACCEPTED else "requested (pending)"
        return f"@{space.name} -> {target.handle}: {state}\n{target.ap_id}"

    print(_run(args, follow))
    return 0


def cmd_requests(args: argparse.Namespace) -> int:
    async def listing(services: Services, space: Space) -> list[Follow]:
        return await follows.pending_requests(space)

    waiting = _run(args, listing)
    if not waiting:
        print("no follow requests")
    for request in waiting:
        asked = request.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{request.follower.handle}\t{request.follower.ap_id}\t{asked}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    async def approve(services: Services, space: Space) -> str:
        asker = await services.remote_actors.find_known(args.actor)
        request = await follows.follow_between(asker, space.actor)
        await follows.accept_follow(services.urls, space, request)
        lines = [f"@{space.name} accepted {asker.handle}"]
        if args.follow_back:
            if await Follow.filter(follower_id=space.actor_id, followed_id=asker.id).exists():
                lines.append(f"@{space.name} already follows {asker.handle}")
            else:
                back = await follows.request_follow(services.urls, space, asker)
                state = "following" if back.state == FollowState.ACCEPTED else "requested"
                lines.append(f"@{space.name} -> {asker.handle}: {state}")
        return "\n".join(lines)

    print(_run(args, approve))
    return 0


def cmd_decline(args: argparse.Namespace) -> int:
    async def decline(services: Services, space: Space) -> str:
        asker = await services.remote_actors.find_known(args.actor)
        request = await follows.follow_between(asker, space.actor)
        await follows.reject_follow(services.urls, space, request)
        return f"@{space.name} declined {asker.handle}"

    print(_run(args, decline))
    return 0


def cmd_unfollow(args: argparse.Namespace) -> int:
    async def unfollow(services: Services, space: Space) -> str:
        target = await services.remote_actors.find_known(args.actor)
        await follows.unfollow(services.urls, space, target)
        return f"@{space.name} no longer follows {target.handle}"

    print(_run(args, unfollow))
    return 0
