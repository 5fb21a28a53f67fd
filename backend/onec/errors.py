"""The one exception tree every 1C client call raises; messages are one Russian line and carry no secrets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from backend import redaction

MAX_DETAIL_CHARS = 500


def clip(text: str, limit: int = MAX_DETAIL_CHARS, secrets: Iterable[str] = ()) -> str:
    """Return text on one line, `secrets` and credential- or token-shaped values masked, cut to `limit` characters.

    Raises nothing.
    """
    return redaction.clip(text, limit, secrets)


class OneCError(Exception):
    """Base of every 1C client error: `status` is 1C's HTTP status (None without one), `detail` 1C's own words,
    `web_page` whether they came as an HTML page (a web server or proxy in front of 1C answered, not 1C); `kind`
    names the class of failure for the metrics."""

    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, status: int | None = None, detail: str = "", web_page: bool = False) -> None:
        super().__init__(clip(message, 2 * MAX_DETAIL_CHARS))
        self.status = status
        self.detail = clip(detail)
        self.web_page = web_page


class OneCUnreachable(OneCError):
    """1C could not be reached: the name did not resolve, the connection failed or broke, or the time ran out."""

    kind = "unreachable"


class OneCTimedOut(OneCUnreachable):
    """1C did not accept the connection or answer within the call's time limit."""

    kind = "timeout"


class OneCAuthRefused(OneCError):
    """1C answered 401 or 403: it refused the base's login and password (param1/param2)."""

    kind = "auth_refused"


class OneCFailed(OneCError):
    """1C (or the web server in front of it) answered a status other than 200; `detail` keeps its text."""

    kind = "failed"


class OneCBadAnswer(OneCError):
    """1C answered 200 with a body that is not the JSON this request expects; `detail` keeps an excerpt."""

    kind = "bad_answer"


class OneCAddressRefused(OneCError):
    """The base's address may not be called (scheme, missing host, credentials, private range); nothing was sent."""

    kind = "address_refused"
