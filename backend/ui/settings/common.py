"""What every settings page shares: the admin check, the page or fragment it answers, the base it is about.

A settings URL serves the whole page on a first load and only its section to htmx (`HX-Request`), so each
section template is both included by the page and swapped on its own (STYLE.md); `render` sets `Vary`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from backend.pages import render
from backend.sync.bases import count_bases as count_account_bases
from backend.sync.bases import listed_bases
from backend.sync.domain import Domain
from backend.sync.records import Account, Base
from backend.sync.workspace.bases import LISTED_BASES as LISTED_BASES  # the pages that page through the bases
from backend.ui.access import SessionHandler, session_token, ui_endpoint, workspace_of
from backend.ui.errors import describe, handled
from backend.ui.render import is_fragment
from backend.ui.tokens import UISession

if TYPE_CHECKING:
    # Only for amocrm_of, which goes with its last callers (issue 12: their pages move onto the workspace).
    from backend.amocrm import AmoCRMClient

PAGE_TEMPLATE = "ui/settings/page.html"
PROBLEM_TEMPLATE = "ui/settings/problem.html"


def services_of(request: Request) -> Domain:
    """The app's services."""
    services: Domain = request.app.state.domain
    return services


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


async def account_of(request: Request, session: UISession) -> Account:
    """The session's account; raises NotFound when it was removed since the token was issued."""
    return await workspace_of(request, session).account()


async def amocrm_of(request: Request, session: UISession) -> AmoCRMClient:
    """The amoCRM client of the session's account; raises NotFound."""
    return await workspace_of(request, session).amo()


async def bases_of(session: UISession) -> list[Base]:
    """The account's first LISTED_BASES bases by id_base."""
    return await listed_bases(session.account_id, LISTED_BASES)


async def count_bases(session: UISession) -> int:
    """How many bases the account has linked."""
    return await count_account_bases(session.account_id)


async def base_of(request: Request, session: UISession, base_id: Any) -> Base:
    """The account's base with this id; raises NotFound for anything else (another account's base included)."""
    return await workspace_of(request, session).base(base_id)


async def chosen_base(request: Request, session: UISession, requested: str | None) -> tuple[list[Base], Base | None]:
    """The account's bases and the one a page shows: the requested one, else the first; raises NotFound."""
    return await workspace_of(request, session).bases.chosen(requested)


def form_text(form: Any, name: str) -> str:
    """A form field as stripped text ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number_of(text: str) -> int | None:
    """`text` as a number when it is 1 to 18 ASCII digits (an id or a revision), else None; raises nothing
    ("²".isdigit() holds but int("²") raises, and a longer number fits no database column)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
