"""1C:Enterprise HTTP-service client (spec section 1): address check, Basic Auth, timeouts, records, errors."""

from __future__ import annotations

from backend.onec.address import Destination, Resolver, check_address, resolve_host
from backend.onec.client import OnCall, OneCClient
from backend.onec.errors import (
    OneCAddressRefused,
    OneCAuthRefused,
    OneCBadAnswer,
    OneCError,
    OneCFailed,
    OneCUnreachable,
)
from backend.onec.records import CallRecord, Connection, Document, Saved

__all__ = [
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
    "OneCUnreachable",
    "Resolver",
    "Saved",
    "check_address",
    "resolve_host",
]
