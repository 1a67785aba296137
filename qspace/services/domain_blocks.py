"""Servers this one refuses to federate with: DomainBlock rows plus the configured list."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tortoise.context import _current_context
from tortoise.signals import post_delete, post_save

from qspace.models import DomainBlock

# The admin's blocks are read on every inbox POST and delivery cycle; they are kept in memory
# (on the database's context, so two apps in one process keep theirs apart) for at most
# MEMO_SECONDS. A block added or removed in this process is seen at once (the signals below);
# one added by another process within MEMO_SECONDS.
MEMO_SECONDS = 2.0
_MEMO = "_qspace_domain_blocks"
_writes = 0


@post_save(DomainBlock)
@post_delete(DomainBlock)
async def _written(*_args: Any) -> None:
    global _writes
    _writes += 1


async def _stored_blocks() -> list[str]:
    ctx = _current_context.get(None)
    memo = getattr(ctx, _MEMO, None)
    if memo is not None and memo[0] == _writes and time.monotonic() - memo[1] < MEMO_SECONDS:
        return memo[2]
    writes = _writes
    rows = list(await DomainBlock.all().values_list("domain", flat=True))
    if ctx is not None:
        setattr(ctx, _MEMO, (writes, time.monotonic(), rows))
    return rows


def _normalise(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


async def blocked_domain_check(configured: str) -> Callable[[str], bool]:
    """A `host -> bool` check for blocked servers; a block covers subdomains too.

    `configured` is the comma-separated `federation.blocked_domains` setting. One query reads
    the admin's blocks (or takes them from memory, see MEMO_SECONDS).
    """
    rows = await _stored_blocks()
    blocked = {_normalise(d) for d in [*configured.split(","), *rows] if _normalise(d)}

    def is_blocked(host: str) -> bool:
        host = _normalise(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
        labels = host.split(".")
        # "a.bad.example" is blocked by "bad.example" and by "a.bad.example".
        return any(".".join(labels[i:]) in blocked for i in range(len(labels)))

    return is_blocked
