"""The job steps the runner cycles through, and how often each runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from qspace.jobs.delivery import DeliveryWorker
from qspace.jobs.inbox import InboxWorker
from qspace.jobs.runner import JobStep
from qspace.services import limits, retention, sessions
from qspace.services.inbox import InboxContext

if TYPE_CHECKING:  # only for annotations: app.py imports this module
    from qspace.app import Services


def every(seconds: float, step: JobStep, clock: Callable[[], float] = time.monotonic) -> JobStep:
    """Run `step` at most once per `seconds` (housekeeping needn't run every cycle).

    Housekeeping never counts as work done, so it never keeps the runner from idling.
    """
    last = [float("-inf")]

    async def throttled() -> int:
        if clock() - last[0] < seconds:
            return 0
        last[0] = clock()
        await step()
        return 0

    throttled.__name__ = getattr(step, "__name__", "step")
    return throttled


def job_steps(services: Services) -> list[JobStep]:
    inbox = InboxWorker(InboxContext(services.urls, services.remote_actors))
    delivery = DeliveryWorker(
        http=services.http,
        keys=services.keys,
        settings=services.settings.federation,
        user_agent=services.user_agent,
    )
    return [
        # Inbox first: what it queues (an Accept) goes out in the same cycle.
        inbox.run_due,
        delivery.run_due,
        every(600, sessions.prune_expired),
        every(600, limits.prune),
        every(3600, retention.prune_inbox),
    ]
