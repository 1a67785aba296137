"""The delivery job: send due Delivery rows, signed at send time, and record what happened.

Each cycle claims a bounded batch (see `claim.py`) and sends it concurrently, at most
`delivery_concurrency` requests at once and `per_host_concurrency` per remote host (limits of
this process). Just before sending, a row's claim is renewed and its attempt counted, in one
conditional UPDATE: a worker that lost its claim while waiting for a slot skips the row, and a
worker killed mid-request leaves an attempt that its successor retries when the lock expires.
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

from federation.delivery import MAX_ATTEMPTS, DeliveryResult, Outcome, backoff_delay, deliver
from qspace.jobs.claim import claim_due
from qspace.models import Delivery, DeliveryState, Host
from qspace.services.domain_blocks import blocked_domain_check
from qspace.services.keyring import KeyRing
from qspace.settings import FederationSettings

log = logging.getLogger("qspace.delivery")

DEAD_AFTER = 5
DEAD_RECHECK = timedelta(hours=6)


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
        self.batch_size = settings.delivery_concurrency
        # Long enough for two signed requests (the double knock) and the bookkeeping.
        self.lock_for = timedelta(seconds=3 * settings.http_timeout + 5)
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host_concurrency)
        )

    async def run_due(self) -> int:
        """Claim a batch of due deliveries and send them; return how many were claimed."""
        now = _now()
        ids = await claim_due(
            Delivery,
            pending=DeliveryState.PENDING,
            now=now,
            limit=self.batch_size,
            lock_for=self.lock_for,
            owner=self.name,
        )
        if not ids:
            return 0
        rows = await Delivery.filter(id__in=ids).order_by("id").select_related("activity")
        hosts = await _hosts({row.host for row in rows})
        is_blocked = await blocked_domain_check(self._settings.blocked_domains)
        to_send = await self._skip_dead_hosts(rows, hosts, now)
        async with asyncio.TaskGroup() as group:
            for row in to_send:
                group.create_task(self._attempt(row, hosts[row.host], is_blocked))
        return len(rows)

    async def _skip_dead_hosts(
        self, rows: list[Delivery], hosts: dict[str, Host], now: datetime
    ) -> list[Delivery]:
        """Postpone deliveries to dead hosts; a host due for a recheck gets one probe."""
        to_send: list[Delivery] = []
        probing: set[str] = set()
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

    async def _attempt(self, row: Delivery, host: Host, is_blocked: Callable[[str], bool]) -> None:
        """Send one delivery under the concurrency limits; never raises."""
        async with self._slots, self._host_slots[row.host]:
            try:
                await self._send(row, host, is_blocked)
            except Exception as exc:  # a bug or the database: retry later, keep the others going
                log.exception("delivery %s to %s failed", row.id, row.inbox_url)
                failed = DeliveryResult(Outcome.RETRY, error=f"internal error: {exc}")
                await self._record(row, row.attempts + 1, failed, judge_host=False)

    async def _send(self, row: Delivery, host: Host, is_blocked: Callable[[str], bool]) -> None:
        renewed = await Delivery.filter(
            id=row.id, locked_by=self.name, state=DeliveryState.PENDING
        ).update(locked_until=_now() + self.lock_for, attempts=F("attempts") + 1)
        if not renewed:
            return  # our claim expired while waiting and another worker has the row
        attempts = row.attempts + 1
        if is_blocked(row.host):
            result = DeliveryResult(Outcome.GAVE_UP, error="the domain is blocked")
        else:
            key = await self._keys.key_for(row.activity.actor_id)
            memory = {row.host: host.signature_style} if host.signature_style else {}
            result = await deliver(
                self._http,
                row.inbox_url,
                row.activity.payload,
                key,
                style_memory=memory,
                user_agent=self._user_agent,
                timeout=self._settings.http_timeout,
            )
            if memory.get(row.host) and memory[row.host] != host.signature_style:
                await Host.filter(domain=row.host).update(signature_style=memory[row.host])
        await self._record(row, attempts, result)

    async def _record(
        self, row: Delivery, attempts: int, result: DeliveryResult, *, judge_host: bool = True
    ) -> None:
        """Store the outcome of one attempt on the row and (`judge_host`) on its host."""
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
            await _host_answered(row.host, now)
        elif result.outcome is Outcome.RETRY:
            await _host_failed(row.host, now)


async def _hosts(domains: set[str]) -> dict[str, Host]:
    """The Host rows of these domains, created when missing."""
    known = {h.domain: h for h in await Host.filter(domain__in=list(domains))}
    missing = [Host(domain=d) for d in domains if d not in known]
    if missing:
        await Host.bulk_create(missing, ignore_conflicts=True)
        known = {h.domain: h for h in await Host.filter(domain__in=list(domains))}
    return known


async def _host_answered(domain: str, now: datetime) -> None:
    """A host answered: it is alive; deliveries postponed while it was dead are due again."""
    revived = await Host.filter(domain=domain).exclude(dead_since=None).update(dead_since=None)
    await Host.filter(domain=domain).update(failures=0, last_success_at=now)
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
