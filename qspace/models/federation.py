"""Federation state: outgoing activities and their deliveries, received activities, hosts."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutgoingActivity(Model):
    """An activity a local actor sent; stored once, delivered to many inboxes."""

    id = fields.IntField(primary_key=True)
    ap_id = fields.CharField(max_length=1024, unique=True)
    type = fields.CharField(max_length=32)
    # The signer: a local actor (None = the instance actor).
    actor = fields.ForeignKeyField(
        "models.Actor", related_name="outgoing", null=True, on_delete=fields.CASCADE
    )
    item = fields.ForeignKeyField(
        "models.Item", related_name="activities", null=True, on_delete=fields.SET_NULL
    )
    payload: dict = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outgoing_activities"


class DeliveryState(StrEnum):
    PENDING = "pending"  # due when next_attempt_at <= now
    SENT = "sent"
    GAVE_UP = "gave_up"  # attempts exhausted, or a permanent 4xx


class Delivery(Model):
    """One activity to one inbox: the unit of the persistent delivery queue."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[OutgoingActivity] = fields.ForeignKeyField(
        "models.OutgoingActivity", related_name="deliveries", on_delete=fields.CASCADE
    )
    inbox_url = fields.CharField(max_length=1024)
    host = fields.CharField(max_length=255, db_index=True)
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    # A claimed row is skipped by other workers until this time; a dead worker's claim expires.
    locked_until = fields.DatetimeField(null=True)
    locked_by = fields.CharField(max_length=64, null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        indexes = (("state", "next_attempt_at"),)


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class InboxItem(Model):
    """A verified activity received in an inbox, processed later by the job runner."""

    id = fields.IntField(primary_key=True)
    # The activity id; unique so a replayed or re-delivered activity is stored once.
    ap_id = fields.CharField(max_length=1024, unique=True)
    type = fields.CharField(max_length=32)
    actor_ap_id = fields.CharField(max_length=1024)
    # The local space whose personal inbox received it (None = shared inbox).
    space = fields.ForeignKeyField(
        "models.Space", related_name="inbox_items", null=True, on_delete=fields.CASCADE
    )
    payload: dict = fields.JSONField()
    state = fields.CharEnumField(InboxState, max_length=16, default=InboxState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_items"
        indexes = (("state", "next_attempt_at"),)


class Host(Model):
    """What qspace remembers about a remote server: signature style, failures, liveness."""

    domain = fields.CharField(max_length=255, primary_key=True)
    # "rfc9421" or "cavage": the signature style that worked last ("double knock" memory).
    signature_style = fields.CharField(max_length=16, null=True)
    software = fields.CharField(max_length=64, null=True)
    failures = fields.IntField(default=0)
    # Set when the host kept failing; deliveries to it are skipped until it answers again.
    dead_since = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)

    class Meta:
        table = "hosts"


class ServerState(Model):
    """Small server-wide values: the instance actor's keys, schema facts, ..."""

    key = fields.CharField(max_length=64, primary_key=True)
    value: dict = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "server_state"
