"""A fake 1C:Enterprise base publishing amo1c's HTTP-service handler (spec section 1) for tests and demos."""

from __future__ import annotations

from backend.fakes.onec.app import FakeOneC
from backend.fakes.onec.faults import MODULE_ERROR, SESSION_TIMEOUT
from backend.fakes.onec.records import CorrRow, Counterparty, Document, LoggedRequest, Order
from backend.fakes.onec.responses import BOM

__all__ = [
    "BOM",
    "MODULE_ERROR",
    "SESSION_TIMEOUT",
    "CorrRow",
    "Counterparty",
    "Document",
    "FakeOneC",
    "LoggedRequest",
    "Order",
]
