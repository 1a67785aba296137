"""Audience -> addressing: who a local item is addressed to and which inboxes receive it.

The design's rule, in one place: public items go `to` Public with the author's followers in
`cc`, delivered to the followers' servers (one shared inbox per server: everyone there may see
a public item). Friends-only items go `to` each friend, group items `to` each member and direct
ones `to` each addressee, neither Public nor a followers collection, delivered to personal
inboxes only: a shared inbox would leave it to the receiving server to pick who sees it.
Only-me items, drafts and held guestbook messages never leave the server (`None`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from federation.jsonld import PUBLIC, PUBLIC_ALIASES
from qspace.mapping import addressing_of
from qspace.models import (
    Actor,
    Audience,
    FriendGroupMember,
    Item,
    ItemKind,
    ItemRecipient,
    ItemState,
    Space,
)
from qspace.services.friends import friends_of
from qspace.services.outbox import follower_inboxes, inboxes_of

OPEN = (Audience.PUBLIC, Audience.UNLISTED)


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


@dataclass(frozen=True)
class Addressing:
    """The `to` and `cc` of an object and the inboxes its activities are delivered to."""

    to: list[str]
    cc: list[str]
    inboxes: list[str]
    public: bool = False

    def without(self, actor_id: str) -> Addressing:
        """The same addressing without `actor_id` (nobody addresses themselves)."""
        return Addressing(
            [a for a in self.to if a != actor_id],
            [a for a in self.cc if a != actor_id],
            self.inboxes,
            self.public,
        )


async def _people(
    audience: Audience, owner: Actor, group_id: int | None, item_id: int
) -> list[Actor]:
    """The actors a non-public audience names: the owner's friends, a group, or addressees."""
    if audience == Audience.FRIENDS:
        return await friends_of(owner.id)
    if audience == Audience.GROUP:
        ids = await FriendGroupMember.filter(group_id=group_id).values_list("actor_id", flat=True)
    else:
        ids = await ItemRecipient.filter(item_id=item_id).values_list("actor_id", flat=True)
    return await Actor.filter(id__in=list(ids), deleted_at=None).order_by("id")


async def audience_addressing(
    audience: Audience,
    owner: Actor,
    *,
    group_id: int | None = None,
    item_id: int = 0,
    extra: Iterable[Actor] = (),
) -> Addressing | None:
    """Addressing of an audience whose owner (the space's actor) is `owner`, plus `extra`
    people (a parent's author): in `cc` of public items, in `to` of the others."""
    extra = [a for a in extra if a.id != owner.id]
    if audience == Audience.PRIVATE:
        return None
    if audience in OPEN:
        people = [a.ap_id for a in extra]
        inboxes = await follower_inboxes(owner, also=extra)
        if audience == Audience.PUBLIC:
            return Addressing([PUBLIC], _unique([owner.followers_url, *people]), inboxes, True)
        # Unlisted (Mastodon's shape): followers in `to`, Public only in `cc`.
        return Addressing(_unique([owner.followers_url]), [PUBLIC, *people], inboxes, True)
    if audience == Audience.FOLLOWERS:
        to = _unique([owner.followers_url, *(a.ap_id for a in extra)])
        inboxes = await follower_inboxes(owner, also=extra, use_shared_inbox=False)
        return Addressing(to, [], inboxes)
    people = await _people(audience, owner, group_id, item_id)
    # The owner belongs to their own audience: named too when a friend comments in it.
    everyone = [owner, *people, *extra]
    return Addressing(_unique(a.ap_id for a in everyone), [], inboxes_of(everyone))


def never_leaves(item: Item) -> bool:
    """Only-me items, drafts, held or hidden messages and tombstones are never sent."""
    return (
        item.audience == Audience.PRIVATE
        or item.state != ItemState.PUBLISHED
        or item.deleted_at is not None
    )


async def item_addressing(item: Item) -> Addressing | None:
    """The addressing of a local author's item, or None when it must not leave the server."""
    author = await Actor.get(id=item.author_id)
    if not author.is_local or never_leaves(item):
        return None
    if item.kind == ItemKind.COMMENT and item.root_id is not None:
        found = await _comment_addressing(item, author)
    elif item.kind == ItemKind.GUESTBOOK:
        found = await _guestbook_addressing(item)
    else:
        found = await audience_addressing(
            item.audience, author, group_id=item.group_id, item_id=item.id
        )
    return found.without(author.ap_id) if found is not None else None


async def wall_owner(item: Item) -> Actor | None:
    """The owner of the wall a guestbook message is on (its space, else its addressee)."""
    if item.space_id is not None:
        space = await Space.get(id=item.space_id)
        return await Actor.get(id=space.actor_id)
    recipient = await ItemRecipient.filter(item_id=item.id).order_by("id").first()
    return await Actor.get_or_none(id=recipient.actor_id) if recipient else None


async def _guestbook_addressing(item: Item) -> Addressing | None:
    """A guestbook message goes `to` the wall's owner; a public one also `cc` Public (as
    Smithereen's wall posts, which Mastodon shows as a mention it can answer)."""
    owner = await wall_owner(item)
    if owner is None:
        return None
    public = item.audience in OPEN
    return Addressing([owner.ap_id], [PUBLIC] if public else [], inboxes_of([owner]), public)


async def _comment_addressing(comment: Item, author: Actor) -> Addressing | None:
    """A comment goes to its thread's audience and to the authors of its root and parent.

    In a local thread the audience is the root's (friends of the space it is shown in, ...);
    in a remote thread it is addressed as the original was. Public comments also reach the
    commenter's own followers.
    """
    root = await Item.get(id=comment.root_id)
    parent = await Item.get_or_none(id=comment.in_reply_to_id) if comment.in_reply_to_id else None
    authors = await Actor.filter(
        id__in=list({root.author_id, (parent or root).author_id}), deleted_at=None
    ).order_by("id")
    if root.space_id is not None:
        space = await Space.get(id=root.space_id)
        owner = await Actor.get(id=space.actor_id)
        # Direct threads keep their own addressees (copied onto each comment).
        found = await audience_addressing(
            comment.audience, owner, group_id=root.group_id, item_id=comment.id, extra=authors
        )
    else:
        found = await _remote_thread_addressing(root, comment, authors)
    if found is None or not found.public:
        return found
    return Addressing(
        found.to,
        _unique([*found.cc, author.followers_url]),
        _unique([*found.inboxes, *await follower_inboxes(author)]),
        public=True,
    )


async def _remote_thread_addressing(root: Item, comment: Item, authors: list[Actor]) -> Addressing:
    """A reply in another server's thread: addressed as the original was, plus its author."""
    original = addressing_of(root.ap_raw or {})
    named = [a for a in (original["to"] | original["cc"]) if a not in PUBLIC_ALIASES]
    known = await Actor.filter(ap_id__in=named, is_local=False, deleted_at=None).order_by("id")
    people = _unique(a.ap_id for a in authors)
    public = comment.audience in OPEN
    inboxes = inboxes_of([*authors, *known], use_shared_inbox=public)
    if comment.audience == Audience.PUBLIC:
        return Addressing([PUBLIC], _unique([*people, *sorted(named)]), inboxes, public=True)
    if comment.audience == Audience.UNLISTED:
        return Addressing(_unique([*people, *sorted(named)]), [PUBLIC], inboxes, public=True)
    return Addressing(_unique([*people, *sorted(named)]), [], inboxes)
