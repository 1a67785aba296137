"""Rate-limit counters, kept in the database so every server process shares them."""

from tortoise import fields
from tortoise.models import Model


class RateCounter(Model):
    """How many times `key` (e.g. "login:ip:203.0.113.9") was hit in one fixed time window."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=200)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "rate_counters"
        unique_together = (("key", "window_start"),)
        indexes = (("window_start",),)
