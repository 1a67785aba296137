"""Bulk posts for the home-feed benchmark: millions of remote status updates inserted with raw
SQL (qspace's services would take hours), in time order, as a server stores them over weeks.

AUTHORS remote people post at the same rate; the space under test follows FOLLOWED of them
(the others stand for the people the server's other spaces follow). One post in ten is
followers-only, the rest public, as on Mastodon. Post 0 is the newest, published just before
`end` (the start of the run: a server's newest posts are recent); each further post is a few
seconds older. Each call of `insert_posts` adds older posts below those already there, so a
data set grows 10k -> 100k -> 1M like the history of a server that has run longer.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from benchmarks.remote_data import RemoteRow

AUTHORS = 2_000
FOLLOWED = 500
ZONE = "feed.test"
# A post every few seconds across the server: 1M posts span about two months.
MEAN_GAP = timedelta(seconds=5)
FOLLOWERS_ONLY_SHARE = 0.1
CHUNK = 10_000

COLUMNS = (
    "ap_id",
    "kind",
    "audience",
    "state",
    "title",
    "summary",
    "source",
    "source_type",
    "content_html",
    "mood",
    "sensitive",
    "position",
    "like_count",
    "comment_count",
    "share_count",
    "is_local",
    "url",
    "published_at",
    "created_at",
    "author_id",
)


def author_rows(count: int = AUTHORS) -> list[RemoteRow]:
    """The remote authors: `count` people on 100 servers (every author needs a row)."""
    rows = []
    for n in range(count):
        ap_id = f"https://s{n % 100:03d}.{ZONE}/users/a{n}"
        rows.append(RemoteRow(ap_id, inbox=f"{ap_id}/inbox", shared_inbox=None))
    return rows


Author = tuple[int, str]  # (actor row id, actor id)


def generate_posts(
    authors: Sequence[Author], first: int, count: int, *, end: datetime, seed: int = 1
) -> Iterator[tuple[object, ...]]:
    """Posts number `first` .. `first + count - 1`, in COLUMNS order (the same numbers and
    `end` give the same posts), by authors picked at random, each a few seconds older than the
    one before."""
    rng = random.Random(seed * 1_000_003 + first)
    gap_us = int(MEAN_GAP.total_seconds() * 1e6)
    end = end.replace(microsecond=0)
    for n in range(first, first + count):
        # Post n falls in its own MEAN_GAP slot below `end`, at a random point of it (so
        # every call's posts are older than the previous call's); never on a whole second, so
        # stored timestamps always carry microseconds (SQLite compares them as text).
        offset = gap_us * n + rng.randint(1, gap_us - 1)
        offset += 1 if offset % 1_000_000 == 0 else 0
        when = end - timedelta(microseconds=offset)
        author_id, author = authors[rng.randrange(len(authors))]
        audience = "followers" if rng.random() < FOLLOWERS_ONLY_SHARE else "public"
        ap_id = f"{author}/statuses/{n}"
        html = (
            f"<p>Status {n}: a post of an ordinary length, with a link to "
            f'<a href="https://example.org/{n}">something read today</a>.</p>'
        )
        yield (
            ap_id, "status", audience, "published", "", "", "", "html", html, "",
            False, 0, 0, 0, 0, False, ap_id, when, when, author_id,
        )  # fmt: skip


def insert_posts_sqlite(
    path: Path, authors: Sequence[Author], first: int, count: int, *, end: datetime
) -> None:
    """Insert posts `first` .. `first + count - 1` into the SQLite database at `path`, in one
    transaction, storing times as Tortoise does (`YYYY-MM-DD HH:MM:SS.ffffff+00:00`)."""
    sql = f"INSERT INTO items ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    published, created = COLUMNS.index("published_at"), COLUMNS.index("created_at")

    def rows() -> Iterator[tuple[object, ...]]:
        for values in generate_posts(authors, first, count, end=end):
            row = list(values)
            row[published] = row[created] = str(values[published])
            yield tuple(row)

    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(sql, rows())


async def insert_posts_postgres(
    url: str, authors: Sequence[Author], first: int, count: int, *, end: datetime
) -> None:
    """The same posts into PostgreSQL with COPY (CHUNK rows at a time), then ANALYZE, as
    autovacuum would soon after such a growth."""
    conn = await asyncpg.connect(url)
    try:
        posts = generate_posts(authors, first, count, end=end)
        while chunk := list(itertools.islice(posts, CHUNK)):
            await conn.copy_records_to_table("items", records=chunk, columns=list(COLUMNS))
        await conn.execute("ANALYZE items")
    finally:
        await conn.close()
