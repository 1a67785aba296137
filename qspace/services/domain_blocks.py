"""Servers this one refuses to federate with: DomainBlock rows plus the configured list."""

from __future__ import annotations

from collections.abc import Callable

from qspace.models import DomainBlock


def _normalise(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


async def blocked_domain_check(configured: str) -> Callable[[str], bool]:
    """A `host -> bool` check for blocked servers; a block covers subdomains too.

    `configured` is the comma-separated `federation.blocked_domains` setting. One query reads
    the admin's blocks, so each check reflects them as they are now.
    """
    rows = await DomainBlock.all().values_list("domain", flat=True)
    blocked = {_normalise(d) for d in [*configured.split(","), *rows] if _normalise(d)}

    def is_blocked(host: str) -> bool:
        host = _normalise(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
        labels = host.split(".")
        # "a.bad.example" is blocked by "bad.example" and by "a.bad.example".
        return any(".".join(labels[i:]) in blocked for i in range(len(labels)))

    return is_blocked
