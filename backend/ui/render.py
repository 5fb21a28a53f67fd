"""The error page of framed pages: the whole page on a first load, only its box for htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backend.pages import Lang, render


def is_fragment(request: Request) -> bool:
    """Whether htmx asked for a part of the page (a boosted request wants the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def error_page(request: Request, status: int, message: str, *, lang: Lang = "ru") -> Response:
    """The page (or, for htmx, the fragment) saying what went wrong, with a real status."""
    context = {"status": status, "message": message, "whole": not is_fragment(request)}
    return render(request, "ui/error.html", context, lang=lang, status=status)
