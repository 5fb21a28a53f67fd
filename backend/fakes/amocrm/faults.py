"""Gateway behaviour of the fake: the per-account rate limit, injected faults, and the request log."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class RequestRecord:
    """One request the fake answered (control endpoints excluded); status is filled in when it is answered."""

    method: str
    path: str
    query: str
    account_id: int | None
    time: float
    body: Any = None
    status: int = 0

    def as_json(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "account_id": self.account_id,
            "status": self.status,
            "time": self.time,
            "body": self.body,
        }


@dataclass
class Fault:
    """An injected fault for the next `remaining` matching requests: a failure status, a delay, or both."""

    remaining: int
    status: int | None = None
    seconds: float = 0.0
    body: Any = None
    content_type: str | None = None
    path_prefix: str | None = None
    account_id: int | None = None
    after_apply: bool = False
    method: str | None = None  # only requests of this HTTP method (None: any)

    def matches(self, path: str, account_id: int | None, method: str = "GET") -> bool:
        """Whether the fault applies: no prefix means API calls only; a prefix may also target /oauth2."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path_prefix is None:
            if not path.startswith("/api/"):
                return False
        elif not path.startswith(self.path_prefix):
            return False
        return self.account_id is None or self.account_id == account_id

    def as_json(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dict."""
        return {
            "remaining": self.remaining,
            "status": self.status,
            "seconds": self.seconds,
            "path_prefix": self.path_prefix,
            "account_id": self.account_id,
            "after_apply": self.after_apply,
            "method": self.method,
        }


class FaultQueue:
    """Owns the pending faults; the oldest matching fault is used first."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Queue a fault; raises ValueError for a non-positive count or a negative delay."""
        if fault.remaining < 1:
            raise ValueError("n must be at least 1")
        if fault.seconds < 0:
            raise ValueError("seconds must not be negative")
        if fault.status is not None and not 100 <= fault.status <= 599:
            raise ValueError("status must be an HTTP status code")
        self.pending.append(fault)
        return fault

    def take(self, path: str, account_id: int | None, method: str = "GET") -> Fault | None:
        """Spend one use of the oldest fault matching this request and return it, or None."""
        for fault in self.pending:
            if fault.matches(path, account_id, method):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Drop every pending fault."""
        self.pending.clear()


class RateLimiter:
    """Admits at most `limit` requests per account in any sliding one-second window of the monotonic clock."""

    def __init__(self, clock: Callable[[], float], limit: int) -> None:
        self.clock = clock
        self.limit = limit
        self._admitted: dict[int, deque[float]] = {}

    def admit(self, account_id: int) -> bool:
        """Record and admit a request, or refuse it (refusals do not fill the window); 0 means unlimited."""
        if self.limit <= 0:
            return True
        now = self.clock()
        window = self._admitted.setdefault(account_id, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        return True

    def reset(self) -> None:
        """Forget every admitted request."""
        self._admitted.clear()
