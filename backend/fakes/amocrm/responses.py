"""Responses in amoCRM's shapes: HAL JSON, problem JSON, and the gateway's HTML pages."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

from starlette.responses import Response

HAL_JSON = "application/hal+json"
PROBLEM_JSON = "application/problem+json"
HTML = "text/html"
OAUTH_PROBLEM_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"

_REASONS = MappingProxyType(
    {
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Temporarily Unavailable",
        504: "Gateway Time-out",
    }
)


def reason(status: int) -> str:
    """Return the HTTP reason phrase nginx would print for a status."""
    return _REASONS.get(status, "Error")


def json_response(payload: Any, status: int = 200, media_type: str = HAL_JSON) -> Response:
    """Serialize a payload as JSON (non-ASCII kept readable) with the given media type."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode(), status_code=status, media_type=media_type)


def no_content() -> Response:
    """Return amoCRM's answer to a search or lookup that found nothing: 204 with an empty body."""
    return Response(status_code=204)


def problem_body(status: int, detail: str, title: str | None = None) -> dict[str, Any]:
    """Build the problem JSON amoCRM answers API errors with."""
    return {
        "title": title or reason(status),
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
    }


def problem(status: int, detail: str, title: str | None = None) -> Response:
    """Return a problem+json response."""
    return json_response(problem_body(status, detail, title), status, PROBLEM_JSON)


def oauth_problem(status: int, hint: str) -> Response:
    """Return the OAuth problem JSON amoCRM's token endpoint answers with."""
    body = {
        "hint": hint,
        "title": "Некорректный запрос",
        "type": OAUTH_PROBLEM_TYPE,
        "status": status,
        "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
    }
    return json_response(body, status, PROBLEM_JSON)


def nginx_page(status: int) -> Response:
    """Return a small nginx-style HTML error page, as amoCRM's gateway sends for 429, 403 and 5xx."""
    title = f"{status} {reason(status)}"
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(html.encode(), status_code=status, media_type=HTML)


def fault_response(status: int, body: Any = None, content_type: str | None = None) -> Response:
    """Return the answer of an injected fault: the given body, or amoCRM's usual one for that status."""
    if body is None:
        if status == 402:
            return problem(402, "Payment Required: the account's subscription has expired")
        if status == 401:
            return problem(401, "Unauthorized")
        if status in (403, 429) or status >= 500:
            return nginx_page(status)
        return problem(status, reason(status))
    if isinstance(body, dict | list):
        return json_response(body, status, content_type or PROBLEM_JSON)
    raw = body.encode() if isinstance(body, str) else bytes(body)
    if content_type is None:
        content_type = HTML if raw.lstrip().startswith(b"<") else "text/plain"
    return Response(raw, status_code=status, media_type=content_type)


class ApiError(Exception):
    """Raised by API handlers to answer with a problem+json error instead of their normal response."""

    def __init__(self, status: int, detail: str, title: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title

    def response(self) -> Response:
        """Return the problem+json response this error stands for."""
        return problem(self.status, self.detail, self.title)


class ValidationFailed(ApiError):
    """Raised when a write fails validation; answers amoCRM's 400 with validation-errors."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(400, "Request validation failed")
        self.errors = errors

    def response(self) -> Response:
        """Return the 400 problem+json carrying the collected validation errors."""
        body = {"validation-errors": self.errors, **problem_body(400, self.detail)}
        return json_response(body, 400, PROBLEM_JSON)
