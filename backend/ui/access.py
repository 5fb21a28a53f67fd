"""Who may see a framed page: a valid UI token (header for htmx, query parameter for the first load)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from backend.pages import Lang
from backend.sync.domain import Domain
from backend.sync.failures import FailureKind, session_failure
from backend.sync.install import current_installation
from backend.sync.workspace import Workspace
from backend.ui.errors import explain
from backend.ui.i18n import translator
from backend.ui.render import error_page
from backend.ui.tokens import UISession, UITokenError, tokens_of

TOKEN_HEADER = "x-ui-token"
TOKEN_PARAM = "token"


class AccessRefused(Exception):
    """The caller may not see this page; `status` is 401 (no valid session) or 403 (not an admin)."""

    def __init__(self, status: int, message: str, lang: Lang = "ru") -> None:
        super().__init__(message)
        self.status = status
        self.lang = lang


def session_token(request: Request) -> str | None:
    """The UI token a request carries: the X-UI-Token header, or the `token` query parameter of a page's first
    load (a GET that is not htmx's); raises AccessRefused for a token in the query of any other request.

    A token in a URL ends up in histories and proxies' logs, and a cross-site form can put one there but cannot
    set a header: so nothing that changes state, and nothing htmx asks, takes one from the URL.
    """
    in_query = request.query_params.get(TOKEN_PARAM)
    if in_query is not None and (request.method != "GET" or "hx-request" in request.headers):
        lang = asked_lang(request)
        failure = session_failure(FailureKind.SESSION_EXPIRED)
        raise AccessRefused(401, explain(failure, lang), lang)
    return request.headers.get(TOKEN_HEADER) or in_query


def asked_lang(request: Request) -> Lang:
    """The language of a request without a session: the frame's `lang` parameter, else the browser's."""
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "ru")
    return "en" if asked.strip().lower().startswith("en") else "ru"


async def require_session(request: Request, *, admin: bool = False) -> UISession:
    """The session of a framed page; raises AccessRefused (401 without a valid token or when the account was
    disconnected or reinstalled since it was issued, 403 for non-admins)."""
    try:
        session = tokens_of(request).read(session_token(request))
    except UITokenError as exc:
        lang = asked_lang(request)
        raise AccessRefused(401, explain(session_failure(exc.kind), lang), lang) from None
    if await current_installation(session.account_id) != session.installation:
        failure = session_failure(FailureKind.SESSION_REINSTALLED)
        raise AccessRefused(401, explain(failure, session.lang), session.lang)
    if admin and not session.is_admin:
        raise AccessRefused(403, translator(session.lang)("admin_only"), session.lang)
    return session


def workspace_of(request: Request, session: UISession) -> Workspace:
    """The operations of the session's account: the only way a page reaches amoCRM, 1C or the database."""
    domain: Domain = request.app.state.domain
    return domain.workspace(session.account_id)


SessionHandler = Callable[[Request, UISession], Awaitable[Response]]


def ui_endpoint(*, admin: bool = False) -> Callable[[SessionHandler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler of a framed page or fragment: it runs only with a valid session (and as an admin if asked).

    Without one the answer is the error page with 401 or 403, never the handler's data.
    """

    def wrap(handler: SessionHandler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                session = await require_session(request, admin=admin)
            except AccessRefused as exc:
                return error_page(request, exc.status, str(exc), lang=exc.lang)
            return await handler(request, session)

        return endpoint

    return wrap
