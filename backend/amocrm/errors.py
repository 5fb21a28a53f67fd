"""The one exception tree every amoCRM client call raises; messages are one line and carry no secrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend import redaction

MAX_DETAIL_CHARS = 300


def clip(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """Return text on one line, credential- and token-shaped values masked, cut to `limit` characters.

    Every message and detail built from amoCRM's answers passes here. Raises nothing.
    """
    return redaction.clip(text, limit)


class AmoCRMError(Exception):
    """Base of every amoCRM client error: `status` is the HTTP status (None without one), `detail` amoCRM's words."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(clip(message, 2 * MAX_DETAIL_CHARS))
        self.status = status
        self.detail = clip(detail)


class AmoCRMUnreachable(AmoCRMError):
    """amoCRM could not be reached: connect error, timeout, or a 5xx still failing after the allowed retries."""


class AmoCRMRateLimited(AmoCRMError):
    """amoCRM still answered 429 Too Many Requests after the allowed retries."""


class AmoCRMAuthError(AmoCRMError):
    """No usable tokens: none stored, the refresh token revoked or expired, or 401 after a refresh; reinstall needed."""


@dataclass(frozen=True)
class ValidationIssue:
    """One entry of amoCRM's `validation-errors`: which element (`request_id`), what (`code`), where (`path`)."""

    request_id: str
    code: str
    path: str
    detail: str


class AmoCRMRejected(AmoCRMError):
    """amoCRM refused the request (400, 404, 422 and other 4xx); `validation_errors` keeps its validation issues."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        validation_errors: Sequence[ValidationIssue] = (),
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.validation_errors: list[ValidationIssue] = list(validation_errors)


class AmoCRMAccountBlocked(AmoCRMError):
    """amoCRM answered 403: the account is blocked for API limit abuse or this server's IP is not allowed."""


class AmoCRMPaymentRequired(AmoCRMError):
    """amoCRM answered 402: the account's subscription has lapsed."""


class AmoCRMBadResponse(AmoCRMError):
    """amoCRM answered 2xx with a body that is not the JSON this client expects."""
