"""Settings: the sync log of the account — newest first, filtered, paged by id, with each entry's detail.

Pages are keyset-paged on the id (`before=<id>`), so the 1000th page costs what the first does. A failed call
into 1C can be sent again from its detail; a failed call from 1C says what 1C has to send again.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.sync.log_pages import LogFilter
from backend.sync.numbers import id_of
from backend.sync.operations import Operation
from backend.sync.resend import NotResendable
from backend.ui.access import workspace_of
from backend.ui.errors import describe, handled
from backend.ui.settings.common import fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "log"


@settings_endpoint
async def log_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log?base=&direction=&operation=&outcome=&q=: the filters and the newest entries."""
    filters = LogFilter.read(request.query_params)
    page = await workspace_of(request, session).log.page(filters)
    context = {
        "filters": filters,
        "bases": await workspace_of(request, session).bases.listed(),
        "operations": list(Operation),
        "entries": page.entries,
        "next_before": page.next_before,
        "more_params": filters.params(),
    }
    return section(request, session, "ui/settings/log.html", context, tab=TAB)


@settings_endpoint
async def log_entries(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log/entries?…&before=: the results table for new filters (pushing the log page's URL with
    them into the browser's history), or the rows after `before`."""
    filters = LogFilter.read(request.query_params)
    before = id_of(request.query_params.get("before", ""))
    page = await workspace_of(request, session).log.page(filters, before)
    context = {"entries": page.entries, "next_before": page.next_before, "more_params": filters.params()}
    if before is not None:
        return fragment(request, session, "ui/settings/log_rows.html", context)
    response = fragment(request, session, "ui/settings/log_results.html", context)
    # new filters: the address bar shows the log page so filtered, so a reload (or back) keeps them
    query = urlencode(filters.params())
    response.headers["HX-Push-Url"] = request.url_for("settings_log").path + (f"?{query}" if query else "")
    return response


@settings_endpoint
async def log_detail(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log/{id}: the masked request, the error (its start when long), and what can be sent again."""
    call = await workspace_of(request, session).log.entry(request.path_params["entry_id"])
    context = {
        "entry": call.entry,
        "error": call.error,
        "error_cut": call.error_cut,
        "summary": json.dumps(call.summary, ensure_ascii=False, indent=2) if call.summary is not None else None,
        "refusal": call.refusal,
        "sync_request": call.sync_request,
        "received_at": call.received_at,
    }
    return fragment(request, session, "ui/settings/log_detail.html", context)


@settings_endpoint
async def log_resend(request: Request, session: UISession) -> Response:
    """POST /ui/settings/log/{id}/resend: make a failed call into 1C again; 200, or the status ui.errors gives why
    not (409 cannot be sent again, 502 1C or amoCRM refused…)."""
    log = workspace_of(request, session).log
    call = await log.entry(request.path_params["entry_id"])
    context: dict[str, Any] = {"entry": call.entry}
    try:
        context["resent"] = await log.resend(call, session.user_id or None)
    except Exception as exc:
        if not handled(exc):
            raise
        status, context["error"] = describe(exc, session.lang)
        if isinstance(exc, NotResendable):
            context["refusal"] = exc.refusal  # said in the page's language
        return fragment(request, session, "ui/settings/log_resent.html", context, status=status)
    return fragment(request, session, "ui/settings/log_resent.html", context)


routes = [
    Route("/ui/settings/log", log_page, methods=["GET"], name="settings_log"),
    Route("/ui/settings/log/entries", log_entries, methods=["GET"], name="settings_log_entries"),
    Route("/ui/settings/log/{entry_id:int}", log_detail, methods=["GET"], name="settings_log_entry"),
    Route("/ui/settings/log/{entry_id:int}/resend", log_resend, methods=["POST"], name="settings_log_resend"),
]
