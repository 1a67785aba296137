"""Benchmark data: a qspace data folder made with the real CLI, and the same page data for the
baseline app.

`qspace init` and `qspace space create` run as commands, exactly as an administrator would run
them; the items are then published in-process through qspace's services (`qspace post` costs a
process start, about 0.4 s, per item: fine for 20, not for the 100k-post feeds to come).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import BenchmarkError, clean_environment, python_module_argv
from qspace.db import database
from qspace.models import Item, ItemKind, Space
from qspace.services import items, spaces
from qspace.services.audience import ANONYMOUS
from qspace.settings import Settings, load_settings
from qspace.urls import Urls

DOMAIN = "bench.test"
# How many of each kind qspace's space page shows today (module_data in qspace/web/space.py);
# the baseline shows as many.
SHOWN_STATUSES = 10
SHOWN_POSTS = 5

_STATUS_LINES = [
    "Morning coffee on the balcony, the city still asleep. #coffee #morning",
    "Finally finished the bookshelf I started in March! Photos soon. #diy #woodwork",
    "Reading https://example.org/articles/small-web-revival about the small web "
    "and nodding along the whole time. #smallweb",
    "New playlist for the space: late-night synthwave, forty minutes exactly. #music",
    "Rain again. The cat disagrees with the weather and tells everyone about it.",
    "Does anyone have a good recipe for sourdough that doesn't need a 5am start? #baking",
    "Spent the afternoon fixing my grandmother's radio. It works, and it smells of 1974.",
    "Reminder to self: back up the photos. Then back up the backup. #backups",
    "Went to the lake with @friend@example.org, saw herons, got sunburnt. #outdoors",
    "Trying a new skin for my space this week, pastel everything. #qspace #themes",
    "Three days without a screen after 9pm. Sleep is better, opinions unchanged.",
    "The guestbook is open again, write something nice (or at least spelled right)!",
]


@dataclass(frozen=True)
class Dataset:
    """A qspace data folder with one space, and the baseline's copy of that space's page data."""

    data_dir: Path
    config_path: Path
    space_name: str
    fixture_path: Path
    statuses: int
    posts: int
    # The database when it is not the config's SQLite file (e.g. a PostgreSQL scratch database).
    database_url: str | None = None

    @property
    def items(self) -> int:
        return self.statuses + self.posts

    @property
    def env(self) -> dict[str, str]:
        """The QSPACE_* variables that point qspace at this data set's database."""
        return {"QSPACE_DATABASE_URL": self.database_url} if self.database_url else {}

    def settings(self) -> Settings:
        """qspace's settings for this data set, as `qspace serve` would load them."""
        return load_settings(self.config_path, self.env)


def _qspace(*args: str, env: dict[str, str] | None = None) -> None:
    argv = python_module_argv("qspace.cli", *args)
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=clean_environment(env)
    )
    if done.returncode != 0:
        raise BenchmarkError(f"`qspace {' '.join(args)}` failed: {done.stderr or done.stdout}")


def status_text(n: int) -> str:
    """The text of the `n`th status update (varied lengths, hashtags, a link, a mention)."""
    return f"{_STATUS_LINES[n % len(_STATUS_LINES)]} ({n + 1})"


def blog_markdown(n: int) -> str:
    """A blog post body of a few kilobytes of Markdown: paragraphs, a list, a quote and code."""
    paragraph = (
        "This week I rebuilt the layout of my space from scratch. The old one had grown a "
        "column for every idea I ever had, and visitors could not find the guestbook. "
    )
    return (
        f"## Part {n + 1}\n\n{paragraph * 4}\n\n"
        "- what I kept: the music player and the friends list\n"
        "- what I dropped: the visitor counter\n- what is new: a *mood* line\n\n"
        f"> {paragraph}\n\n```css\n.space-root {{ background: #fdf6e3; }}\n```\n\n"
        f"{paragraph * 6}\n"
    )


async def _publish(settings: Settings, name: str, statuses: int, posts: int) -> dict[str, Any]:
    urls = Urls(settings.base_url)
    async with database(settings):
        space = await spaces.get_space(name)
        # Interleave the kinds so the newest items are a mix, as on a real space.
        for n in range(max(statuses, posts)):
            if n < statuses:
                await items.publish_status(urls, space, text=status_text(n), audience="public")
            if n < posts:
                await items.publish_blog_post(
                    urls,
                    space,
                    title=f"Notes from the workshop, part {n + 1}",
                    markdown=blog_markdown(n),
                    audience="public",
                    tags=["workshop", "notes"],
                )
        return await _page_fixture(settings.server.domain, settings.base_url, space)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _item_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "ap_id": item.ap_id,
        "title": item.title,
        "content_html": item.content_html,
        "published_at": _when(item.published_at),
    }


def _space_dict(space: Space) -> dict[str, Any]:
    return {
        "name": space.name,
        "display_name": space.display_name or space.name,
        "handle": f"@{space.name}@{space.actor.domain}",
        "ap_id": space.actor.ap_id,
        "mood": space.mood,
    }


async def _page_fixture(site_name: str, base_url: str, space: Space) -> dict[str, Any]:
    """What qspace's own pages show an anonymous visitor, read back through the services the
    pages call, so the baseline renders the very same data."""
    shown = await items.space_items(
        space, ANONYMOUS, kinds=(ItemKind.STATUS,), limit=SHOWN_STATUSES
    )
    teasers = await items.space_items(space, ANONYMOUS, kinds=(ItemKind.BLOG,), limit=SHOWN_POSTS)
    return {
        "site_name": site_name,
        "base_url": base_url,
        "spaces": [_space_dict(s) for s in await spaces.list_spaces()],
        "pages": {
            space.name: {
                "space": _space_dict(space),
                "statuses": [_item_dict(i) for i in shown],
                "posts": [_item_dict(i) for i in teasers],
            }
        },
    }


def create_space_dataset(
    root: Path,
    *,
    name: str = "bench",
    statuses: int = 12,
    posts: int = 8,
    database_url: str | None = None,
) -> Dataset:
    """Create `root/qspace-<name>/` holding one space with `statuses` status updates and `posts`
    blog posts (all public), and `root/<name>-fixture.json` for the baseline app.

    With `database_url` (an empty PostgreSQL database), the space lives there: `qspace migrate`
    and `qspace space create` run with QSPACE_DATABASE_URL set, as an administrator would.
    Raises BenchmarkError when a qspace command fails; the folder must not exist yet.
    """
    data_dir = root / f"qspace-{name}"
    config_path = data_dir / "config.toml"
    env = {"QSPACE_DATABASE_URL": database_url} if database_url else {}
    _qspace("init", "--data-dir", str(data_dir), "--domain", DOMAIN, "--scheme", "https")
    if database_url:
        _qspace("--config", str(config_path), "migrate", env=env)
    _qspace(
        "--config",
        str(config_path),
        "space",
        "create",
        name,
        "--display-name",
        "Bench Space",
        env=env,
    )
    settings = load_settings(config_path, env)
    fixture = asyncio.run(_publish(settings, name, statuses, posts))
    fixture_path = root / f"{name}-fixture.json"
    fixture_path.write_text(json.dumps(fixture, indent=1), encoding="utf-8")
    return Dataset(data_dir, config_path, name, fixture_path, statuses, posts, database_url)
