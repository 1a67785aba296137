"""People who log in: accounts, their sessions, recovery codes and invites."""

from tortoise import fields
from tortoise.models import Model


class Account(Model):
    """A person who can log in; owns one space (an admin may own several)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    # None means the account cannot log in with a password (e.g. created by a script).
    password_hash = fields.CharField(max_length=255, null=True)
    is_admin = fields.BooleanField(default=False)
    is_disabled = fields.BooleanField(default=False)
    # Preferred UI language (e.g. "zh_CN"); None follows the browser's Accept-Language.
    locale = fields.CharField(max_length=16, null=True)
    # Whether this person appears in the visitor logs of the spaces they visit.
    record_visits = fields.BooleanField(default=True)
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_enabled = fields.BooleanField(default=False)
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "accounts"


class Session(Model):
    """A server-side session; the cookie carries a random token whose hash is the key."""

    id = fields.CharField(max_length=64, primary_key=True)  # sha256 hex of the cookie token
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="sessions", null=True, on_delete=fields.CASCADE
    )
    csrf_secret = fields.CharField(max_length=64)
    # Small per-session state: a pending two-factor login, unlocked albums, ...
    data: dict = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "sessions"


class RecoveryCode(Model):
    """A one-time two-factor recovery code, stored hashed."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=255)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "recovery_codes"


class Invite(Model):
    """A single-use, expiring invite link made by an admin."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="invites_made", on_delete=fields.CASCADE
    )
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="invite_used", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "invites"
