"""1C:Enterprise HTTP-service client (spec section 1): address check, Basic Auth, timeouts, records, errors."""

from __future__ import annotations

from backend.onec.address import Destination, Resolver, resolve_destination, resolve_host
from backend.onec.client import BaseClient, OnCall, OneCClient, call_timeouts
from backend.onec.errors import (
    OneCAddressRefused,
    OneCAuthRefused,
    OneCBadAnswer,
    OneCError,
    OneCFailed,
    OneCTimedOut,
    OneCUnreachable,
)
from backend.onec.records import CallRecord, Connection, Document, Saved

__all__ = [
    "BaseClient",
    "CallRecord",
    "Connection",
    "Destination",
    "Document",
    "OnCall",
    "OneCAddressRefused",
    "OneCAuthRefused",
    "OneCBadAnswer",
    "OneCClient",
    "OneCError",
    "OneCFailed",
    "OneCTimedOut",
    "OneCUnreachable",
    "Resolver",
    "Saved",
    "call_timeouts",
    "resolve_destination",
    "resolve_host",
]
