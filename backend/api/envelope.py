"""The `{success, data, error}` envelope of every sync API answer, and the one place errors become statuses."""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse

from backend.amocrm.errors import AmoCRMError, AmoCRMRateLimited, AmoCRMUnreachable
from backend.sync.errors import (
    AccessDenied,
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    SyncError,
    TooMany,
    TooManyAttempts,
    UnknownAccount,
)

logger = logging.getLogger("amo1c.api")

RETRY_AFTER_SECONDS = 30
BASIC_CHALLENGE = 'Basic realm="amo1c", charset="UTF-8"'


class BodyTooLarge(Exception):
    """The request body is over the sync API's limit."""


class EnvelopeResponse(JSONResponse):
    """JSON without ASCII escaping, so Cyrillic stays readable in 1C's logs."""

    def render(self, content: Any) -> bytes:
        import json

        # "replace": an unpaired surrogate that slipped into a message must not turn the answer into a 500
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def success(data: Any = None) -> EnvelopeResponse:
    """200 with `success: true`."""
    return EnvelopeResponse({"success": True, "data": data, "error": None})


def failure(status: int, message: str, headers: dict[str, str] | None = None) -> EnvelopeResponse:
    """An error answer inside the envelope, with a real status."""
    return EnvelopeResponse({"success": False, "data": None, "error": message}, status_code=status, headers=headers)


def error_response(exc: Exception) -> EnvelopeResponse:
    """Map any exception raised while handling a sync call to its status (ARCHITECTURE: sync API settled points)."""
    if isinstance(exc, InvalidInput):
        return failure(400, str(exc))
    if isinstance(exc, AuthenticationRequired):
        return failure(401, str(exc), {"WWW-Authenticate": BASIC_CHALLENGE})
    if isinstance(exc, TooManyAttempts):
        return failure(429, str(exc), {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, AccessDenied):
        return failure(403, str(exc))
    if isinstance(exc, UnknownAccount):
        return failure(404, str(exc))
    if isinstance(exc, Conflict):
        return failure(409, str(exc))
    if isinstance(exc, BodyTooLarge | TooMany):
        return failure(413, str(exc))
    if isinstance(exc, AmoCRMUnreachable | AmoCRMRateLimited):
        return failure(503, f"amoCRM недоступна, повторите позже: {exc}", {"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, AmoCRMError):
        return failure(502, f"amoCRM ответила ошибкой: {exc}")
    if isinstance(exc, SyncError):
        return failure(400, str(exc))
    logger.exception("unexpected error in a sync call")
    return failure(500, "внутренняя ошибка amo1c; запрос не выполнен, повторите его позже")
