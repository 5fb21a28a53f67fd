"""Settings: deciding 1C's requests to link a base or change a linked one («Подключить» / «Отклонить»).

An approval binds to the revision the admin saw: a request 1C replaced meanwhile is shown again, not approved.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.sync.approval import RequestGone, approve, reject
from backend.sync.errors import Conflict, RequestReplaced
from backend.ui.i18n import translator
from backend.ui.settings.bases import bases_section, requests_of
from backend.ui.settings.common import form_text, fragment, number_of, services_of, settings_endpoint
from backend.ui.tokens import UISession


@settings_endpoint
async def request_approve(request: Request, session: UISession) -> Response:
    """POST /ui/settings/requests/{id}/approve (revision=…): link exactly what the admin saw; the bases section
    (200), or the request as it is now (409) when 1C replaced it meanwhile."""
    form = await request.form()
    revision = form_text(form, "revision")
    t = translator(session.lang)
    request_id = int(request.path_params["request_id"])
    try:
        base = await approve(session.account_id, request_id, number_of(revision) or 0, services_of(request).secrets)
    except RequestReplaced:
        current = next((item for item in await requests_of(session) if item.request.id == request_id), None)
        if current is not None:
            context = {"item": current, "message": t("requests.replaced")}
            return fragment(request, session, "ui/settings/base_request.html", context, status=409)
        return _whole_section(await bases_section(request, session, notice=t("requests.gone"), failed=True, status=404))
    except RequestGone:
        return _whole_section(await bases_section(request, session, notice=t("requests.gone"), failed=True, status=404))
    except Conflict as exc:
        return _whole_section(await bases_section(request, session, notice=str(exc), failed=True, status=409))
    notice = t("requests.approved").format(id_base=base.id_base)
    return _whole_section(await bases_section(request, session, notice=notice))


@settings_endpoint
async def request_reject(request: Request, session: UISession) -> Response:
    """POST /ui/settings/requests/{id}/reject: drop the request (a changed base stays as approved); the section."""
    t = translator(session.lang)
    try:
        await reject(session.account_id, int(request.path_params["request_id"]))
    except RequestGone:
        return _whole_section(await bases_section(request, session, notice=t("requests.gone"), failed=True, status=404))
    return _whole_section(await bases_section(request, session, notice=t("requests.rejected")))


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
