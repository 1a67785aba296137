"""Who may see an item: the one rule every path (pages, feeds, counts, exports, ActivityPub) uses.

`Viewer` describes the person looking (anonymous, a local person or a remote actor) with the
relations the rule needs; `Viewer.item_filter()` turns the rule into a database filter and
`Viewer.can_see(item)` applies the same rule to an item already loaded. Both are built from
`_rule()` so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from qspace.models import (
    Actor,
    Audience,
    Follow,
    FollowState,
    FriendGroupMember,
    Item,
    ItemRecipient,
    ItemState,
    Space,
)

# States a space owner still sees on their own wall: messages held for approval, or hidden.
MODERATED = (ItemState.HELD, ItemState.HIDDEN)


@dataclass(frozen=True)
class Viewer:
    """The person looking at content, and their relations (loaded once per request)."""

    actor_id: int | None = None
    # Actors the viewer follows with an accepted follow.
    following: frozenset[int] = field(default_factory=frozenset)
    # Actors that are friends with the viewer (accepted follows both ways).
    friends: frozenset[int] = field(default_factory=frozenset)
    # Friend groups the viewer is a member of.
    groups: frozenset[int] = field(default_factory=frozenset)
    # Items addressed to the viewer in person.
    addressed: frozenset[int] = field(default_factory=frozenset)
    # Local spaces the viewer owns: their owner sees everything shown on them (comments and
    # guestbook messages by others included, held or hidden ones too).
    own_spaces: frozenset[int] = field(default_factory=frozenset)
    # Local spaces of the viewer's friends. "Friends" of an item means friends of the space it
    # is shown in, so a comment in a friends-only thread reaches exactly the thread's audience.
    friend_spaces: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.actor_id is None

    def _rule(self) -> list[tuple[Q, object]]:
        """(filter, python check) pairs, any of which grants visibility of a published item."""
        me = self.actor_id
        rules: list[tuple[Q, object]] = [
            (
                Q(audience__in=[Audience.PUBLIC, Audience.UNLISTED]),
                lambda i: i.audience in (Audience.PUBLIC, Audience.UNLISTED),
            )
        ]
        if me is None:
            return rules
        rules += [
            (Q(author_id=me), lambda i: i.author_id == me),
            (
                Q(space_id__in=list(self.own_spaces)),
                lambda i: i.space_id in self.own_spaces,
            ),
            (
                Q(audience=Audience.FRIENDS, space_id__in=list(self.friend_spaces)),
                lambda i: i.audience == Audience.FRIENDS and i.space_id in self.friend_spaces,
            ),
            (
                # Remote items have no local space: their author's friends see them.
                Q(audience=Audience.FRIENDS, space_id=None, author_id__in=list(self.friends)),
                lambda i: (
                    i.audience == Audience.FRIENDS
                    and i.space_id is None
                    and i.author_id in self.friends
                ),
            ),
            (
                Q(audience=Audience.FOLLOWERS, author_id__in=list(self.following)),
                lambda i: i.audience == Audience.FOLLOWERS and i.author_id in self.following,
            ),
            (
                Q(audience=Audience.GROUP, group_id__in=list(self.groups)),
                lambda i: i.audience == Audience.GROUP and i.group_id in self.groups,
            ),
            (
                Q(id__in=list(self.addressed)),
                lambda i: i.id in self.addressed,
            ),
        ]
        return rules

    def item_filter(self) -> Q:
        """A filter selecting exactly the items this viewer may see."""
        rules = self._rule()
        visible = rules[0][0]
        for q, _check in rules[1:]:
            visible = visible | q
        live = Q(deleted_at=None)
        published = Q(state=ItemState.PUBLISHED)
        if self.actor_id is not None:
            # Authors see their own drafts; owners see held messages on their own walls.
            published = (
                published
                | Q(author_id=self.actor_id)
                | Q(state__in=MODERATED, space_id__in=list(self.own_spaces))
            )
        return live & published & visible

    def can_see(self, item: Item) -> bool:
        """The same rule as item_filter(), for an item already loaded."""
        if item.deleted_at is not None:
            return False
        me = self.actor_id
        if item.state != ItemState.PUBLISHED:
            allowed = me is not None and (
                item.author_id == me
                or (item.state in MODERATED and item.space_id in self.own_spaces)
            )
            if not allowed:
                return False
        return any(check(item) for _q, check in self._rule())  # type: ignore[operator]


ANONYMOUS = Viewer()


async def viewer_for(actor: Actor | None, own_space_ids: list[int] | None = None) -> Viewer:
    """Load the relations of `actor` that the audience rule needs (a few small queries)."""
    if actor is None:
        return ANONYMOUS
    following = set(
        await Follow.filter(follower_id=actor.id, state=FollowState.ACCEPTED).values_list(
            "followed_id", flat=True
        )
    )
    followers = set(
        await Follow.filter(followed_id=actor.id, state=FollowState.ACCEPTED).values_list(
            "follower_id", flat=True
        )
    )
    groups = await FriendGroupMember.filter(actor_id=actor.id).values_list("group_id", flat=True)
    friends = following & followers
    friend_spaces = await Space.filter(actor_id__in=list(friends)).values_list("id", flat=True)
    addressed = await ItemRecipient.filter(actor_id=actor.id).values_list("item_id", flat=True)
    return Viewer(
        actor_id=actor.id,
        following=frozenset(following),
        friends=frozenset(friends),
        friend_spaces=frozenset(friend_spaces),
        groups=frozenset(groups),
        addressed=frozenset(addressed),
        own_spaces=frozenset(own_space_ids or ()),
    )
