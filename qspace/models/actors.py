"""Every ActivityPub actor qspace knows: local spaces and the remote people they meet."""

from tortoise import fields
from tortoise.models import Model


class Actor(Model):
    """One actor, local (backed by a Space) or remote (cached from its server).

    Local and remote people share this table so follows, likes and comments work the same way
    whoever is on the other end.
    """

    id = fields.IntField(primary_key=True)
    ap_id = fields.CharField(max_length=1024, unique=True)
    type = fields.CharField(max_length=32, default="Person")
    username = fields.CharField(max_length=255)
    domain = fields.CharField(max_length=255, db_index=True)
    is_local = fields.BooleanField(default=False)
    display_name = fields.CharField(max_length=255, default="")
    summary_html = fields.TextField(default="")
    url = fields.CharField(max_length=1024, null=True)
    icon_url = fields.CharField(max_length=1024, null=True)
    image_url = fields.CharField(max_length=1024, null=True)
    inbox = fields.CharField(max_length=1024, default="")
    shared_inbox = fields.CharField(max_length=1024, null=True)
    outbox = fields.CharField(max_length=1024, null=True)
    followers_url = fields.CharField(max_length=1024, null=True)
    following_url = fields.CharField(max_length=1024, null=True)
    featured_url = fields.CharField(max_length=1024, null=True)
    key_id = fields.CharField(max_length=1024, null=True, db_index=True)
    public_key_pem = fields.TextField(null=True)
    manually_approves = fields.BooleanField(default=True)
    # The actor document as received (remote actors only).
    ap_raw: dict | None = fields.JSONField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "actors"

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.domain}"
