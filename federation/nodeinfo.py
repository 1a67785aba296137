"""NodeInfo 2.1 documents (http://nodeinfo.diaspora.software/protocol and schema/2.1)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

NODEINFO_21_SCHEMA: Final = "http://nodeinfo.diaspora.software/ns/schema/2.1"
# The protocol document asks servers to serve the 2.1 document with this profile.
NODEINFO_21_CONTENT_TYPE: Final = f'application/json; profile="{NODEINFO_21_SCHEMA}#"'
NODEINFO_21_PATH: Final = "/nodeinfo/2.1"

# Schema 2.1: software.name is "^[a-z0-9-]+$".
_SOFTWARE_NAME = re.compile(r"[a-z0-9-]+")


def build_nodeinfo_links(base_url: str, path: str = NODEINFO_21_PATH) -> dict[str, Any]:
    """Build the ``/.well-known/nodeinfo`` discovery document pointing to the 2.1 document.

    Args:
        base_url: the server's origin, e.g. ``https://local.test``.
        path: where the 2.1 document is served.
    """
    return {"links": [{"rel": NODEINFO_21_SCHEMA, "href": f"{base_url.rstrip('/')}{path}"}]}


def build_nodeinfo_21(
    software_name: str,
    version: str,
    open_registrations: bool,
    total_users: int,
    active_month: int,
    active_halfyear: int,
    local_posts: int,
    metadata: Mapping[str, Any],
    *,
    repository: str | None = None,
    homepage: str | None = None,
    local_comments: int | None = None,
) -> dict[str, Any]:
    """Build a NodeInfo 2.1 document that validates against the 2.1 JSON schema.

    Args:
        software_name: lower-case name, ``^[a-z0-9-]+$`` (e.g. ``"qspace"``).
        version: the software version.
        open_registrations: whether anyone may sign up.
        total_users, active_month, active_halfyear: user counts (>= 0).
        local_posts: posts made on this server (>= 0).
        metadata: free-form server metadata (name, description...).
        repository, homepage: optional URLs describing the software.
        local_comments: optional count of local comments (>= 0).

    Raises:
        ValueError: the name breaks the schema pattern or a count is negative.
    """
    if not _SOFTWARE_NAME.fullmatch(software_name):
        raise ValueError(f"software name {software_name!r} must match ^[a-z0-9-]+$")
    counts = {
        "total_users": total_users,
        "active_month": active_month,
        "active_halfyear": active_halfyear,
        "local_posts": local_posts,
        "local_comments": local_comments or 0,
    }
    negative = [name for name, count in counts.items() if count < 0]
    if negative:
        raise ValueError(f"negative counts: {', '.join(negative)}")
    software: dict[str, str] = {"name": software_name, "version": version}
    if repository:
        software["repository"] = repository
    if homepage:
        software["homepage"] = homepage
    usage: dict[str, Any] = {
        "users": {
            "total": total_users,
            "activeMonth": active_month,
            "activeHalfyear": active_halfyear,
        },
        "localPosts": local_posts,
    }
    if local_comments is not None:
        usage["localComments"] = local_comments
    return {
        "version": "2.1",
        "software": software,
        "protocols": ["activitypub"],
        # Schema 2.1 requires both lists; qspace bridges to no other services.
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": usage,
        "metadata": dict(metadata),
    }
