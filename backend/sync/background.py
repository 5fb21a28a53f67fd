"""The work amo1c does without a request, in every worker: sending the outbox's due intents (and what later
steps add: reading webhooks' hints back, reconciling). One task per worker, started and stopped by the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("amo1c.background")

Job = Callable[[], Awaitable[int]]  # does one round of its work; answers how much it did (0: idle)


async def run_jobs(
    jobs: list[Job], stop: asyncio.Event, *, idle_wait: float = 1.0, wake: asyncio.Event | None = None
) -> None:
    """Run every job in turn until `stop` is set; a job that did something runs again at once, an idle round waits
    `idle_wait` seconds or until `wake` is set (work arrived in this worker: a webhook's hint). A failing job is
    logged and retried in the next round; raises nothing."""
    while not stop.is_set():
        if wake is not None:
            wake.clear()  # what arrives from here on is seen by this round or wakes the idle wait after it
        busy = 0
        for job in jobs:
            try:
                busy += await job()
            except Exception:
                logger.exception("background job %s failed; it runs again in the next round", job)
        if not busy:
            await _idle(stop, wake, idle_wait)


async def _idle(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Wait `seconds`, or less when `stop` or `wake` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waiters, return_exceptions=True)
