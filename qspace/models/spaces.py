"""A space: a person's decorated home page and everything on it."""

from tortoise import fields
from tortoise.models import Model

from qspace.models.accounts import Account
from qspace.models.actors import Actor


class Space(Model):
    """A personal space, published as a Person actor; its page is at @name."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    owner: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="spaces", on_delete=fields.CASCADE
    )
    actor: fields.OneToOneRelation[Actor] = fields.OneToOneField(
        "models.Actor", related_name="space", on_delete=fields.CASCADE
    )
    display_name = fields.CharField(max_length=100, default="")
    bio = fields.TextField(default="")
    mood = fields.CharField(max_length=100, default="")
    # Decoration: the skin pack, its variables, the owner's custom CSS and the module layout.
    theme_id = fields.CharField(max_length=64, default="default")
    theme_vars: dict = fields.JSONField(default=dict)
    custom_css = fields.TextField(default="")
    layout: dict = fields.JSONField(default=dict)
    # Who may comment, like, share and write in the guestbook (see services/policy.py).
    policy: dict = fields.JSONField(default=dict)
    visitor_log_enabled = fields.BooleanField(default=True)
    guestbook_moderated = fields.BooleanField(default=False)
    pinned_note = fields.TextField(default="")
    # False = manuallyApprovesFollowers: friend requests wait for approval.
    auto_accept_follows = fields.BooleanField(default=False)
    hide_social_graph = fields.BooleanField(default=False)
    private_key_pem = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "spaces"
