"""What every settings page shares: the admin check, the page or fragment it answers, the base it is about.

A settings URL serves the whole page on a first load and only its section to htmx (`HX-Request`), so each
section template is both included by the page and swapped on its own (STYLE.md); `render` sets `Vary`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.pages import render
from backend.sync.workspace.bases import LISTED_BASES as LISTED_BASES  # the pages that page through the bases
from backend.ui.access import SessionHandler, session_token, ui_endpoint
from backend.ui.errors import describe, handled
from backend.ui.render import is_fragment
from backend.ui.tokens import UISession

PAGE_TEMPLATE = "ui/settings/page.html"
PROBLEM_TEMPLATE = "ui/settings/problem.html"


def settings_endpoint(handler: SessionHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: admins only (401/403 page); an error it did not answer itself becomes the problem section
    with the status ui.errors gives it (404 not found, 409 conflict, 502 amoCRM or 1C refused…)."""

    @ui_endpoint(admin=True)
    @functools.wraps(handler)
    async def guarded(request: Request, session: UISession) -> Response:
        try:
            return await handler(request, session)
        except Exception as exc:
            if not handled(exc):
                raise
            status, message = describe(exc, session.lang)
            return problem(request, session, message, status=status)

    return guarded


def problem(request: Request, session: UISession, message: str, *, status: int) -> Response:
    """A readable error fragment with a real status (the whole page on a first load)."""
    context = {"message": message, "status": status, "with_nav": not is_fragment(request)}
    return section(request, session, PROBLEM_TEMPLATE, context, status=status, tab=None)


def section(
    request: Request,
    session: UISession,
    template: str,
    context: dict[str, Any],
    *,
    tab: str | None,
    status: int = 200,
) -> Response:
    """A section of the settings: the whole page around it on a first load, the section alone for htmx."""
    context = {**context, "tab": tab, "token": session_token(request), "section_template": template}
    chosen = template if is_fragment(request) else PAGE_TEMPLATE
    return render(request, chosen, context, lang=session.lang, status=status)


def fragment(
    request: Request, session: UISession, template: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    """A partial (a row, a result line) with a real status."""
    return render(request, template, context, lang=session.lang, status=status)


def form_again(
    request: Request, session: UISession, template: str, context: dict[str, Any], *, form_id: str, status: int
) -> Response:
    """An add form redrawn in place with its errors: the rows list stays as it was (htmx retargets to the form)."""
    response = fragment(request, session, template, context, status=status)
    response.headers["HX-Retarget"] = f"#{form_id}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def form_text(form: Any, name: str) -> str:
    """A form field as stripped text ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
