"""Settings «Автоматизация»: the outbox of calls into 1C — counts by state, the next attempt, the intents newest
first (keyset pages on the id, like the sync log), each intent's attempts, «Отправить сейчас» and «Отменить».

An intent's row is swapped in place by its buttons and says what happened: delivered, refused, or waiting for its
next attempt with 1C's error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.sync.errors import Conflict
from backend.sync.numbers import id_of
from backend.sync.outbox_pages import Listed, OutboxFilter
from backend.sync.records import IntentState
from backend.sync.workspace.automation import Automation
from backend.sync.workspace.bases import Bases
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.render import is_fragment
from backend.ui.settings.common import fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "automation"
ROW_TEMPLATE = "ui/settings/intent_row.html"


async def outbox_context(automation: Automation, bases: Bases, filters: OutboxFilter) -> dict[str, Any]:
    """What the outbox part of the tab shows: counts, next attempt, the filters and the newest intents."""
    page = await automation.intents(filters)
    return {
        "summary": await automation.outbox_summary(),
        "states": list(IntentState),
        "outbox_filters": filters,
        "outbox_bases": await bases.listed(),
        "intents": page.intents,
        "next_before": page.next_before,
        "more_params": filters.params(),
    }


@settings_endpoint
async def outbox_section(request: Request, session: UISession) -> Response:
    """GET /ui/settings/automation/outbox?state=&base=: the counts and the newest intents the filters let through
    (what «Обновить» and the filters swap in)."""
    workspace = workspace_of(request, session)
    context = await outbox_context(workspace.automation, workspace.bases, OutboxFilter.read(request.query_params))
    context["with_nav"] = not is_fragment(request)
    return section(request, session, "ui/settings/outbox.html", context, tab=TAB)


@settings_endpoint
async def intent_rows(request: Request, session: UISession) -> Response:
    """GET /ui/settings/automation/intents?state=&base=&before=: the rows after `before` ("Показать ещё")."""
    filters = OutboxFilter.read(request.query_params)
    before = id_of(request.query_params.get("before", ""))
    page = await workspace_of(request, session).automation.intents(filters, before)
    context = {"intents": page.intents, "next_before": page.next_before, "more_params": filters.params()}
    return fragment(request, session, "ui/settings/intent_rows.html", context)


@settings_endpoint
async def intent_detail(request: Request, session: UISession) -> Response:
    """GET /ui/settings/automation/intents/{id}: the intent's attempts, newest first, and what 1C answered."""
    automation = workspace_of(request, session).automation
    listed = await automation.intent(request.path_params["intent_id"])
    context = {"listed": listed, "history": await automation.history(listed)}
    return fragment(request, session, "ui/settings/intent_detail.html", context)


@settings_endpoint
async def intent_send(request: Request, session: UISession) -> Response:
    """POST /ui/settings/automation/intents/{id}/send: send it now and wait for 1C; the row saying what happened
    (200), or the row with why it cannot be sent (409)."""
    automation = workspace_of(request, session).automation
    return await _row_after(request, session, automation, automation.send_now)


@settings_endpoint
async def intent_cancel(request: Request, session: UISession) -> Response:
    """POST /ui/settings/automation/intents/{id}/cancel: discard it; the row (200), or why not (409)."""
    automation = workspace_of(request, session).automation
    return await _row_after(request, session, automation, automation.cancel)


async def _row_after(
    request: Request, session: UISession, automation: Automation, act: Callable[[Listed], Awaitable[Listed]]
) -> Response:
    """The intent's row after `act` («Отправить сейчас», «Отменить»), or as it was with why `act` refused."""
    listed = await automation.intent(request.path_params["intent_id"])
    try:
        after = await act(listed)
    except Conflict as exc:
        status, message = describe(exc, session.lang)
        return fragment(request, session, ROW_TEMPLATE, {"listed": listed, "refused": message}, status=status)
    return fragment(request, session, ROW_TEMPLATE, {"listed": after, "outcome": after.intent.state.value})


routes = [
    Route("/ui/settings/automation/outbox", outbox_section, methods=["GET"], name="settings_outbox"),
    Route("/ui/settings/automation/intents", intent_rows, methods=["GET"], name="settings_intents"),
    Route("/ui/settings/automation/intents/{intent_id:int}", intent_detail, methods=["GET"], name="settings_intent"),
    Route("/ui/settings/automation/intents/{intent_id:int}/send", intent_send, methods=["POST"], name="settings_send"),
    Route(
        "/ui/settings/automation/intents/{intent_id:int}/cancel",
        intent_cancel,
        methods=["POST"],
        name="settings_cancel",
    ),
]
