"""Pacing requests per amoCRM account so that no second ever holds more than the allowed number of starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol


class RequestBudget(Protocol):
    """Decides when one more request to an account may start; implementations raise nothing but cancellation."""

    async def acquire(self, account_id: int) -> None:
        """Wait until this account may send one more request; raises nothing."""
        ...


class LocalRequestBudget:
    """Per-account pacing shared by every task of this process: request starts at least 1/rps seconds apart.

    Each caller reserves the next free start (max(now, last start + 1/rps)) before it sleeps, with no await in
    between, so concurrent callers queue in order and any one-second window holds at most `rps` starts.
    Raises ValueError for a non-positive rps.
    """

    def __init__(
        self,
        rps: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not rps > 0:
            raise ValueError("rps must be positive")
        self.rps = rps
        self._interval = 1.0 / rps
        self._clock = clock
        self._sleep = sleep
        self._next_start: dict[int, float] = {}

    async def acquire(self, account_id: int) -> None:
        """Reserve the account's next start and sleep until it; raises nothing (cancellation propagates)."""
        now = self._clock()
        start = max(now, self._next_start.get(account_id, now))
        self._next_start[account_id] = start + self._interval
        if start > now:
            await self._sleep(start - now)
