"""The delivery job: send due Delivery rows, signed at send time, and record what happened.

Each cycle claims bounded batches (see `claim.py`) and sends them concurrently, at most
`delivery_concurrency` requests at once and `per_host_concurrency` per remote host (limits of
this process). The next batch is claimed while the last rows of the previous one are still in
flight, so a freed slot takes the next row at once instead of every wave of requests waiting
for its slowest one (the fan-out benchmark, benchmarks/README.md). Just before sending, a
row's claim is renewed and its attempt counted, in one conditional UPDATE: a worker that lost
its claim while waiting for a slot skips the row, and a worker killed mid-request leaves an
attempt that its successor retries when the lock expires.
Receivers deduplicate by activity id, so that retry is safe even if the first request arrived.

Hosts remember the signature style that worked (the "double knock") and their failures: after
DEAD_AFTER consecutive failures a host is marked dead and its deliveries wait DEAD_RECHECK
between probes, one delivery at a time, until one succeeds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.expressions import F

from federation.delivery import (
    MAX_ATTEMPTS,
    DeliveryResult,
    Outcome,
    backoff_delay,
    deliver,
    serialize_activity,
)
from federation.keys import SigningKey
from qspace.jobs.claim import claim_due
from qspace.models import Delivery, DeliveryState, Host, OutgoingActivity
from qspace.services.domain_blocks import blocked_domain_check
from qspace.services.keyring import KeyRing
from qspace.settings import FederationSettings

log = logging.getLogger("qspace.delivery")

DEAD_AFTER = 5
DEAD_RECHECK = timedelta(hours=6)
# Rows claimed at once, per concurrency slot: a row waits for a slot behind at most about
# BATCH_PER_SLOT requests. Its claim is renewed just before sending, and a claim that expired
# meanwhile is skipped (another worker may have the row by then).
BATCH_PER_SLOT = 2
# Rows one cycle sends at most, per slot: 512 with the default concurrency, enough for a post
# to 500 servers in one go, while the runner's other jobs (the inbox) wait at most that long.
MAX_PER_SLOT = 16


def _now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """A name unique to this worker process, stored in `Delivery.locked_by`."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class DeliveryWorker:
    """Sends due deliveries for one process; `run_due` is its job step."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        keys: KeyRing,
        settings: FederationSettings,
        user_agent: str,
        name: str | None = None,
    ) -> None:
        self._http = http
        self._keys = keys
        self._settings = settings
        self._user_agent = user_agent
        self.name = name or worker_name()
        self.batch_size = settings.delivery_concurrency * BATCH_PER_SLOT
        self.max_per_cycle = settings.delivery_concurrency * MAX_PER_SLOT
        # Long enough for two signed requests (the double knock) and the bookkeeping.
        self.lock_for = timedelta(seconds=3 * settings.http_timeout + 5)
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host_concurrency)
        )

    async def run_due(self) -> int:
        """Claim due deliveries batch after batch and send them; return how many were claimed.

        The next batch is claimed as soon as the rows still unsent fit in the free slots, so
        the slots stay busy across batches; one call claims at most `max_per_cycle` rows and
        returns when all of them are done (the runner's other jobs wait meanwhile).
        """
        is_blocked = await blocked_domain_check(self._settings.blocked_domains)
        batch = _Batch()
        probing: set[str] = set()
        claimed = 0
        async with asyncio.TaskGroup() as group:
            unsent: set[asyncio.Task[None]] = set()
            while claimed < self.max_per_cycle:
                now = _now()
                ids = await claim_due(
                    Delivery,
                    pending=DeliveryState.PENDING,
                    now=now,
                    limit=min(self.batch_size, self.max_per_cycle - claimed),
                    lock_for=self.lock_for,
                    owner=self.name,
                )
                if not ids:
                    break
                claimed += len(ids)
                rows = await Delivery.filter(id__in=ids).order_by("id").select_related("activity")
                hosts = await _hosts({row.host for row in rows})
                for row in await self._skip_dead_hosts(rows, hosts, now, probing):
                    task = group.create_task(self._attempt(row, hosts[row.host], is_blocked, batch))
                    unsent.add(task)
                    task.add_done_callback(unsent.discard)
                while len(unsent) > self._settings.delivery_concurrency:
                    await asyncio.wait(unsent, return_when=asyncio.FIRST_COMPLETED)
        return claimed

    async def _skip_dead_hosts(
        self, rows: list[Delivery], hosts: dict[str, Host], now: datetime, probing: set[str]
    ) -> list[Delivery]:
        """Postpone deliveries to dead hosts; a host due for a recheck gets one probe per cycle
        (`probing` holds the hosts probed so far)."""
        to_send: list[Delivery] = []
        for row in rows:
            host = hosts[row.host]
            if host.dead_since is None:
                to_send.append(row)
                continue
            recheck_at = (host.last_failure_at or host.dead_since) + DEAD_RECHECK
            if recheck_at <= now and row.host not in probing:
                probing.add(row.host)
                to_send.append(row)
                continue
            # Not due for a probe, or another row is the probe: wait for the next recheck (a
            # successful probe makes the host's deliveries due again at once).
            await self._release(
                row, next_attempt_at=recheck_at if recheck_at > now else now + DEAD_RECHECK
            )
        return to_send

    async def _release(self, row: Delivery, *, next_attempt_at: datetime) -> None:
        """Give a claimed row back without attempting it."""
        await Delivery.filter(id=row.id, locked_by=self.name).update(
            next_attempt_at=next_attempt_at, locked_until=None, locked_by=None
        )

    async def _attempt(
        self, row: Delivery, host: Host, is_blocked: Callable[[str], bool], batch: _Batch
    ) -> None:
        """Send one delivery under the concurrency limits; never raises."""
        async with self._slots, self._host_slots[row.host]:
            try:
                await self._send(row, host, is_blocked, batch)
            except Exception as exc:  # a bug or the database: retry later, keep the others going
                log.exception("delivery %s to %s failed", row.id, row.inbox_url)
                failed = DeliveryResult(Outcome.RETRY, error=f"internal error: {exc}")
                await self._record(row, row.attempts + 1, failed, judge_host=False)

    async def _send(
        self, row: Delivery, host: Host, is_blocked: Callable[[str], bool], batch: _Batch
    ) -> None:
        renewed = await Delivery.filter(
            id=row.id, locked_by=self.name, state=DeliveryState.PENDING
        ).update(locked_until=_now() + self.lock_for, attempts=F("attempts") + 1)
        if not renewed:
            return  # our claim expired while waiting and another worker has the row
        attempts = row.attempts + 1
        learned = None
        if is_blocked(row.host):
            result = DeliveryResult(Outcome.GAVE_UP, error="the domain is blocked")
        else:
            key, body = await batch.signed_as(self._keys, row.activity)
            memory = {row.host: host.signature_style} if host.signature_style else {}
            result = await deliver(
                self._http,
                row.inbox_url,
                body,
                key,
                style_memory=memory,
                user_agent=self._user_agent,
                timeout=self._settings.http_timeout,
            )
            if memory.get(row.host) and memory[row.host] != host.signature_style:
                learned = memory[row.host]  # a delivery got through: stored with the answer
        await self._record(row, attempts, result, learned_style=learned)

    async def _record(
        self,
        row: Delivery,
        attempts: int,
        result: DeliveryResult,
        *,
        judge_host: bool = True,
        learned_style: str | None = None,
    ) -> None:
        """Store the outcome of one attempt on the row and (`judge_host`) on its host, with the
        signature style the host took (`learned_style`) when it is new."""
        now = _now()
        fields: dict[str, object] = {
            "last_status": result.status,
            "last_error": result.error,
            "locked_until": None,
            "locked_by": None,
        }
        outcome = result.outcome
        if outcome is Outcome.RETRY and attempts >= MAX_ATTEMPTS:
            outcome = Outcome.GAVE_UP
        if outcome is Outcome.DELIVERED:
            fields.update(state=DeliveryState.SENT, finished_at=now)
        elif outcome is Outcome.GAVE_UP:
            fields.update(state=DeliveryState.GAVE_UP, finished_at=now)
        else:
            delay = max(backoff_delay(attempts), result.retry_after or timedelta(0))
            fields["next_attempt_at"] = now + delay
        await Delivery.filter(id=row.id, locked_by=self.name).update(**fields)
        if not judge_host:
            return
        # Any HTTP answer below 500 shows the host is up (a 410 is about one actor); no answer
        # or a 5xx counts against it. A refused address is neither.
        if result.status is not None and result.status < 500:
            await _host_answered(row.host, now, learned_style)
        elif result.outcome is Outcome.RETRY:
            await _host_failed(row.host, now)


class _Batch:
    """What the deliveries of one batch share: each signer's key, looked up once (concurrent
    deliveries wait for the same lookup), and each activity's body, serialized once (the same
    bytes go to every inbox of an activity)."""

    def __init__(self) -> None:
        self._keys: dict[int | None, asyncio.Future[SigningKey]] = {}
        self._bodies: dict[int, bytes] = {}

    async def signed_as(
        self, keys: KeyRing, activity: OutgoingActivity
    ) -> tuple[SigningKey, bytes]:
        """The signing key and body of `activity`. Raises NotFound like KeyRing.key_for."""
        lookup = self._keys.get(activity.actor_id)
        if lookup is None:
            lookup = asyncio.ensure_future(keys.key_for(activity.actor_id))
            self._keys[activity.actor_id] = lookup
        key = await asyncio.shield(lookup)  # one caller cancelled must not cancel the others
        body = self._bodies.get(activity.id)
        if body is None:
            body = self._bodies[activity.id] = serialize_activity(activity.payload)
        return key, body


async def _hosts(domains: set[str]) -> dict[str, Host]:
    """The Host rows of these domains, created when missing."""
    known = {h.domain: h for h in await Host.filter(domain__in=list(domains))}
    missing = [Host(domain=d) for d in domains if d not in known]
    if missing:
        await Host.bulk_create(missing, ignore_conflicts=True)
        known = {h.domain: h for h in await Host.filter(domain__in=list(domains))}
    return known


async def _host_answered(domain: str, now: datetime, signature_style: str | None = None) -> None:
    """A host answered: it is alive; deliveries postponed while it was dead are due again.

    `signature_style`, when given, is stored as the style to sign with first from now on.
    """
    answered: dict[str, object] = {"failures": 0, "last_success_at": now}
    if signature_style is not None:
        answered["signature_style"] = signature_style
    if await Host.filter(domain=domain, dead_since=None).update(**answered):
        return  # it was alive, as nearly always: one query
    revived = (
        await Host.filter(domain=domain)
        .exclude(dead_since=None)
        .update(dead_since=None, **answered)
    )
    if revived:
        log.info("host %s is answering again", domain)
        await Delivery.filter(
            host=domain, state=DeliveryState.PENDING, next_attempt_at__gt=now, locked_until=None
        ).update(next_attempt_at=now)


async def _host_failed(domain: str, now: datetime) -> None:
    """Count a failure (no answer or 5xx); the DEAD_AFTER-th in a row marks the host dead."""
    await Host.filter(domain=domain).update(failures=F("failures") + 1, last_failure_at=now)
    marked = await Host.filter(domain=domain, dead_since=None, failures__gte=DEAD_AFTER).update(
        dead_since=now
    )
    if marked:
        log.warning("host %s failed %d times in a row: marked dead", domain, DEAD_AFTER)
        await Delivery.filter(host=domain, state=DeliveryState.PENDING, locked_until=None).update(
            next_attempt_at=now + DEAD_RECHECK
        )
