"""The bodies amoCRM POSTs to webhook receivers, as PHP-style form fields whose values are all strings.

Account webhooks (amoCRM's webhooks-format page; real captured bodies): `{group}[{action}][{n}][{field}]`, then
`account[subdomain]`, `account[id]`, `account[_links][self]`. Leads use the group `leads`; contacts and
companies both use `contacts`, told apart by `[type]` = `contact` or `company`. The digital-pipeline action
sends `event[...]`, `action[settings][widget][settings][...]`, `subdomain` and `account_id`: the structure is
Kommo's "Widgets in Digital Pipeline" page; that it comes form-encoded like account webhooks, and `account_id`,
are taken from public receivers of it, not from amoCRM's own documentation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from backend.fakes.amocrm.custom_values import render_custom_values
from backend.fakes.amocrm.state import Account, Entity

FORM = "application/x-www-form-urlencoded"
LEAD_APPEARED_IN_STATUS = 15
LEAD_ELEMENT_TYPE = 2

Form = list[tuple[str, str]]


def flatten(value: Any, prefix: str) -> Form:
    """Flatten nested dicts and lists into PHP `http_build_query` pairs; None and empty containers vanish."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [pair for key, item in value.items() for pair in flatten(item, f"{prefix}[{key}]")]
    if isinstance(value, list | tuple):
        return [pair for index, item in enumerate(value) for pair in flatten(item, f"{prefix}[{index}]")]
    if isinstance(value, bool):
        return [(prefix, "1" if value else "0")]
    return [(prefix, str(value))]


def encode(form: Form) -> bytes:
    """Return a form as the bytes of an `application/x-www-form-urlencoded` body."""
    return urlencode(form).encode()


def hook_entity(
    account: Account, entity: Entity, old_status_id: int | None = None, old_pipeline_id: int | None = None
) -> dict[str, Any]:
    """Return one entity as an account webhook shows it; a status event also carries the old status and pipeline."""
    fields: dict[str, Any] = {"id": entity.id, "name": entity.name}
    if entity.entity_type == "leads":
        fields.update(status_id=entity.status_id, old_status_id=old_status_id, price=entity.price)
    fields["responsible_user_id"] = entity.responsible_user_id
    fields.update(
        last_modified=entity.updated_at,
        modified_user_id=entity.updated_by,
        created_user_id=entity.created_by,
        date_create=entity.created_at,
    )
    if entity.entity_type == "leads":
        fields.update(pipeline_id=entity.pipeline_id, old_pipeline_id=old_pipeline_id)
    fields["tags"] = [{"id": account.tag_ids.get(tag), "name": tag} for tag in entity.tags]
    fields["account_id"] = account.id
    fields["custom_fields"] = _custom_fields(account, entity)
    fields.update(created_at=entity.created_at, updated_at=entity.updated_at)
    if entity.entity_type != "leads":
        fields["type"] = "company" if entity.entity_type == "companies" else "contact"
    return fields


def _custom_fields(account: Account, entity: Entity) -> list[dict[str, Any]]:
    """Return the entity's custom values as webhooks list them: id, name, code, values with value and enum."""
    return [
        {
            "id": field["field_id"],
            "name": field["field_name"],
            "code": field["field_code"],
            "values": [{"value": v.get("value"), "enum": v.get("enum_id")} for v in field["values"]],
        }
        for field in render_custom_values(account, entity) or []
    ]


def account_hook_form(account: Account, group: str, action: str, items: list[dict[str, Any]]) -> Form:
    """Return the form of one account webhook: the changed entities under group[action][n], then the account."""
    account_part = {
        "subdomain": account.subdomain,
        "id": account.id,
        "_links": {"self": f"https://{account.subdomain}.amocrm.ru"},
    }
    return flatten({action: items}, group) + flatten(account_part, "account")


def dp_hook_form(account: Account, lead: Entity, time: int, widget_settings: Mapping[str, Any] | None = None) -> Form:
    """Return the form the digital-pipeline widget action sends when a lead enters the stage it sits on."""
    event = {
        "type": LEAD_APPEARED_IN_STATUS,
        "type_code": "lead_appeared_in_status",
        "data": {
            "id": lead.id,
            "element_type": LEAD_ELEMENT_TYPE,
            "status_id": lead.status_id,
            "pipeline_id": lead.pipeline_id,
            "direction_of_movement": "went_to_trigger",
        },
        "time": time,
    }
    action = {"settings": {"widget": {"settings": dict(widget_settings or {})}}}
    return (
        flatten(event, "event")
        + flatten(action, "action")
        + [("subdomain", account.subdomain), ("account_id", str(account.id))]
    )
