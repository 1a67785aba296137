"""The social graph: follows (friend requests), blocks and friend groups."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from qspace.models.actors import Actor


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Follow(Model):
    """`follower` follows `followed`; two accepted follows both ways make friends."""

    id = fields.IntField(primary_key=True)
    follower: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="following", on_delete=fields.CASCADE
    )
    followed: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="followers", on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(FollowState, max_length=16, default=FollowState.PENDING)
    # The id of the Follow activity, to match Accept/Reject/Undo from other servers.
    ap_id = fields.CharField(max_length=1024, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follows"
        unique_together = (("follower", "followed"),)
        indexes = (("followed", "state"),)


class Block(Model):
    """`blocker` blocks `blocked`: no interaction and no delivery either way."""

    id = fields.IntField(primary_key=True)
    blocker: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="blocks_made", on_delete=fields.CASCADE
    )
    blocked: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="blocked_by", on_delete=fields.CASCADE
    )
    ap_id = fields.CharField(max_length=1024, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("blocker", "blocked"),)


class DomainBlock(Model):
    """A server the admin refuses to federate with."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    reason = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_blocks"


class FriendGroup(Model):
    """A named group of friends a space owner can address items to."""

    id = fields.IntField(primary_key=True)
    space = fields.ForeignKeyField(
        "models.Space", related_name="friend_groups", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "friend_groups"
        unique_together = (("space", "name"),)


class FriendGroupMember(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[FriendGroup] = fields.ForeignKeyField(
        "models.FriendGroup", related_name="members", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="group_memberships", on_delete=fields.CASCADE
    )

    class Meta:
        table = "friend_group_members"
        unique_together = (("group", "actor"),)
