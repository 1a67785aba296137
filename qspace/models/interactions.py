"""Reactions and traces: likes, shares, visits and notifications."""

from tortoise import fields
from tortoise.models import Model

from qspace.models.actors import Actor
from qspace.models.items import Item


class Like(Model):
    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="likes", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="likes", on_delete=fields.CASCADE
    )
    ap_id = fields.CharField(max_length=1024, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "likes"
        unique_together = (("actor", "item"),)


class Share(Model):
    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="shares", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="shares", on_delete=fields.CASCADE
    )
    ap_id = fields.CharField(max_length=1024, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shares"
        unique_together = (("actor", "item"),)


class Visit(Model):
    """The latest visit of a signed-in person to a space (one row per pair, time updated)."""

    id = fields.IntField(primary_key=True)
    space = fields.ForeignKeyField("models.Space", related_name="visits", on_delete=fields.CASCADE)
    visitor = fields.ForeignKeyField(
        "models.Account", related_name="visits_made", on_delete=fields.CASCADE
    )
    visited_at = fields.DatetimeField()

    class Meta:
        table = "visits"
        unique_together = (("space", "visitor"),)
        indexes = (("space", "visited_at"),)


class Notification(Model):
    """Something that happened to a space: a comment, like, friend request, ..."""

    id = fields.IntField(primary_key=True)
    recipient = fields.ForeignKeyField(
        "models.Space", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    actor = fields.ForeignKeyField(
        "models.Actor", related_name=False, null=True, on_delete=fields.CASCADE
    )
    item = fields.ForeignKeyField(
        "models.Item", related_name=False, null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("recipient", "read_at"), ("recipient", "created_at"))
