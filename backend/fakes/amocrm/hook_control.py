"""The `/_fake/...` control endpoints for webhooks: subscriptions, a manager's moves and edits, DP hooks, drops, log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.fakes.amocrm.control import JSON, ControlError, account_id_of, control_endpoint, int_value, optional_str
from backend.fakes.amocrm.manager_actions import add_entities, move_lead, touch_entity
from backend.fakes.amocrm.responses import json_response
from backend.fakes.amocrm.state import Entity
from backend.fakes.amocrm.world import World


def _changed(entity: Entity) -> dict[str, Any]:
    """Return what a control action changed on an entity."""
    answer: dict[str, Any] = {"id": entity.id, "name": entity.name, "updated_at": entity.updated_at}
    if entity.entity_type == "leads":
        answer.update(status_id=entity.status_id, pipeline_id=entity.pipeline_id)
    return answer


def _entity_id(request: Request) -> int:
    """Return the entity id in the path."""
    entity_id: int = request.path_params["entity_id"]
    return entity_id


def hook_control_routes(world: World) -> list[Route]:
    """Return the webhook control routes bound to one fake's state."""
    hooks = world.hooks

    async def subscriptions(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/accounts/{id}/webhooks -> {webhooks}; POST {destination, settings, sort?} subscribes -> 201."""
        account = world.account(account_id_of(request))
        if request.method == "GET":
            return json_response({"webhooks": [w.as_json() for w in hooks.webhooks(account.id)]}, 200, JSON)
        settings = body.get("settings")
        if not isinstance(settings, list):
            raise ControlError("settings must be an array of event names")
        sort = body.get("sort")
        webhook = hooks.subscribe(
            account.id,
            optional_str(body.get("destination"), "destination") or "",
            settings,
            account.admin_id,
            None if sort is None else int_value(sort, "sort"),
        )
        return json_response(webhook.as_json(), 201, JSON)

    async def move(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/leads/{lead_id}/status {status_id, pipeline_id?} -> the moved lead."""
        pipeline_id = body.get("pipeline_id")
        lead = move_lead(
            world,
            account_id_of(request),
            _entity_id(request),
            int_value(body.get("status_id"), "status_id"),
            None if pipeline_id is None else int_value(pipeline_id, "pipeline_id"),
        )
        return json_response(_changed(lead), 200, JSON)

    async def touch(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/{entity}/{entity_id}/touch {name?} -> the saved entity."""
        entity = touch_entity(
            world,
            account_id_of(request),
            str(request.path_params["entity"]),
            _entity_id(request),
            optional_str(body.get("name"), "name"),
        )
        return json_response(_changed(entity), 200, JSON)

    async def add(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/{entity}/import {items: [create bodies]} -> 201 {ids} (any number at once)."""
        items = body.get("items")
        if not isinstance(items, list):
            raise ControlError("items must be an array of create bodies")
        created = add_entities(world, account_id_of(request), str(request.path_params["entity"]), items)
        return json_response({"ids": [entity.id for entity in created]}, 201, JSON)

    async def dp_hook(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/leads/{lead_id}/dp_hook {url, settings?} -> 202 {delivery}."""
        url = optional_str(body.get("url"), "url")
        settings = body.get("settings")
        if url is None:
            raise ControlError("url is required")
        if settings is not None and not isinstance(settings, dict):
            raise ControlError("settings must be an object")
        account_id = account_id_of(request)
        lead = world.entity(account_id, "leads", _entity_id(request))
        delivery = hooks.send_dp_hook(world.account(account_id), lead, url, settings)
        return json_response({"delivery": delivery.as_json()}, 202, JSON)

    async def drop_next(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/webhooks/drop_next {n?, event?} -> 201; GET lists the rules; DELETE clears them -> 204."""
        if request.method == "DELETE":
            hooks.deliverer.drops.clear()
            return Response(status_code=204)
        if request.method == "POST":
            n = int_value(body.get("n", 1), "n")
            hooks.deliverer.drop_next(n, optional_str(body.get("event"), "event"))
        rules = [rule.as_json() for rule in hooks.deliverer.drops]
        return json_response({"drops": rules}, 201 if request.method == "POST" else 200, JSON)

    async def deliveries(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/webhooks/deliveries[?account_id=&wait=1] -> {deliveries}; DELETE clears the log -> 204."""
        if request.method == "DELETE":
            hooks.deliverer.log.clear()
            return Response(status_code=204)
        if request.query_params.get("wait") in ("1", "true"):
            await hooks.deliverer.wait()
        wanted = request.query_params.get("account_id")
        log = [d.as_json() for d in hooks.deliverer.log if wanted is None or str(d.account_id) == wanted]
        return json_response({"deliveries": log}, 200, JSON)

    account_path = "/_fake/accounts/{account_id:int}"
    return [
        Route(f"{account_path}/webhooks", control_endpoint(subscriptions), methods=["GET", "POST"]),
        Route(f"{account_path}/leads/{{entity_id:int}}/status", control_endpoint(move), methods=["POST"]),
        Route(f"{account_path}/leads/{{entity_id:int}}/dp_hook", control_endpoint(dp_hook), methods=["POST"]),
        Route(f"{account_path}/{{entity}}/{{entity_id:int}}/touch", control_endpoint(touch), methods=["POST"]),
        Route(f"{account_path}/{{entity}}/import", control_endpoint(add), methods=["POST"]),
        Route("/_fake/webhooks/drop_next", control_endpoint(drop_next), methods=["GET", "POST", "DELETE"]),
        Route("/_fake/webhooks/deliveries", control_endpoint(deliveries), methods=["GET", "DELETE"]),
    ]
