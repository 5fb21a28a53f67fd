"""The settings page, scoped to the session's account (admins only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.models import OneCBase
from backend.ui.access import AccessRefused, require_session, session_token
from backend.ui.render import error_page, render


async def settings_page(request: Request) -> Response:
    """GET /ui/settings: the account's integration settings (admins only)."""
    try:
        session = require_session(request, admin=True)
    except AccessRefused as exc:
        return error_page(request, exc.status, str(exc), lang=exc.lang)
    bases = await OneCBase.filter(account_id=session.account_id).order_by("id_base")
    return render(request, "ui/settings.html", {"bases": bases, "token": session_token(request)}, lang=session.lang)


routes = [
    Route("/ui/settings", settings_page, methods=["GET"]),
]
