"""Queued misbehaviours: the next matching requests fail, hang, or get garbage instead of a 1C answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from starlette.responses import Response

from backend.fakes.onec.responses import BOM, JSON_TYPE, html_error_page, onec_text

FAULT_MODES = ("status", "hang", "garbage", "html", "session_timeout")
DEFAULT_STATUS = MappingProxyType({"status": 500, "hang": 200, "garbage": 200, "html": 502, "session_timeout": 406})
MODULE_ERROR = 'Ошибка при вызове метода контекста (Записать): Поле "ИНН" не заполнено'
SESSION_TIMEOUT = "Истекло время ожидания сеанса"
GARBAGE = BOM + '{"link": "e1cib/data/Документ.ЗаказКлиента?ref='.encode() + b"\xff\xfe\x00"


@dataclass
class Fault:
    """One queued misbehaviour applied to the next `remaining` requests of `type` (any type when None)."""

    mode: str
    remaining: int = 1
    status: int = 500
    body: str | bytes | None = None
    seconds: float = 30.0
    type: str | None = None

    def matches(self, request_type: str | None) -> bool:
        """Return whether this fault applies to a request of `request_type`."""
        return self.remaining > 0 and (self.type is None or self.type == request_type)

    async def respond(self, normal: Callable[[], Response]) -> Response:
        """Return the faulty answer; a hang sleeps `seconds` and then returns `normal()`."""
        if self.mode == "hang":
            await asyncio.sleep(self.seconds)
            return normal()
        if self.mode == "html":
            return html_error_page(self.status)
        if self.mode == "garbage":
            body = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
            return Response(body or GARBAGE, status_code=self.status, media_type=JSON_TYPE)
        if self.mode == "session_timeout":
            return onec_text(SESSION_TIMEOUT, self.status)
        text = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
        return onec_text(text or MODULE_ERROR, self.status)

    def to_json(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dict."""
        body = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body
        return {
            "mode": self.mode,
            "count": self.remaining,
            "status": self.status,
            "body": body,
            "seconds": self.seconds,
            "type": self.type,
        }


def make_fault(
    mode: str,
    count: int = 1,
    *,
    status: int | None = None,
    body: str | bytes | None = None,
    seconds: float = 30.0,
    type: str | None = None,
) -> Fault:
    """Build a fault with the mode's default status; raises ValueError for an unknown mode or bad number."""
    if mode not in FAULT_MODES:
        raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}")
    if count < 1:
        raise ValueError("count must be >= 1")
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    chosen = DEFAULT_STATUS[mode] if status is None else status
    if not 100 <= chosen <= 599:
        raise ValueError("status must be an HTTP status code")
    return Fault(mode, count, chosen, body, seconds, type)


def fault_from_json(data: Mapping[str, Any]) -> Fault:
    """Build a fault from a `POST /_fake/faults` body; raises ValueError naming the bad key."""
    count, status, seconds = data.get("count", 1), data.get("status"), data.get("seconds", 30.0)
    body, request_type = data.get("body"), data.get("type")
    if not isinstance(data.get("mode"), str):
        raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}")
    if not isinstance(count, int) or isinstance(count, bool):
        raise ValueError("count must be an integer")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        raise ValueError("status must be an integer")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise ValueError("seconds must be a number")
    if body is not None and not isinstance(body, str):
        raise ValueError("body must be a string")
    if request_type is not None and not isinstance(request_type, str):
        raise ValueError("type must be a string")
    return make_fault(data["mode"], count, status=status, body=body, seconds=float(seconds), type=request_type)


class FaultQueue:
    """Owns the queued faults in the order they were added; a request consumes the first one that matches."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Queue `fault` after the ones already waiting and return it."""
        self._faults.append(fault)
        return fault

    def take(self, request_type: str | None) -> Fault | None:
        """Return the first fault matching `request_type`, counting one use of it, or None."""
        for fault in self._faults:
            if fault.matches(request_type):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> int:
        """Drop every queued fault and return how many there were."""
        dropped = len(self._faults)
        self._faults.clear()
        return dropped

    def pending(self) -> list[Fault]:
        """Return the faults still waiting, first to apply first."""
        return list(self._faults)
