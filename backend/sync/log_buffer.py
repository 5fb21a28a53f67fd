"""A bounded buffer that gathers items and hands them to a writer in batches: at most `interval` seconds after the
first one came, at once when it is full, and when it is closed. Nothing is dropped: an item that finds the buffer
full waits while its caller writes the batch (backpressure instead of loss)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
logger = logging.getLogger("amo1c.synclog")


class LogBuffer(Generic[T]):
    """Items waiting to be written by `write_batch` (which must not raise: a failure is its own to log).

    Until `start()` and after `close()` an added item is written at once, so a buffer whose task does not run never
    holds anything.
    """

    def __init__(self, write_batch: Callable[[list[T]], Awaitable[None]], *, capacity: int, interval: float) -> None:
        if capacity < 1 or interval <= 0:
            raise ValueError("a log buffer needs a positive capacity and interval")
        self._write_batch = write_batch
        self.capacity = capacity
        self.interval = interval
        self._items: list[T] = []
        self._lock = asyncio.Lock()  # one batch written at a time, in the order the items came
        self._filled = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def running(self) -> bool:
        """Whether items are gathered (between start and close) rather than written at once."""
        return self._task is not None

    def start(self) -> None:
        """Start the task that writes the gathered items; call it in the event loop that serves the requests."""
        if self._task is None:
            self._closing.clear()
            self._task = asyncio.create_task(self._run(), name="amo1c sync log writer")

    async def close(self) -> None:
        """Stop gathering and write whatever waits; raises nothing."""
        task, self._task = self._task, None
        if task is not None:
            self._closing.set()
            self._filled.set()
            await task
        await self.flush()

    async def add(self, item: T) -> None:
        """Gather `item`, or write it now when the buffer does not run; when the buffer is full, write the batch
        first (the caller waits for it) — never drop."""
        if self._task is None:
            await self._write_batch([item])
            return
        while len(self._items) >= self.capacity:
            await self.flush()
        self._items.append(item)
        self._filled.set()

    async def flush(self) -> None:
        """Write every gathered item now, in one batch; raises nothing the writer does not."""
        async with self._lock:
            items, self._items = self._items, []
            if items:
                await self._write_batch(items)

    async def _run(self) -> None:
        while True:
            await self._filled.wait()
            with contextlib.suppress(TimeoutError):  # the first item waits at most `interval`, closing ends it
                await asyncio.wait_for(self._closing.wait(), self.interval)
            self._filled.clear()
            try:
                await self.flush()
            except Exception:  # the writer logs its own failures; this keeps the task alive whatever happens
                logger.exception("the sync log buffer could not be written")
            if self._closing.is_set():
                return
