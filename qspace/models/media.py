"""Media files: photos, avatars, banners, backgrounds and music."""

from tortoise import fields
from tortoise.models import Model


class Media(Model):
    """One uploaded (or cached remote) file and its stored variants."""

    id = fields.IntField(primary_key=True)
    owner = fields.ForeignKeyField(
        "models.Space", related_name="media", null=True, on_delete=fields.CASCADE
    )
    item = fields.ForeignKeyField(
        "models.Item", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=16, default="image")  # image | audio
    # What the file is for in its space: photo, avatar, banner, background or music. A space's
    # avatar is its newest "avatar" media (no foreign key back from spaces: that would be a cycle).
    role = fields.CharField(max_length=16, default="photo")
    mime = fields.CharField(max_length=64)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    blurhash = fields.CharField(max_length=64, null=True)
    alt = fields.TextField(default="")
    bytes = fields.BigIntField(default=0)
    sha256 = fields.CharField(max_length=64, null=True)
    # name -> {"path", "width", "height", "bytes", "mime"}, paths relative to the media dir.
    variants: dict = fields.JSONField(default=dict)
    # Audio: title, artist, duration; images: nothing else kept (EXIF is stripped).
    meta: dict = fields.JSONField(default=dict)
    # An unguessable token: friends-only media is served at a capability URL, because Mastodon
    # does not sign media fetches.
    capability = fields.CharField(max_length=64, unique=True)
    remote_url = fields.CharField(max_length=1024, null=True)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media"
        indexes = (("owner", "role"),)
