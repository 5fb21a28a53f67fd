"""Settings «Автоматизация»: each base's triggers (a deal reaching a stage; a linked contact, company or deal
changed), the health of the account's webhook subscription with «Восстановить подписку», and the outbox
(ui/settings/outbox.py).

Pipelines and stages are read from amoCRM when the tab opens, so a trigger can only name a real stage; when amoCRM
cannot be read the triggers and the outbox are still shown. A stage trigger is added (200, its row) or refused with
what to fix (422: no such stage, or the base watches it already); a "changed" trigger saves itself when toggled.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm.errors import AmoCRMError
from backend.sync.errors import NotFound
from backend.sync.numbers import id_of
from backend.sync.outbox_pages import OutboxFilter
from backend.sync.records import Base, TriggerKind
from backend.sync.trigger_settings import CHANGED_KINDS, InvalidTrigger, TriggerProblem
from backend.sync.workspace.automation import Automation
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.i18n import translator
from backend.ui.settings.common import form_again, form_text, fragment, section, settings_endpoint
from backend.ui.settings.outbox import outbox_context
from backend.ui.tokens import UISession

TAB = "automation"
FORM_ID = "amo1c-trigger-new"


@settings_endpoint
async def automation_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/automation?base=: the chosen base's triggers, the subscription's health and the outbox."""
    workspace = workspace_of(request, session)
    bases, base = await workspace.bases.chosen(request.query_params.get("base"))
    automation = workspace.automation
    context: dict[str, Any] = {"bases": bases, "base": base, "health": await automation.health()}
    if base is not None:
        context |= await _triggers_context(automation, base, session)
    context |= await outbox_context(automation, workspace.bases, OutboxFilter())
    return section(request, session, "ui/settings/automation.html", context, tab=TAB)


async def _triggers_context(automation: Automation, base: Base, session: UISession) -> dict[str, Any]:
    try:
        pipelines = await automation.pipelines()
        failure = None
    except AmoCRMError as exc:
        failure = describe(exc, session.lang)[1].within(translator(session.lang)("triggers.pipelines_failed"))
        pipelines = []
    return {
        "pipelines": pipelines,
        "pipelines_error": failure,
        "places": _places(pipelines, automation),
        "stages": automation.stages,
        "stage_triggers": await automation.stage_triggers(base),
        "changed": await automation.changed_triggers(base),
    }


def _places(pipelines: list[Any], automation: Automation) -> dict[tuple[int, int], tuple[str, str]]:
    """(pipeline id, stage id) → (pipeline name, stage name) of every stage a trigger may watch."""
    return {
        (pipeline.id, status.id): (pipeline.name, status.name)
        for pipeline in pipelines
        for status in automation.stages(pipeline)
    }


@settings_endpoint
async def trigger_add(request: Request, session: UISession) -> Response:
    """POST /ui/settings/automation/triggers (base, stage = "pipeline:stage"): the new trigger's row (200), or the
    form with what to fix (422); 502 when amoCRM's pipelines cannot be read."""
    form = await request.form()
    workspace = workspace_of(request, session)
    base = await workspace.base(form.get("base"))
    automation = workspace.automation
    pipelines = await automation.pipelines()
    chosen = form_text(form, "stage")
    pipeline_text, _, stage_text = chosen.partition(":")
    pipeline = next((item for item in pipelines if item.id == id_of(pipeline_text)), None)
    status_id = id_of(stage_text)
    try:
        if pipeline is None or status_id is None:
            raise InvalidTrigger(TriggerProblem.UNKNOWN_STAGE)
        trigger = await automation.add_stage_trigger(base, pipeline, status_id)
    except InvalidTrigger as exc:
        status, _ = describe(exc, session.lang)
        context = {
            "base": base,
            "pipelines": pipelines,
            "stages": automation.stages,
            "chosen": chosen,
            "error": translator(session.lang)(f"triggers.error.{exc.problem.value}"),
        }
        return form_again(request, session, "ui/settings/trigger_new.html", context, form_id=FORM_ID, status=status)
    context = {"trigger": trigger, "places": _places(pipelines, automation), "known": True}
    return fragment(request, session, "ui/settings/trigger_row.html", context)


@settings_endpoint
async def trigger_remove(request: Request, session: UISession) -> Response:
    """DELETE /ui/settings/automation/triggers/{id}: stop watching that stage; empty 200."""
    automation = workspace_of(request, session).automation
    await automation.remove(await automation.trigger(request.path_params["trigger_id"]))
    return Response(status_code=200, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})


@settings_endpoint
async def changed_save(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/automation/changed/{kind} (base, enabled): turn a "changed" trigger on or off; its row."""
    try:
        kind = TriggerKind(request.path_params["kind"])
    except ValueError:
        raise NotFound from None
    if kind not in CHANGED_KINDS:
        raise NotFound
    form = await request.form()
    workspace = workspace_of(request, session)
    base = await workspace.base(form.get("base"))
    trigger = await workspace.automation.set_changed(base, kind, form.get("enabled") is not None)
    context = {"base": base, "kind": kind, "enabled": trigger.enabled, "saved": True}
    return fragment(request, session, "ui/settings/trigger_changed.html", context)


@settings_endpoint
async def subscription_restore(request: Request, session: UISession) -> Response:
    """POST /ui/settings/automation/subscription: subscribe the account's webhooks again; the subscription's block,
    200 when amoCRM took it, 502 with amoCRM's words when it refused."""
    health = await workspace_of(request, session).automation.resubscribe()
    refused = health.subscription is not None and bool(health.subscription.last_error)
    context = {"health": health, "restored": not refused}
    return fragment(request, session, "ui/settings/subscription.html", context, status=502 if refused else 200)


routes = [
    Route("/ui/settings/automation", automation_page, methods=["GET"], name="settings_automation"),
    Route("/ui/settings/automation/triggers", trigger_add, methods=["POST"], name="settings_trigger_add"),
    Route(
        "/ui/settings/automation/triggers/{trigger_id:int}",
        trigger_remove,
        methods=["DELETE"],
        name="settings_trigger",
    ),
    Route("/ui/settings/automation/changed/{kind}", changed_save, methods=["PUT"], name="settings_trigger_changed"),
    Route(
        "/ui/settings/automation/subscription",
        subscription_restore,
        methods=["POST"],
        name="settings_subscription",
    ),
]
