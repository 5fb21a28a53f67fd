"""The secret-free, size-bounded copy of a request body that goes into a CallRecord."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_ITEMS = 20
MAX_TEXT = 500
MAX_DEPTH = 6
MASK = "***"
# A password this short would mask ordinary words; it is never sent in a body anyway.
MIN_MASKED_SECRET = 4


def mask(text: str, secret: str) -> str:
    """Return `text` with every occurrence of `secret` replaced by ***; raises nothing."""
    if len(secret) < MIN_MASKED_SECRET:
        return text
    return text.replace(secret, MASK)


def summarize(payload: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """Return a copy of a request body fit for the sync log; raises nothing.

    Lists keep their first MAX_ITEMS items and a note of how many were left out, strings are cut at MAX_TEXT
    characters, nesting below MAX_DEPTH becomes "…", and `secret` is masked wherever it appears.
    """
    return {str(key): _value(value, secret, 1) for key, value in payload.items()}


def _value(value: Any, secret: str, depth: int) -> Any:
    """Return one value of the body reduced by the rules of `summarize`."""
    if isinstance(value, str):
        text = mask(value, secret)
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {mask(str(key), secret): _value(item, secret, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        kept = [_value(item, secret, depth + 1) for item in value[:MAX_ITEMS]]
        left = len(value) - MAX_ITEMS
        return [*kept, f"… ещё {left}"] if left > 0 else kept
    return mask(str(value), secret)[:MAX_TEXT]
