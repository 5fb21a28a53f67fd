"""API handlers for contacts, companies and leads: list/search, get one, create, update."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backend.fakes.amocrm.gateway import ApiCall
from backend.fakes.amocrm.render import entity_json, hal_page, self_link, with_options
from backend.fakes.amocrm.responses import ApiError, json_response, no_content
from backend.fakes.amocrm.search import select_entities
from backend.fakes.amocrm.state import ENTITY_TYPES, Entity
from backend.fakes.amocrm.webhooks import Touched
from backend.fakes.amocrm.writes import MAX_BATCH, Change, apply_change, parse_batch


def entity_type_of(call: ApiCall) -> str:
    """Return the entity type named in the path; raises ApiError (404) for anything else."""
    entity_type = str(call.request.path_params["entity"])
    if entity_type not in ENTITY_TYPES:
        raise ApiError(404, f"Unknown entity type {entity_type!r}")
    return entity_type


def list_entities(call: ApiCall) -> Response:
    """GET /api/v4/{entity}: a page of matching entities, or 204 when none match."""
    entity_type = entity_type_of(call)
    found = select_entities(call.request, call.account, entity_type)
    with_ = with_options(call.request)
    items = [entity_json(call.base, call.account, e, with_) for e in found]
    return hal_page(call.base, call.request, entity_type, items)


def get_entity(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/{id}: one entity, or 204 when it does not exist (as amoCRM answers)."""
    entity_type = entity_type_of(call)
    entity = call.account.entities(entity_type).get(int(call.request.path_params["id"]))
    if entity is None:
        return no_content()
    return json_response(entity_json(call.base, call.account, entity, with_options(call.request)))


def create_entities(call: ApiCall) -> Response:
    """POST /api/v4/{entity}: create every element of a JSON array, or none if any is invalid."""
    entity_type = entity_type_of(call)
    items = _array_body(call)
    changes = parse_batch(call.account, entity_type, items, creating=True)
    created = _apply_all(call, entity_type, changes)
    answers = []
    for change, entity in zip(changes, created, strict=True):
        answer: dict[str, Any] = {"id": entity.id, "is_deleted": False}
        if entity_type == "contacts":
            answer["is_unsorted"] = False
        answer["request_id"] = change.request_id
        answer["_links"] = self_link(call.base, f"/api/v4/{entity_type}/{entity.id}")
        answers.append(answer)
    return _batch_answer(call, entity_type, answers)


def update_entities(call: ApiCall) -> Response:
    """PATCH /api/v4/{entity}: update every element (each carrying id), or none if any is invalid."""
    entity_type = entity_type_of(call)
    items = _array_body(call)
    changes = parse_batch(call.account, entity_type, items, creating=False)
    updated = _apply_all(call, entity_type, changes)
    answers = [
        _update_answer(call, entity_type, entity, change) for change, entity in zip(changes, updated, strict=True)
    ]
    return _batch_answer(call, entity_type, answers)


def update_entity(call: ApiCall) -> Response:
    """PATCH /api/v4/{entity}/{id}: update one entity from one object; 404 problem when it does not exist."""
    entity_type = entity_type_of(call)
    entity_id = int(call.request.path_params["id"])
    if entity_id not in call.account.entities(entity_type):
        raise ApiError(404, f"{entity_type} {entity_id} not found")
    item = call.json()
    if not isinstance(item, dict):
        raise ApiError(400, "Request body must be a JSON object")
    changes = parse_batch(call.account, entity_type, [{**item, "id": entity_id}], creating=False)
    (entity,) = _apply_all(call, entity_type, changes)
    return json_response(_update_answer(call, entity_type, entity, None))


def _array_body(call: ApiCall) -> list[Any]:
    """Return the JSON array body of a batch write; raises ApiError (400) if it is not a non-empty array."""
    items = call.json()
    if not isinstance(items, list):
        raise ApiError(400, "Request body must be a JSON array")
    if not items:
        raise ApiError(400, "Request body must not be an empty array")
    if len(items) > MAX_BATCH:
        raise ApiError(400, f"At most {MAX_BATCH} entities per request")
    return items


def _apply_all(call: ApiCall, entity_type: str, changes: list[Change]) -> list[Entity]:
    """Store validated changes in order, then queue the webhooks they raise (sent after this answer)."""
    stored, touched = [], []
    for change in changes:
        before = change.target
        old = (before.status_id, before.pipeline_id) if before is not None else (None, None)
        entity = apply_change(call.account, call.world.ids, entity_type, change, call.user_id, call.now)
        stored.append(entity)
        touched.append(Touched(entity, before is None, *old))
    call.world.hooks.announce(call.account, touched)
    return stored


def _update_answer(call: ApiCall, entity_type: str, entity: Entity, change: Change | None) -> dict[str, Any]:
    """Return amoCRM's per-entity answer to an update."""
    answer: dict[str, Any] = {"id": entity.id, "updated_at": entity.updated_at}
    if change is not None:
        answer["request_id"] = change.request_id
    answer["_links"] = self_link(call.base, f"/api/v4/{entity_type}/{entity.id}")
    return answer


def _batch_answer(call: ApiCall, entity_type: str, answers: list[dict[str, Any]]) -> Response:
    """Wrap per-entity answers in amoCRM's batch envelope."""
    body = {"_links": self_link(call.base, f"/api/v4/{entity_type}"), "_embedded": {entity_type: answers}}
    return json_response(body)
