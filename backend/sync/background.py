"""The work amo1c does without a request, in every worker: sending the outbox's due intents (and what later
steps add: reading webhooks' hints back, reconciling). One task per worker, started and stopped by the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("amo1c.background")

Job = Callable[[], Awaitable[int]]  # does one round of its work; answers how much it did (0: idle)


async def run_jobs(jobs: list[Job], stop: asyncio.Event, *, idle_wait: float = 1.0) -> None:
    """Run every job in turn until `stop` is set; a job that did something runs again at once, an idle round waits
    `idle_wait` seconds. A failing job is logged and retried in the next round; raises nothing."""
    while not stop.is_set():
        busy = 0
        for job in jobs:
            try:
                busy += await job()
            except Exception:
                logger.exception("background job %s failed; it runs again in the next round", job)
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), idle_wait)
