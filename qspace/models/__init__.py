"""Tortoise models, one module per aggregate. Only services/ writes through them."""

from qspace.models.accounts import Account, Invite, RecoveryCode, Session
from qspace.models.actors import Actor
from qspace.models.federation import (
    Delivery,
    DeliveryState,
    Host,
    InboxItem,
    InboxState,
    OutgoingActivity,
    ServerState,
)
from qspace.models.interactions import Like, Notification, Share, Visit
from qspace.models.items import Audience, Item, ItemKind, ItemRecipient, ItemState, ItemTag
from qspace.models.limits import RateCounter
from qspace.models.media import Media
from qspace.models.social import (
    Block,
    DomainBlock,
    Follow,
    FollowState,
    FriendGroup,
    FriendGroupMember,
)
from qspace.models.spaces import Space

__all__ = [
    "Account",
    "Actor",
    "Audience",
    "Block",
    "Delivery",
    "DeliveryState",
    "DomainBlock",
    "Follow",
    "FollowState",
    "FriendGroup",
    "FriendGroupMember",
    "Host",
    "InboxItem",
    "InboxState",
    "Invite",
    "Item",
    "ItemKind",
    "ItemRecipient",
    "ItemState",
    "ItemTag",
    "Like",
    "Media",
    "Notification",
    "OutgoingActivity",
    "RateCounter",
    "RecoveryCode",
    "ServerState",
    "Session",
    "Share",
    "Space",
    "Visit",
]
