"""Who may see a framed page: a valid UI token (header for htmx, query parameter for the first load)."""

from __future__ import annotations

from starlette.requests import Request

from backend.services import Services
from backend.ui.i18n import translator
from backend.ui.tokens import Lang, UISession, UITokenError

TOKEN_HEADER = "x-ui-token"
TOKEN_PARAM = "token"


class AccessRefused(Exception):
    """The caller may not see this page; `status` is 401 (no valid session) or 403 (not an admin)."""

    def __init__(self, status: int, message: str, lang: Lang = "ru") -> None:
        super().__init__(message)
        self.status = status
        self.lang = lang


def session_token(request: Request) -> str | None:
    """The UI token a request carries: the X-UI-Token header, else the `token` query parameter."""
    return request.headers.get(TOKEN_HEADER) or request.query_params.get(TOKEN_PARAM)


def require_session(request: Request, *, admin: bool = False) -> UISession:
    """The session of a framed page; raises AccessRefused (401 without a valid token, 403 for non-admins)."""
    services: Services = request.app.state.services
    try:
        session = services.ui_tokens.read(session_token(request))
    except UITokenError as exc:
        raise AccessRefused(401, str(exc)) from None
    if admin and not session.is_admin:
        raise AccessRefused(403, translator(session.lang)("admin_only"), session.lang)
    return session
