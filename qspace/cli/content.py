"""Content commands: `qspace post NAME ...` publishes from scripts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qspace.cli.common import CommandError, run_async, settings_from
from qspace.db import database
from qspace.services import items, spaces
from qspace.settings import Settings
from qspace.urls import Urls


def register(commands: Any) -> None:
    post = commands.add_parser("post", help="publish a status update or blog post")
    post.add_argument("name", help="the space to publish in")
    post.add_argument("--kind", choices=("status", "blog"), required=True)
    post.add_argument("--title", help="blog posts: the title")
    post.add_argument("--audience", choices=("public", "friends", "private"), required=True)
    post.add_argument("--tag", action="append", default=[], help="blog posts: a tag (repeatable)")
    post.add_argument("--draft", action="store_true", help="blog posts: save without publishing")
    text = post.add_mutually_exclusive_group(required=True)
    text.add_argument("--text")
    text.add_argument("--file", help="read the text from this file ('-': stdin)")
    post.set_defaults(handler=cmd_post)


def cmd_post(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.kind == "blog" and not args.title:
        raise CommandError("blog posts need --title", 2)
    if args.kind == "status" and (args.title or args.tag or args.draft):
        raise CommandError("--title, --tag and --draft are for blog posts", 2)
    if args.file is not None:
        try:
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {args.file}: {exc}", 2) from None
    else:
        text = args.text
    url = run_async(_post(settings, args, text))
    # The new item's id (its URL) is always the last line, for scripts.
    print(url)
    return 0


async def _post(settings: Settings, args: argparse.Namespace, text: str) -> str:
    urls = Urls(settings.base_url)
    async with database(settings):
        space = await spaces.get_space(args.name)
        if args.kind == "status":
            item = await items.publish_status(urls, space, text=text, audience=args.audience)
        else:
            item = await items.publish_blog_post(
                urls,
                space,
                title=args.title,
                markdown=text,
                audience=args.audience,
                tags=args.tag,
                draft=args.draft,
            )
    return item.ap_id
