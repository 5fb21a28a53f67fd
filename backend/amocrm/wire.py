"""What every request to amoCRM carries and how any answer is read: headers, JSON bodies, problem+json details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from backend.amocrm.errors import AmoCRMBadResponse, ValidationIssue, clip

USER_AGENT = "amo1c/0.1"
BASE_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


def json_body(response: httpx.Response) -> Any:
    """Return the parsed JSON of a 2xx answer (None when empty); raises AmoCRMBadResponse when it is not JSON."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        kind = response.headers.get("content-type", "no content type")
        raise AmoCRMBadResponse(
            f"amoCRM ответила {response.status_code} не в формате JSON ({clip(kind, 60)})",
            status=response.status_code,
            detail=clip(response.text, 120),
        ) from None


def _problem(response: httpx.Response) -> Mapping[str, Any]:
    """Return the problem+json object of an error answer, or an empty mapping when the body is not JSON."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def problem_detail(response: httpx.Response) -> str:
    """Return amoCRM's own words about an error answer (hint, detail, title, or the reason phrase); raises nothing."""
    body = _problem(response)

    def said(*keys: str) -> list[str]:
        return [text for key in keys if isinstance(text := body.get(key), str) and text.strip()]

    words = said("hint", "detail") or said("title") or [response.reason_phrase or f"HTTP {response.status_code}"]
    return clip(": ".join(words))


def validation_issues(response: httpx.Response) -> list[ValidationIssue]:
    """Return every issue of a `validation-errors` body (empty when it has none); raises nothing."""
    groups = _problem(response).get("validation-errors")
    issues: list[ValidationIssue] = []
    if not isinstance(groups, list):
        return issues
    for group in groups:
        if not isinstance(group, Mapping):
            continue
        errors = group.get("errors")
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, Mapping):
                issues.append(
                    ValidationIssue(
                        request_id=str(group.get("request_id", "")),
                        code=str(error.get("code", "")),
                        path=str(error.get("path", "")),
                        detail=clip(str(error.get("detail", ""))),
                    )
                )
    return issues


def transport_failure(exc: httpx.HTTPError) -> str:
    """Describe a transport failure by its kind (never by the URL, which may hold search terms); raises nothing."""
    text = clip(str(exc), 120)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
