"""The interaction policy: who may comment, like, share and write in a guestbook.

One rule, checked here only, for every path (web forms now, remote activities later): the space
sets a default per action, an item may override it, blocks always win, and the owner may always
act on their own space.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise.expressions import Q

from qspace.i18n import N_
from qspace.i18n import gettext as _
from qspace.models import Actor, Block, Follow, FollowState, Item, Space
from qspace.services.errors import Forbidden


class Action(StrEnum):
    COMMENT = "comment"
    LIKE = "like"
    SHARE = "share"
    GUESTBOOK = "guestbook"


class Who(StrEnum):
    EVERYONE = "everyone"  # anyone signed in here or known from another server
    FRIENDS = "friends"
    NOBODY = "nobody"


DEFAULT_POLICY: dict[str, str] = {action.value: Who.EVERYONE.value for action in Action}


def clean_policy(raw: dict | None) -> dict[str, str]:
    """Keep only known actions with known values (form input and stored JSON alike)."""
    cleaned: dict[str, str] = {}
    for action in Action:
        value = (raw or {}).get(action.value)
        if value in {w.value for w in Who}:
            cleaned[action.value] = value
    return cleaned


def effective_policy(space: Space, item: Item | None = None) -> dict[str, str]:
    """The space's defaults, overridden by the item's own choices."""
    policy = {**DEFAULT_POLICY, **clean_policy(space.policy)}
    if item is not None and item.policy:
        policy.update(clean_policy(item.policy))
    return policy


async def is_blocked(a: int, b: int) -> bool:
    """True if either actor blocks the other."""
    return await Block.filter(
        Q(blocker_id=a, blocked_id=b) | Q(blocker_id=b, blocked_id=a)
    ).exists()


async def are_friends(a: int, b: int) -> bool:
    """Friends = accepted follows both ways."""
    both = await Follow.filter(
        Q(follower_id=a, followed_id=b) | Q(follower_id=b, followed_id=a),
        state=FollowState.ACCEPTED,
    ).count()
    return both == 2


async def allowed(action: Action, *, space: Space, actor: Actor, item: Item | None = None) -> bool:
    """Whether `actor` may do `action` on `space` (and `item`); see check()."""
    if actor.id == space.actor_id:
        return True
    if await is_blocked(space.actor_id, actor.id):
        return False
    who = effective_policy(space, item)[action.value]
    if who == Who.NOBODY:
        return False
    if who == Who.FRIENDS:
        return await are_friends(space.actor_id, actor.id)
    return True


async def check(action: Action, *, space: Space, actor: Actor, item: Item | None = None) -> None:
    """Raise Forbidden unless `actor` may do `action` on `space` (and `item`)."""
    if not await allowed(action, space=space, actor=actor, item=item):
        raise Forbidden(_(REFUSALS[action]))


# Whole sentences, not a verb slotted into one: translations need their own word order.
REFUSALS = {
    Action.COMMENT: N_("The owner of this space doesn't allow you to comment here."),
    Action.LIKE: N_("The owner of this space doesn't allow you to like things here."),
    Action.SHARE: N_("The owner of this space doesn't allow you to share things here."),
    Action.GUESTBOOK: N_(
        "The owner of this space doesn't allow you to write in the guestbook here."
    ),
}
