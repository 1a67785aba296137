"""Items: status updates, blog posts, albums, photos, comments and guestbook messages.

They share one table because they share everything that matters for privacy and federation: an
author, an audience, an ActivityPub id, comments, likes and a tombstone when deleted.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from qspace.models.actors import Actor


class ItemKind(StrEnum):
    STATUS = "status"
    BLOG = "blog"
    ALBUM = "album"
    PHOTO = "photo"
    COMMENT = "comment"
    GUESTBOOK = "guestbook"


class Audience(StrEnum):
    PUBLIC = "public"
    # Remote posts that are public but not listed (Mastodon "unlisted"); never used locally.
    UNLISTED = "unlisted"
    # Remote posts to the author's followers: shown to local people who follow the author.
    FOLLOWERS = "followers"
    FRIENDS = "friends"
    GROUP = "group"
    # Only the author (and, for guestbook messages, the space owner) sees it.
    PRIVATE = "private"
    # Addressed to the people listed in ItemRecipient only.
    DIRECT = "direct"


class ItemState(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    # Guestbook messages waiting for the owner's approval.
    HELD = "held"
    HIDDEN = "hidden"


class Item(Model):
    """One piece of content; `kind` says which, `audience` says who may see it."""

    id = fields.IntField(primary_key=True)
    ap_id = fields.CharField(max_length=1024, unique=True)
    kind = fields.CharEnumField(ItemKind, max_length=16)
    author: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="items", on_delete=fields.CASCADE
    )
    # The space the item shows in: the author's own space, the wall a guestbook message is
    # written on, or the space of the item a comment belongs to. None for remote items.
    space = fields.ForeignKeyField(
        "models.Space", related_name="items", null=True, on_delete=fields.CASCADE
    )
    audience = fields.CharEnumField(Audience, max_length=16, default=Audience.PUBLIC)
    group = fields.ForeignKeyField(
        "models.FriendGroup", related_name="items", null=True, on_delete=fields.SET_NULL
    )
    state = fields.CharEnumField(ItemState, max_length=16, default=ItemState.PUBLISHED)
    title = fields.CharField(max_length=300, default="")
    # Blog permalink part; fixed at creation so the URL (and ActivityPub id) never changes.
    slug = fields.CharField(max_length=120, null=True)
    summary = fields.TextField(default="")
    source = fields.TextField(default="")
    source_type = fields.CharField(max_length=16, default="text")  # text | markdown | html
    content_html = fields.TextField(default="")
    mood = fields.CharField(max_length=100, default="")
    language = fields.CharField(max_length=16, null=True)
    sensitive = fields.BooleanField(default=False)
    # The HTML page of the item (remote items; local ones derive it from the ap_id).
    url = fields.CharField(max_length=1024, null=True)
    in_reply_to = fields.ForeignKeyField(
        "models.Item", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    in_reply_to_ap_id = fields.CharField(max_length=1024, null=True)
    # The top item of a comment thread (the status, post, album or photo commented on).
    root = fields.ForeignKeyField(
        "models.Item", related_name="thread", null=True, on_delete=fields.CASCADE
    )
    # The album a photo belongs to.
    container = fields.ForeignKeyField(
        "models.Item", related_name="contents", null=True, on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)
    # Per-item interaction policy override (same shape as Space.policy).
    policy: dict | None = fields.JSONField(null=True)
    # Albums may be gated by a question or passphrase; the answer is stored hashed.
    gate_question = fields.CharField(max_length=300, null=True)
    gate_answer_hash = fields.CharField(max_length=255, null=True)
    like_count = fields.IntField(default=0)
    comment_count = fields.IntField(default=0)
    share_count = fields.IntField(default=0)
    is_local = fields.BooleanField(default=True)
    ap_raw: dict | None = fields.JSONField(null=True)
    published_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "items"
        unique_together = (("space", "slug"),)
        indexes = (
            ("author", "published_at"),
            ("space", "kind", "published_at"),
            ("published_at", "id"),
        )


class ItemRecipient(Model):
    """An actor an item is addressed to (direct messages, remote addressing, group copies)."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="recipients", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="addressed_items", on_delete=fields.CASCADE
    )

    class Meta:
        table = "item_recipients"
        unique_together = (("item", "actor"),)


class ItemTag(Model):
    """A hashtag on an item, for tag pages and search."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="tags", on_delete=fields.CASCADE
    )
    tag = fields.CharField(max_length=100, db_index=True)

    class Meta:
        table = "item_tags"
        unique_together = (("item", "tag"),)
