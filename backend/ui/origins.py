"""Which browser origins are amoCRM account pages: allowed to call /ui/session and to frame amo1c."""

from __future__ import annotations

from collections.abc import Iterable

from backend.amocrm.domains import is_account_origin


def origin_allowed(origin: str | None, extra: Iterable[str]) -> bool:
    """Whether `origin` is an amoCRM/Kommo account origin or one of the configured extra origins."""
    if not origin:
        return False
    return is_account_origin(origin) or origin.lower() in {o.lower() for o in extra}
