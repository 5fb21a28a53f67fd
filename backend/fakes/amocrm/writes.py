"""Validation and application of POST/PATCH bodies for contacts, companies and leads."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from backend.fakes.amocrm.custom_values import (
    MISSING,
    NOT_A_CHOICE,
    error,
    invalid_type,
    is_int,
    parse_custom_values,
)
from backend.fakes.amocrm.responses import ValidationFailed
from backend.fakes.amocrm.state import SYSTEM_STATUS_IDS, Account, Entity, IdSequence, Pipeline

MAX_BATCH = 250
_EMBEDDED_KEYS = MappingProxyType(
    {
        "contacts": ("companies",),
        "companies": ("contacts",),
        "leads": ("contacts", "companies"),
    }
)


@dataclass
class Change:
    """One validated element of a write: plain attributes, custom values, tags and entities to link."""

    request_id: str
    target: Entity | None
    attributes: dict[str, Any] = field(default_factory=dict)
    custom: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tags: list[str] | None = None
    linked: list[tuple[str, int, bool | None]] = field(default_factory=list)


def parse_batch(account: Account, entity_type: str, items: list[Any], creating: bool) -> list[Change]:
    """Validate every element of a write; raises ValidationFailed listing all problems, storing nothing."""
    problems: list[dict[str, Any]] = []
    changes = []
    for index, item in enumerate(items):
        request_id = str(item.get("request_id", index)) if isinstance(item, dict) else str(index)
        errors: list[dict[str, str]] = []
        change = _parse_one(account, entity_type, item, creating, request_id, errors)
        if errors:
            problems.append({"request_id": request_id, "errors": errors})
        elif change is not None:
            changes.append(change)
    if problems:
        raise ValidationFailed(problems)
    return changes


def _parse_one(
    account: Account, entity_type: str, item: Any, creating: bool, request_id: str, errors: list[dict[str, str]]
) -> Change | None:
    """Validate one element, appending to errors; return its change when it has none."""
    if not isinstance(item, dict):
        errors.append(invalid_type("", "object"))
        return None
    target = None
    if not creating:
        entity_id = item.get("id")
        if entity_id is None:
            errors.append(error("FieldMissing", "id", MISSING))
            return None
        target = account.entities(entity_type).get(entity_id) if is_int(entity_id) else None
        if target is None:
            errors.append(error("NotSupportedChoice", "id", NOT_A_CHOICE))
            return None
    change = Change(request_id=request_id, target=target)
    for key in ("name", "first_name", "last_name") if entity_type == "contacts" else ("name",):
        if key in item:
            if isinstance(item[key], str):
                change.attributes[key] = item[key]
            else:
                errors.append(invalid_type(key, "string"))
    for key in ("created_at", "updated_at"):
        if key in item:
            if is_int(item[key]):
                change.attributes[key] = item[key]
            else:
                errors.append(invalid_type(key, "int"))
    if "responsible_user_id" in item:
        user_id = item["responsible_user_id"]
        if is_int(user_id) and user_id in account.users:
            change.attributes["responsible_user_id"] = user_id
        else:
            errors.append(error("NotSupportedChoice", "responsible_user_id", NOT_A_CHOICE))
    if entity_type == "leads":
        _parse_lead(account, item, target, change, errors)
    change.custom = parse_custom_values(account, entity_type, item.get("custom_fields_values"), errors)
    _parse_embedded(account, entity_type, item.get("_embedded"), change, errors)
    return change


def _parse_lead(
    account: Account, item: dict[str, Any], target: Entity | None, change: Change, errors: list[dict[str, str]]
) -> None:
    """Validate price, pipeline_id and status_id of a lead, choosing the default status like amoCRM."""
    if "price" in item:
        if is_int(item["price"]):
            change.attributes["price"] = item["price"]
        else:
            errors.append(invalid_type("price", "int"))
    current = account.pipelines.get(target.pipeline_id or 0) if target else account.main_pipeline()
    pipeline = None
    if "pipeline_id" in item:
        pipeline = account.pipelines.get(item["pipeline_id"]) if is_int(item["pipeline_id"]) else None
        if pipeline is None:
            errors.append(error("NotSupportedChoice", "pipeline_id", NOT_A_CHOICE))
            return
    if "status_id" in item:
        status_id = item["status_id"]
        if not is_int(status_id):
            errors.append(invalid_type("status_id", "int"))
            return
        if pipeline is None:
            pipeline = _pipeline_holding(account, status_id, current)
        if pipeline is None or pipeline.status(status_id) is None:
            errors.append(error("NotSupportedChoice", "status_id", NOT_A_CHOICE))
            return
        change.attributes["pipeline_id"] = pipeline.id
        change.attributes["status_id"] = status_id
    elif pipeline is not None and (target is None or target.pipeline_id != pipeline.id):
        change.attributes["pipeline_id"] = pipeline.id
        change.attributes["status_id"] = pipeline.first_open_status().id
    elif target is None:
        main = account.main_pipeline()
        change.attributes["pipeline_id"] = main.id
        change.attributes["status_id"] = main.first_open_status().id


def _pipeline_holding(account: Account, status_id: int, current: Pipeline | None) -> Pipeline | None:
    """Return the current pipeline if it has the status, else the only other pipeline that does, else None."""
    if current is not None and current.status(status_id) is not None:
        return current
    if status_id in SYSTEM_STATUS_IDS:
        return None
    holders = [p for p in account.pipelines.values() if p.status(status_id) is not None]
    return holders[0] if len(holders) == 1 else None


def _parse_embedded(
    account: Account, entity_type: str, embedded: Any, change: Change, errors: list[dict[str, str]]
) -> None:
    """Validate _embedded tags and the contacts/companies to link."""
    if embedded is None:
        return
    if not isinstance(embedded, dict):
        errors.append(invalid_type("_embedded", "object"))
        return
    if "tags" in embedded:
        tags = embedded["tags"]
        names = [t.get("name") for t in tags if isinstance(t, dict)] if isinstance(tags, list) else None
        if names is None or not all(isinstance(n, str) and n for n in names):
            errors.append(invalid_type("_embedded.tags", "array of {name}"))
        else:
            change.tags = [str(n) for n in names]
    for key in _EMBEDDED_KEYS[entity_type]:
        if key not in embedded:
            continue
        refs = embedded[key]
        if not isinstance(refs, list):
            errors.append(invalid_type(f"_embedded.{key}", "array"))
            continue
        for k, ref in enumerate(refs):
            ref_id = ref.get("id") if isinstance(ref, dict) else None
            if not is_int(ref_id) or ref_id not in account.entities(key):
                errors.append(error("NotSupportedChoice", f"_embedded.{key}.{k}.id", NOT_A_CHOICE))
                continue
            is_main = ref.get("is_main")
            change.linked.append((key, ref_id, is_main if isinstance(is_main, bool) else None))


def apply_change(account: Account, ids: IdSequence, entity_type: str, change: Change, user_id: int, now: int) -> Entity:
    """Store a validated change: create or update the entity, then link what it names."""
    entity = change.target
    if entity is None:
        entity = Entity(
            id=ids.next("entity"),
            entity_type=entity_type,
            name="",
            responsible_user_id=user_id,
            created_by=user_id,
            created_at=now,
            updated_at=now,
            updated_by=user_id,
        )
        account.entities(entity_type)[entity.id] = entity
    else:
        entity.updated_at = now
        entity.updated_by = user_id
    for key, value in change.attributes.items():
        setattr(entity, key, value)
    if entity_type == "contacts" and "name" not in change.attributes and change.target is None:
        entity.name = " ".join(p for p in (entity.first_name, entity.last_name) if p)
    if entity_type == "leads":
        if change.target is None and "name" not in change.attributes:
            entity.name = f"Сделка #{entity.id}"
        if "status_id" in change.attributes:
            entity.closed_at = now if entity.status_id in SYSTEM_STATUS_IDS else None
    for field_id, values in change.custom.items():
        if values:
            entity.custom_fields[field_id] = values
        else:
            entity.custom_fields.pop(field_id, None)
    if change.tags is not None:
        entity.tags = change.tags
    companies_done = False
    for other_type, other_id, is_main in change.linked:
        if other_type == "companies" and entity_type in ("contacts", "leads"):
            if companies_done:
                continue  # a contact or lead has one company; amoCRM keeps the first given
            companies_done = True
        link_entities(account, entity_type, entity.id, other_type, other_id, is_main)
    return entity


def link_entities(
    account: Account, a_type: str, a_id: int, b_type: str, b_id: int, is_main: bool | None = None
) -> None:
    """Relate two entities; a lead's contact link carries main_contact (first contact is main by default)."""
    if {a_type, b_type} != {"leads", "contacts"}:
        account.link(a_type, a_id, b_type, b_id)
        return
    lead_id, contact_id = (a_id, b_id) if a_type == "leads" else (b_id, a_id)
    contact_links = [
        account.find_link("leads", lead_id, "contacts", other_id)
        for other_type, other_id, _ in account.partners("leads", lead_id)
        if other_type == "contacts"
    ]
    existing = account.find_link("leads", lead_id, "contacts", contact_id)
    if is_main is None:
        if existing is not None:
            return
        is_main = not any(lk is not None and (lk.metadata or {}).get("main_contact") for lk in contact_links)
    if is_main:
        for lk in contact_links:
            if lk is not None:
                lk.metadata = {"main_contact": False}
    account.link("leads", lead_id, "contacts", contact_id, {"main_contact": is_main})
