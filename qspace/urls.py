"""Every URL qspace publishes, built in one place so ids never drift between pages and AP."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Urls:
    """URL builder for one server; `base` is scheme://domain without a trailing slash."""

    base: str

    def space(self, name: str) -> str:
        """The space page, which is also the Person actor's id (content-negotiated)."""
        return f"{self.base}/@{name}"

    def status(self, name: str, item_id: int) -> str:
        return f"{self.base}/@{name}/status/{item_id}"

    def blog_post(self, name: str, slug: str) -> str:
        # Slugs may be Chinese or other non-ASCII text: ids must be URIs, so percent-encode.
        return f"{self.base}/@{name}/blog/{quote(slug, safe='')}"

    def blog_index(self, name: str) -> str:
        return f"{self.base}/@{name}/blog"

    def album(self, name: str, item_id: int) -> str:
        return f"{self.base}/@{name}/albums/{item_id}"

    def photo(self, name: str, item_id: int) -> str:
        return f"{self.base}/@{name}/photos/{item_id}"

    def comment(self, name: str, item_id: int) -> str:
        return f"{self.base}/@{name}/comments/{item_id}"

    def guestbook(self, name: str) -> str:
        """The space's guestbook page, also its wall collection (FEP-400e `target`)."""
        return f"{self.base}/@{name}/guestbook"

    def guestbook_entry(self, name: str, item_id: int) -> str:
        return f"{self.base}/@{name}/guestbook/{item_id}"

    def inbox(self, name: str) -> str:
        return f"{self.base}/@{name}/inbox"

    def outbox(self, name: str) -> str:
        return f"{self.base}/@{name}/outbox"

    def followers(self, name: str) -> str:
        return f"{self.base}/@{name}/followers"

    def following(self, name: str) -> str:
        return f"{self.base}/@{name}/following"

    def featured(self, name: str) -> str:
        return f"{self.base}/@{name}/featured"

    def key_id(self, name: str) -> str:
        return f"{self.space(name)}#main-key"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def activity(self, name: str, kind: str, token: str) -> str:
        """Id of an activity (Create, Like, Follow, ...) sent by a space."""
        return f"{self.base}/@{name}/activities/{kind.lower()}/{token}"

    def media(self, capability: str, variant: str) -> str:
        """Capability URL of a stored media file (unguessable; see models/media.py)."""
        return f"{self.base}/media/{capability}/{variant}"
