"""Which browser origins are amoCRM account pages: allowed to call /ui/session and to frame amo1c."""

from __future__ import annotations

import re
from collections.abc import Iterable

AMOCRM_ORIGIN = re.compile(r"https://[a-z0-9][a-z0-9-]{0,62}\.(?:amocrm\.ru|amocrm\.com|kommo\.com)")
FRAME_ANCESTORS = "https://*.amocrm.ru https://*.amocrm.com https://*.kommo.com"


def origin_allowed(origin: str | None, extra: Iterable[str]) -> bool:
    """Whether `origin` is an amoCRM/Kommo account origin or one of the configured extra origins."""
    if not origin:
        return False
    return AMOCRM_ORIGIN.fullmatch(origin.lower()) is not None or origin.lower() in {o.lower() for o in extra}


def frame_ancestors(extra: Iterable[str]) -> str:
    """The CSP frame-ancestors value: amoCRM's domains plus the configured origins."""
    return " ".join([FRAME_ANCESTORS, *extra])
