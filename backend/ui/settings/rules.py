"""Settings: event rules — for each 1C event and each pipeline, the stage to move the deal to and the note.

Pipelines and stages are read from amoCRM each time the page opens, so a rule can only name a real stage.
A row saves itself when changed and comes back marked saved (200) or with what to fix (422).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm.errors import AmoCRMError
from backend.sync.errors import InvalidInput, NotFound
from backend.sync.numbers import id_of
from backend.sync.records import EventName, EventRule
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.i18n import translator
from backend.ui.settings.common import form_text, fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "rules"


@settings_endpoint
async def rules_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/rules: per pipeline, the five events with their stage and note; 502 if amoCRM fails."""
    rules = workspace_of(request, session).rules
    try:
        pipelines = await rules.pipelines()
    except AmoCRMError as exc:
        status, message = describe(exc, session.lang)
        return section(request, session, "ui/settings/rules.html", {"error": message}, tab=TAB, status=status)
    context = {"pipelines": pipelines, "events": list(EventName), "rules": await rules.rules(), "stages": rules.stages}
    return section(request, session, "ui/settings/rules.html", context, tab=TAB)


@settings_endpoint
async def rule_save(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/rules/{event}/{pipeline_id}: store the row's stage and note; the row, 200 or 422."""
    try:
        event = EventName(request.path_params["event"])
    except ValueError:
        raise NotFound from None
    rules = workspace_of(request, session).rules
    pipeline = await rules.pipeline(int(request.path_params["pipeline_id"]))
    form = await request.form()
    add_note = form.get("add_note") is not None
    context: dict[str, Any] = {"pipeline": pipeline, "event": event, "stages": rules.stages}
    try:
        rule = await rules.save(event, pipeline, _stage_id(form_text(form, "status_id")), add_note)
    except InvalidInput as exc:
        status, _ = describe(exc, session.lang)
        unsaved = EventRule(event_name=event, pipeline_id=pipeline.id, status_id=None, add_note=add_note)
        context.update(rule=unsaved, error=translator(session.lang)("rules.error.stage"))
        return fragment(request, session, "ui/settings/rule_row.html", context, status=status)
    context.update(rule=rule, saved=True)
    return fragment(request, session, "ui/settings/rule_row.html", context)


def _stage_id(text: str) -> int | None:
    """The stage a form names: None (keep the stage) for nothing; raises InvalidInput for what is no id."""
    stage_id = id_of(text)
    if text and stage_id is None:
        raise InvalidInput("status_id", f"«{text[:50]}» не номер этапа")
    return stage_id


routes = [
    Route("/ui/settings/rules", rules_page, methods=["GET"], name="settings_rules"),
    Route("/ui/settings/rules/{event}/{pipeline_id:int}", rule_save, methods=["PUT"], name="settings_rule"),
]
