"""The job runner: repeatedly runs every job kind's "do what is due" step until stopped.

Each job kind is an async callable that claims a bounded batch of due rows, works on them and
returns how many it handled. The runner sleeps only when a whole cycle found nothing to do, so a
busy queue drains quickly and an idle server costs one cheap query per kind per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger("qspace.jobs")

JobStep = Callable[[], Awaitable[int]]


class JobRunner:
    def __init__(self, steps: Sequence[JobStep], *, idle_interval: float = 1.0) -> None:
        self.steps = list(steps)
        self.idle_interval = idle_interval
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_due_jobs(self) -> int:
        """Run every step once; return the number of jobs handled (tests call this directly)."""
        handled = 0
        for step in self.steps:
            try:
                handled += await step()
            except Exception:  # one broken kind must not stop the others
                log.exception("job step %s failed", getattr(step, "__name__", step))
        return handled

    def wake(self) -> None:
        """Ask the runner to look for work now instead of after its idle interval."""
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stop.is_set():
            handled = await self.run_due_jobs()
            if handled:
                continue
            self._wake.clear()
            waits = [
                asyncio.ensure_future(self._stop.wait()),
                asyncio.ensure_future(self._wake.wait()),
            ]
            _done, pending = await asyncio.wait(
                waits, timeout=self.idle_interval, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run_forever(), name="qspace-jobs")

    async def stop(self, timeout: float) -> None:
        """Let the current cycle finish (up to `timeout` seconds), then stop."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.warning("job runner did not finish within %ss; cancelling", timeout)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
