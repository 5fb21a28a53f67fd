"""Settings: deciding 1C's requests to link a base or change a linked one («Подключить» / «Отклонить»).

An approval binds to the revision the admin saw: a request 1C replaced meanwhile is shown again, not approved.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.sync.approval import RequestGone
from backend.sync.errors import Conflict, RequestReplaced
from backend.sync.numbers import id_of
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.i18n import translator
from backend.ui.settings.bases import bases_section
from backend.ui.settings.common import form_text, fragment, settings_endpoint
from backend.ui.tokens import UISession


@settings_endpoint
async def request_approve(request: Request, session: UISession) -> Response:
    """POST /ui/settings/requests/{id}/approve (revision=…): link exactly what the admin saw; the bases section
    (200), or the request as it is now (409) when 1C replaced it meanwhile."""
    form = await request.form()
    revision = form_text(form, "revision")
    t = translator(session.lang)
    request_id = int(request.path_params["request_id"])
    bases = workspace_of(request, session).bases
    try:
        base = await bases.approve(request_id, id_of(revision) or 0)
    except RequestReplaced as exc:
        current = next((item for item in await bases.requests() if item.request.id == request_id), None)
        if current is None:  # replaced, then decided or expired
            return await _gone(request, session, RequestGone(str(exc)))
        context = {"item": current, "message": t("requests.replaced")}
        status, _ = describe(exc, session.lang)
        return fragment(request, session, "ui/settings/base_request.html", context, status=status)
    except RequestGone as exc:
        return await _gone(request, session, exc)
    except Conflict as exc:
        status, message = describe(exc, session.lang)
        return _whole_section(await bases_section(request, session, notice=message, failed=True, status=status))
    notice = t("requests.approved").format(id_base=base.id_base)
    return _whole_section(await bases_section(request, session, notice=notice))


@settings_endpoint
async def request_reject(request: Request, session: UISession) -> Response:
    """POST /ui/settings/requests/{id}/reject: drop the request (a changed base stays as approved); the section."""
    try:
        await workspace_of(request, session).bases.reject(int(request.path_params["request_id"]))
    except RequestGone as exc:
        return await _gone(request, session, exc)
    notice = translator(session.lang)("requests.rejected")
    return _whole_section(await bases_section(request, session, notice=notice))


async def _gone(request: Request, session: UISession, exc: RequestGone) -> Response:
    """The bases section as it is now, saying in the page's words that the request was decided or expired."""
    status, _ = describe(exc, session.lang)
    notice = translator(session.lang)("requests.gone")  # says how long a request lives
    return _whole_section(await bases_section(request, session, notice=notice, failed=True, status=status))


def _whole_section(response: Response) -> Response:
    """A decision redraws the whole bases section (a request card becomes a base card, a badge goes away)."""
    response.headers["HX-Retarget"] = "#amo1c-section"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


routes = [
    Route(
        "/ui/settings/requests/{request_id:int}/approve",
        request_approve,
        methods=["POST"],
        name="settings_request_approve",
    ),
    Route(
        "/ui/settings/requests/{request_id:int}/reject",
        request_reject,
        methods=["POST"],
        name="settings_request_reject",
    ),
]
