"""API handlers for what hangs off an entity: its notes and its links to other entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from backend.fakes.amocrm.custom_values import MISSING, NOT_A_CHOICE, error, invalid_type, is_int
from backend.fakes.amocrm.entities import entity_type_of
from backend.fakes.amocrm.gateway import ApiCall
from backend.fakes.amocrm.render import hal_page, self_link
from backend.fakes.amocrm.responses import ApiError, ValidationFailed, json_response, no_content
from backend.fakes.amocrm.search import filter_values
from backend.fakes.amocrm.state import ENTITY_TYPES, Account, Entity, Note
from backend.fakes.amocrm.writes import MAX_BATCH, link_entities

NOTE_TYPES = frozenset(
    [
        "common",
        "attachment",
        "call_in",
        "call_out",
        "amomail_message",
        "chat",
        "site_visit",
        "targeting_in",
        "targeting_out",
        "transaction",
        "service_message",
        "message_cashier",
        "invoice_paid",
        "geolocation",
        "sms_in",
        "sms_out",
        "extended_service_message",
        "zoom_meeting",
        "dropbox_attachment",
        "link_followed",
        "bill_paid",
        "ai_result",
    ]
)


def _owner(call: ApiCall) -> tuple[str, int, Entity | None]:
    """Return (entity type, id, entity or None) of the entity named in the path."""
    entity_type = entity_type_of(call)
    entity_id = int(call.request.path_params["id"])
    return entity_type, entity_id, call.account.entities(entity_type).get(entity_id)


def _existing_owner(call: ApiCall) -> Entity:
    """Return the entity a write is addressed to; raises ApiError (404) when it does not exist."""
    entity_type, entity_id, entity = _owner(call)
    if entity is None:
        raise ApiError(404, f"{entity_type} {entity_id} not found")
    return entity


def _array_body(call: ApiCall) -> list[Any]:
    """Return a non-empty JSON array body of at most 250 elements; raises ApiError (400)."""
    items = call.json()
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
        raise ApiError(400, f"Request body must be a JSON array of 1 to {MAX_BATCH} elements")
    return items


def note_json(base: str, account: Account, note: Note) -> dict[str, Any]:
    """Return a note in amoCRM's GET shape."""
    return {
        "id": note.id,
        "entity_id": note.entity_id,
        "created_by": note.created_by,
        "updated_by": note.created_by,
        "created_at": note.created_at,
        "updated_at": note.created_at,
        "responsible_user_id": note.created_by,
        "group_id": 0,
        "note_type": note.note_type,
        "params": note.params,
        "account_id": account.id,
        "_links": self_link(base, f"/api/v4/{note.entity_type}/{note.entity_id}/notes/{note.id}"),
    }


def add_notes(call: ApiCall) -> Response:
    """POST /api/v4/{entity}/{id}/notes: add notes; 404 problem when the entity does not exist."""
    owner = _existing_owner(call)
    return _add_notes(call, owner.entity_type, lambda item: owner, f"/api/v4/{owner.entity_type}/{owner.id}/notes")


def add_notes_bulk(call: ApiCall) -> Response:
    """POST /api/v4/{entity}/notes: add notes to several entities, each element naming its `entity_id`; a
    validation problem (nothing stored) when one names no entity of that type."""
    entity_type = entity_type_of(call)
    entities = call.account.entities(entity_type)

    def owner(item: dict[str, Any]) -> Entity | None:
        entity_id: Any = item.get("entity_id")
        return entities.get(entity_id) if is_int(entity_id) else None

    return _add_notes(call, entity_type, owner, f"/api/v4/{entity_type}/notes")


def _add_notes(
    call: ApiCall, entity_type: str, owner_of: Callable[[dict[str, Any]], Entity | None], path: str
) -> Response:
    """Validate every note element (all or nothing), then store them in order."""
    items = _array_body(call)
    problems = []
    for index, item in enumerate(items):
        request_id = str(item.get("request_id", index)) if isinstance(item, dict) else str(index)
        errors = _note_errors(item)
        if not errors and owner_of(item) is None:
            errors = [error("NotSupportedChoice", "entity_id", NOT_A_CHOICE)]
        if errors:
            problems.append({"request_id": request_id, "errors": errors})
    if problems:
        raise ValidationFailed(problems)
    answers = []
    for index, item in enumerate(items):
        owner = owner_of(item)
        assert owner is not None
        note = Note(
            id=call.world.ids.next("note"),
            entity_type=entity_type,
            entity_id=owner.id,
            note_type=item["note_type"],
            params=dict(item.get("params") or {}),
            created_by=call.user_id,
            created_at=call.now,
        )
        call.account.notes[note.id] = note
        answers.append(
            {
                "id": note.id,
                "entity_id": owner.id,
                "request_id": str(item.get("request_id", index)),
                "_links": note_json(call.base, call.account, note)["_links"],
            }
        )
    return json_response({"_links": self_link(call.base, path), "_embedded": {"notes": answers}})


def _note_errors(item: Any) -> list[dict[str, str]]:
    """Return the validation errors of one note element."""
    if not isinstance(item, dict):
        return [invalid_type("", "object")]
    if "note_type" not in item:
        return [error("FieldMissing", "note_type", MISSING)]
    if item["note_type"] not in NOTE_TYPES:
        return [error("NotSupportedChoice", "note_type", NOT_A_CHOICE)]
    params = item.get("params")
    if params is not None and not isinstance(params, dict):
        return [invalid_type("params", "object")]
    if item["note_type"] == "common" and not isinstance((params or {}).get("text"), str):
        return [error("FieldMissing", "params.text", MISSING)]
    return []


def list_notes(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/{id}/notes: the entity's notes, 204 when it has none or does not exist."""
    entity_type, entity_id, _ = _owner(call)
    notes = [n for n in call.account.notes.values() if n.entity_type == entity_type and n.entity_id == entity_id]
    types = filter_values(call.request, "note_type")
    if types is not None:
        notes = [n for n in notes if n.note_type in types]
    return hal_page(call.base, call.request, "notes", [note_json(call.base, call.account, n) for n in notes])


def get_note(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/{id}/notes/{note_id}: one note, 204 when it does not exist."""
    entity_type, entity_id, _ = _owner(call)
    note = call.account.notes.get(int(call.request.path_params["note_id"]))
    if note is None or (note.entity_type, note.entity_id) != (entity_type, entity_id):
        return no_content()
    return json_response(note_json(call.base, call.account, note))


def link_json(entity: Entity, to_type: str, to_id: int, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Return one link in amoCRM's shape."""
    return {
        "entity_id": entity.id,
        "entity_type": entity.entity_type,
        "to_entity_id": to_id,
        "to_entity_type": to_type,
        "metadata": metadata,
    }


def _parse_links(call: ApiCall, owner: Entity) -> list[tuple[str, int, bool | None]]:
    """Validate a link/unlink body; raises ValidationFailed listing every bad element."""
    parsed: list[tuple[str, int, bool | None]] = []
    problems = []
    for index, raw in enumerate(_array_body(call)):
        errors = []
        item: dict[str, Any] = raw if isinstance(raw, dict) else {}
        to_type = item.get("to_entity_type")
        to_id: Any = item.get("to_entity_id")
        if to_type not in ENTITY_TYPES or to_type == owner.entity_type:
            errors.append(error("NotSupportedChoice", "to_entity_type", NOT_A_CHOICE))
        elif not is_int(to_id) or to_id not in call.account.entities(str(to_type)):
            errors.append(error("NotSupportedChoice", "to_entity_id", NOT_A_CHOICE))
        if errors:
            problems.append({"request_id": str(index), "errors": errors})
            continue
        metadata = item.get("metadata") or {}
        is_main = metadata.get("main_contact", metadata.get("is_main")) if isinstance(metadata, dict) else None
        parsed.append((str(to_type), int(to_id), is_main if isinstance(is_main, bool) else None))
    if problems:
        raise ValidationFailed(problems)
    return parsed


def add_links(call: ApiCall) -> Response:
    """POST /api/v4/{entity}/{id}/link: relate the entity to others; 404 problem when it does not exist."""
    owner = _existing_owner(call)
    answers = []
    for to_type, to_id, is_main in _parse_links(call, owner):
        link_entities(call.account, owner.entity_type, owner.id, to_type, to_id, is_main)
        link = call.account.find_link(owner.entity_type, owner.id, to_type, to_id)
        answers.append(link_json(owner, to_type, to_id, link.metadata if link else None))
    path = f"/api/v4/{owner.entity_type}/{owner.id}/links"
    return json_response({"_links": self_link(call.base, path), "_embedded": {"links": answers}})


def remove_links(call: ApiCall) -> Response:
    """POST /api/v4/{entity}/{id}/unlink: drop relations; 204 on success, 404 problem for a missing entity."""
    owner = _existing_owner(call)
    for to_type, to_id, _ in _parse_links(call, owner):
        call.account.unlink(owner.entity_type, owner.id, to_type, to_id)
    return no_content()


def list_links(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/{id}/links: the entity's links, 204 when it has none or does not exist."""
    _, _, owner = _owner(call)
    if owner is None:
        return no_content()
    partners = call.account.partners(owner.entity_type, owner.id)
    types = filter_values(call.request, "to_entity_type")
    links = [link_json(owner, t, i, m) for t, i, m in partners if types is None or t in types]
    if not links:
        return no_content()
    path = f"/api/v4/{owner.entity_type}/{owner.id}/links"
    body = {"_total_items": len(links), "_links": self_link(call.base, path), "_embedded": {"links": links}}
    return json_response(body)
