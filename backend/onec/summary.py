"""The secret-free, size-bounded copy of a request body that goes into a CallRecord."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backend.redaction import redact

MAX_ITEMS = 20
MAX_TEXT = 500
MAX_DEPTH = 6


def summarize(payload: Mapping[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """Return a copy of a request body fit for the sync log; raises nothing.

    Lists keep their first MAX_ITEMS items and a note of how many were left out, strings are cut at MAX_TEXT
    characters, nesting below MAX_DEPTH becomes "…", and `secrets` and anything credential- or token-shaped
    (backend.redaction) are masked wherever they appear.
    """
    known = tuple(secrets)
    return {str(key): _value(value, known, 1) for key, value in payload.items()}


def _value(value: Any, secrets: tuple[str, ...], depth: int) -> Any:
    """Return one value of the body reduced by the rules of `summarize`."""
    if isinstance(value, str):
        text = redact(value, secrets)
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {redact(str(key), secrets): _value(item, secrets, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        kept = [_value(item, secrets, depth + 1) for item in value[:MAX_ITEMS]]
        left = len(value) - MAX_ITEMS
        return [*kept, f"… ещё {left}"] if left > 0 else kept
    return redact(str(value), secrets)[:MAX_TEXT]
