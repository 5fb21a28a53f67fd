"""Settings: event rules — for each 1C event and each pipeline, the stage to move the deal to and the note.

Pipelines and stages are read from amoCRM each time the page opens, so a rule can only name a real stage.
A row saves itself when changed and comes back marked saved (200) or with what to fix (422).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm import AmoCRMError
from backend.models import EventName, EventRule
from backend.sync.errors import InvalidInput, NotFound
from backend.sync.rules import check_stage, movable_stages, rules_of, set_rule
from backend.ui.i18n import translator
from backend.ui.settings.common import amocrm_of, form_text, fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "rules"


@settings_endpoint
async def rules_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/rules: per pipeline, the five events with their stage and note; 502 if amoCRM fails."""
    try:
        pipelines = await (await amocrm_of(request, session)).pipelines()
    except AmoCRMError as exc:
        message = translator(session.lang)("settings.amocrm_failed").format(error=exc)
        return section(request, session, "ui/settings/rules.html", {"error": message}, tab=TAB, status=502)
    context = {
        "pipelines": pipelines,
        "events": list(EventName),
        "rules": await rules_of(session.account_id),
        "stages": movable_stages,
    }
    return section(request, session, "ui/settings/rules.html", context, tab=TAB)


@settings_endpoint
async def rule_save(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/rules/{event}/{pipeline_id}: store the row's stage and note; the row, 200 or 422."""
    try:
        event = EventName(request.path_params["event"])
    except ValueError:
        raise NotFound from None
    pipeline_id = int(request.path_params["pipeline_id"])
    pipelines = await (await amocrm_of(request, session)).pipelines()
    pipeline = next((item for item in pipelines if item.id == pipeline_id), None)
    if pipeline is None:
        raise NotFound
    form = await request.form()
    raw_status = form_text(form, "status_id")
    add_note = form.get("add_note") is not None
    context: dict[str, Any] = {"pipeline": pipeline, "event": event, "stages": movable_stages}
    try:
        status_id = int(raw_status) if raw_status else None
        check_stage(pipeline, status_id)
    except (ValueError, InvalidInput):
        unsaved = EventRule(event_name=event, pipeline_id=pipeline_id, status_id=None, add_note=add_note)
        context.update(rule=unsaved, error=translator(session.lang)("rules.error.stage"))
        return fragment(request, session, "ui/settings/rule_row.html", context, status=422)
    rule = await set_rule(session.account_id, event, pipeline_id, status_id, add_note)
    context.update(rule=rule, saved=True)
    return fragment(request, session, "ui/settings/rule_row.html", context)


routes = [
    Route("/ui/settings/rules", rules_page, methods=["GET"], name="settings_rules"),
    Route("/ui/settings/rules/{event}/{pipeline_id:int}", rule_save, methods=["PUT"], name="settings_rule"),
]
