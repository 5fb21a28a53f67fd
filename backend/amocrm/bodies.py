"""Turning drafts into amoCRM request bodies: plain fields, custom_fields_values and `_embedded` links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.amocrm.records import CompanyDraft, ContactDraft, FieldValue, LeadDraft

PHONE_ENUM_CODE = "WORK"
EMAIL_ENUM_CODE = "WORK"


def _multitext(code: str, values: tuple[str, ...], enum_code: str) -> dict[str, Any]:
    """Return a PHONE/EMAIL element: every value under the same enum code."""
    return {"field_code": code, "values": [{"value": v, "enum_code": enum_code} for v in values]}


def _custom(
    custom: Mapping[int, FieldValue | None], phones: tuple[str, ...] = (), emails: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Return custom_fields_values: phones, emails, then each field by id (None clears it with `values: null`)."""
    elements = []
    if phones:
        elements.append(_multitext("PHONE", phones, PHONE_ENUM_CODE))
    if emails:
        elements.append(_multitext("EMAIL", emails, EMAIL_ENUM_CODE))
    for field_id, value in custom.items():
        elements.append({"field_id": field_id, "values": None if value is None else [{"value": value}]})
    return elements


def party_body(draft: ContactDraft | CompanyDraft) -> dict[str, Any]:
    """Return the body of a contact or company write; fields left None or empty are not sent. Raises nothing."""
    body: dict[str, Any] = {}
    if draft.name is not None:
        body["name"] = draft.name
    if draft.responsible_user_id is not None:
        body["responsible_user_id"] = draft.responsible_user_id
    custom = _custom(draft.custom, draft.phones, draft.emails)
    if custom:
        body["custom_fields_values"] = custom
    return body


def lead_body(draft: LeadDraft) -> dict[str, Any]:
    """Return the body of a lead write, linking contacts (one marked main) and a company; raises nothing."""
    body: dict[str, Any] = {}
    plain = {
        "name": draft.name,
        "price": draft.price,
        "responsible_user_id": draft.responsible_user_id,
        "pipeline_id": draft.pipeline_id,
        "status_id": draft.status_id,
    }
    body.update((key, value) for key, value in plain.items() if value is not None)
    custom = _custom(draft.custom)
    if custom:
        body["custom_fields_values"] = custom
    links: dict[str, Any] = {}
    contact_ids = list(dict.fromkeys(draft.contact_ids))
    if draft.main_contact_id is not None and draft.main_contact_id not in contact_ids:
        contact_ids.insert(0, draft.main_contact_id)
    if contact_ids:
        main = draft.main_contact_id if draft.main_contact_id is not None else contact_ids[0]
        links["contacts"] = [{"id": cid, "is_main": cid == main} for cid in contact_ids]
    if draft.company_id is not None:
        links["companies"] = [{"id": draft.company_id}]
    if links:
        body["_embedded"] = links
    return body


def note_body(text: str) -> list[dict[str, Any]]:
    """Return the body adding one common (text) note; raises nothing."""
    return [{"note_type": "common", "params": {"text": text}}]
