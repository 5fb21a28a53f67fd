"""Sending hooks out of the fake: the delivery log, chosen drops, and POSTs that never hold up an API answer.

Each delivery is one POST, started as its own task once an event loop runs (a change made from sync code waits
for the next `wait()`), after the deliveries queued before it to the same destination. There are no retries:
a failed or timed-out delivery stays failed, like a hook amoCRM gave up on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from backend.fakes.amocrm.hook_forms import FORM, Form, encode

QUEUED, SENDING, DELIVERED, FAILED, DROPPED = "queued", "sending", "delivered", "failed", "dropped"
DEFAULT_TIMEOUT = 2.0  # amoCRM waits about 2 s for a receiver's answer


@dataclass
class Delivery:
    """One hook POST: where it goes, what it carries, and how it ended (`state`, `status`, `error`)."""

    id: int
    account_id: int
    kind: str  # "webhook" or "digital_pipeline"
    event: str  # a webhook setting such as "status_lead", or "lead_appeared_in_status"
    destination: str
    entity_ids: list[int]
    form: Form
    queued_at: float
    state: str = QUEUED
    status: int | None = None
    error: str | None = None
    finished_at: float | None = None

    @property
    def dropped(self) -> bool:
        """Whether the fake chose not to send it."""
        return self.state == DROPPED

    def fields(self) -> dict[str, str]:
        """Return the form as a dict (every key occurs once)."""
        return dict(self.form)

    def as_json(self) -> dict[str, Any]:
        """Return the delivery as a JSON-ready dict."""
        return {
            "id": self.id,
            "account_id": self.account_id,
            "kind": self.kind,
            "event": self.event,
            "destination": self.destination,
            "entity_ids": self.entity_ids,
            "state": self.state,
            "dropped": self.dropped,
            "status": self.status,
            "error": self.error,
            "queued_at": self.queued_at,
            "finished_at": self.finished_at,
            "form": self.fields(),
        }


@dataclass
class DropRule:
    """Drop the next `remaining` deliveries of `event` (any event when None)."""

    remaining: int
    event: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the rule as a JSON-ready dict."""
        return {"remaining": self.remaining, "event": self.event}


class Deliverer:
    """Owns the delivery log, the drop rules, the transport hooks go through and the tasks sending them."""

    def __init__(
        self,
        wall_clock: Callable[[], float],
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.wall_clock = wall_clock
        self.transport = transport
        self.timeout = timeout
        self.log: list[Delivery] = []
        self.drops: list[DropRule] = []
        self._serial = 0
        self._unsent: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}

    def drop_next(self, n: int = 1, event: str | None = None) -> DropRule:
        """Drop the next n deliveries (of `event` only, when given); raises ValueError when n < 1."""
        if n < 1:
            raise ValueError("n must be at least 1")
        rule = DropRule(n, event)
        self.drops.append(rule)
        return rule

    def queue(
        self, account_id: int, kind: str, event: str, destination: str, entity_ids: list[int], form: Form
    ) -> Delivery:
        """Log a delivery and send it soon, unless a drop rule takes it (then it is logged as dropped)."""
        self._serial += 1
        delivery = Delivery(self._serial, account_id, kind, event, destination, entity_ids, form, self.wall_clock())
        self.log.append(delivery)
        if self._take_drop(event):
            delivery.state = DROPPED
            delivery.finished_at = delivery.queued_at
            return delivery
        self._unsent.append(delivery)
        self._start_unsent()
        return delivery

    async def wait(self) -> None:
        """Return once every queued delivery has finished (those queued meanwhile included)."""
        loop = asyncio.get_running_loop()
        self._start_unsent()
        # Tasks of an event loop that closed before they finished (a test's previous loop) will never finish.
        while mine := [task for task in self._tasks if task.get_loop() is loop]:
            self._tasks.intersection_update(mine)
            await asyncio.wait(mine)
            self._start_unsent()

    def _take_drop(self, event: str) -> bool:
        """Use one count of the first drop rule matching the event; return whether one did."""
        for rule in self.drops:
            if rule.event is None or rule.event == event:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.drops.remove(rule)
                return True
        return False

    def _start_unsent(self) -> None:
        """Start a task for every delivery not yet started, when an event loop is running."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        unsent, self._unsent = self._unsent, []
        for delivery in unsent:
            previous = self._last.get(delivery.destination)
            if previous is not None and previous.get_loop() is not loop:
                previous = None
            task = loop.create_task(self._send_after(delivery, previous))
            self._last[delivery.destination] = task
            self._tasks.add(task)
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        """Drop a finished task from the bookkeeping."""
        self._tasks.discard(task)
        self._last = {url: t for url, t in self._last.items() if t is not task}

    async def _send_after(self, delivery: Delivery, previous: asyncio.Task[None] | None) -> None:
        """Send a delivery once the previous one to the same destination has finished."""
        if previous is not None:
            await asyncio.wait([previous])
        delivery.state = SENDING
        post = asyncio.ensure_future(self._post(delivery))
        done, _ = await asyncio.wait([post], timeout=self.timeout)
        if not done:
            # Like amoCRM: stop waiting, but the receiver still finishes its work (an in-process app is not cancelled).
            self._finish(delivery, None, f"no answer within {self.timeout:g} s")
            await asyncio.wait([post])
            if not post.cancelled():
                post.exception()
            return
        try:
            status = post.result()
        except Exception as exc:  # an unreachable receiver, or an in-process one that crashed
            self._finish(delivery, None, f"{type(exc).__name__}: {exc}")
        else:
            self._finish(delivery, status, None if 200 <= status < 300 else f"answered {status}")

    async def _post(self, delivery: Delivery) -> int:
        """POST the form to the destination and return the answer's status; raises httpx errors."""
        headers = {"Content-Type": FORM}
        request = httpx.Request("POST", delivery.destination, content=encode(delivery.form), headers=headers)
        if self.transport is not None:
            response = await self.transport.handle_async_request(request)
            await response.aread()
            await response.aclose()
            return response.status_code
        # No proxy from the environment: the receivers a fake talks to are on loopback.
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout + 1.0), trust_env=False) as client:
            return (await client.send(request)).status_code

    def _finish(self, delivery: Delivery, status: int | None, error: str | None) -> None:
        """Record how a delivery ended."""
        delivery.status = status
        delivery.error = error
        delivery.state = DELIVERED if error is None else FAILED
        delivery.finished_at = self.wall_clock()
