"""The `{success, data, error}` envelope of every sync API answer, and the one place errors become statuses."""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse

from backend.amocrm.errors import AmoCRMError
from backend.statuses import status_for
from backend.sync.errors import AuthenticationRequired, TooManyAttempts

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
    """The envelope of any exception raised while handling a sync call, with its status (backend.statuses)."""
    status = 413 if isinstance(exc, BodyTooLarge) else status_for(exc)
    if status is None:
        logger.exception("unexpected error in a sync call")
        return failure(500, "внутренняя ошибка amo1c; запрос не выполнен, повторите его позже")
    headers: dict[str, str] = {}
    message = str(exc)
    if isinstance(exc, AuthenticationRequired):
        headers["WWW-Authenticate"] = BASIC_CHALLENGE
    elif isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    elif status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        message = f"amoCRM недоступна, повторите позже: {exc}"
    elif isinstance(exc, AmoCRMError):
        message = f"amoCRM ответила ошибкой: {exc}"
    return failure(status, message, headers or None)
