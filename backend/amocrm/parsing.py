"""Turning amoCRM's JSON into records, defensively: optional parts may be null or missing, required ones may not."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from backend.amocrm.errors import AmoCRMBadResponse
from backend.amocrm.records import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    AccountInfo,
    Company,
    Contact,
    CustomField,
    CustomValue,
    Enum,
    Lead,
    Pipeline,
    Status,
    User,
    WebhookSubscription,
)

UNSORTED_STATUS_TYPE = 1
Json = Mapping[str, Any]


def _bad(what: str) -> AmoCRMBadResponse:
    """Build the error for a body missing something this client needs."""
    return AmoCRMBadResponse(f"Неожиданный ответ amoCRM: {what}", detail=what)


def obj(value: Any, what: str) -> Json:
    """Return value as a JSON object; raises AmoCRMBadResponse when it is not one."""
    if not isinstance(value, Mapping):
        raise _bad(f"{what} is not an object")
    return value


def objects(value: Any, what: str) -> list[Json]:
    """Return a JSON array of objects (null counts as empty); raises AmoCRMBadResponse for anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"{what} is not an array")
    return [obj(item, what) for item in value]


def req_int(data: Json, key: str) -> int:
    """Return a required integer; raises AmoCRMBadResponse when it is missing or not an integer."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{key} is missing or not an integer")
    return value


def opt_int(data: Json, key: str) -> int | None:
    """Return an integer (also from a numeric string) or None when absent or unusable; raises nothing."""
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def opt_str(data: Json, key: str) -> str | None:
    """Return a string or None when absent or not a string; raises nothing."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def embedded(data: Json, key: str) -> list[Json]:
    """Return `_embedded[key]` as objects, empty when missing; raises AmoCRMBadResponse when malformed."""
    block = data.get("_embedded")
    if block is None:
        return []
    return objects(obj(block, "_embedded").get(key), f"_embedded.{key}")


def next_href(data: Json) -> str | None:
    """Return `_links.next.href` of a page, or None on the last page; raises nothing."""
    links = data.get("_links")
    nxt = links.get("next") if isinstance(links, Mapping) else None
    href = nxt.get("href") if isinstance(nxt, Mapping) else None
    return href if isinstance(href, str) and href else None


def as_text(value: Any) -> str | None:
    """Render one custom field value as text (numbers plainly, booleans true/false), None for null; raises nothing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def custom_values(data: Json) -> tuple[CustomValue, ...]:
    """Parse `custom_fields_values` (null means none); raises AmoCRMBadResponse when malformed."""
    parsed = []
    for item in objects(data.get("custom_fields_values"), "custom_fields_values"):
        texts = (as_text(v.get("value")) for v in objects(item.get("values"), "custom_fields_values.values"))
        parsed.append(
            CustomValue(
                field_id=req_int(item, "field_id"),
                field_code=opt_str(item, "field_code"),
                values=tuple(t for t in texts if t is not None),
            )
        )
    return tuple(parsed)


def _by_code(custom: tuple[CustomValue, ...], code: str) -> tuple[str, ...]:
    """Return every value of the fields with a given field_code (PHONE, EMAIL)."""
    return tuple(v for cv in custom if cv.field_code == code for v in cv.values)


def _first_id(items: list[Json]) -> int | None:
    """Return the id of the first linked entity, or None."""
    return opt_int(items[0], "id") if items else None


def account(data: Any) -> AccountInfo:
    """Parse GET /api/v4/account; raises AmoCRMBadResponse."""
    body = obj(data, "account")
    return AccountInfo(
        id=req_int(body, "id"),
        name=opt_str(body, "name") or "",
        subdomain=opt_str(body, "subdomain") or "",
        current_user_id=opt_int(body, "current_user_id"),
        country=opt_str(body, "country"),
        currency=opt_str(body, "currency"),
    )


def webhook(data: Json) -> WebhookSubscription:
    """Read one subscription of `GET /api/v4/webhooks`; raises AmoCRMBadResponse without a destination."""
    destination = opt_str(data, "destination")
    if not destination:
        raise _bad("webhook without a destination")
    events = data.get("settings")
    names = tuple(str(name) for name in events) if isinstance(events, list) else ()
    return WebhookSubscription(destination, names, data.get("disabled") is True)


def user(data: Json) -> User:
    """Parse one element of `_embedded.users`; raises AmoCRMBadResponse."""
    rights = data.get("rights")
    is_admin = bool(rights.get("is_admin")) if isinstance(rights, Mapping) else False
    return User(
        id=req_int(data, "id"), name=opt_str(data, "name") or "", email=opt_str(data, "email"), is_admin=is_admin
    )


def _status(data: Json, pipeline_id: int) -> Status:
    """Parse one element of a pipeline's `_embedded.statuses`; raises AmoCRMBadResponse."""
    status_id = req_int(data, "id")
    return Status(
        id=status_id,
        name=opt_str(data, "name") or "",
        sort=opt_int(data, "sort") or 0,
        pipeline_id=opt_int(data, "pipeline_id") or pipeline_id,
        is_system=status_id in (WON_STATUS_ID, LOST_STATUS_ID) or opt_int(data, "type") == UNSORTED_STATUS_TYPE,
    )


def pipeline(data: Json) -> Pipeline:
    """Parse one pipeline with its `_embedded.statuses`; raises AmoCRMBadResponse."""
    pipeline_id = req_int(data, "id")
    return Pipeline(
        id=pipeline_id,
        name=opt_str(data, "name") or "",
        is_main=bool(data.get("is_main")),
        statuses=tuple(_status(s, pipeline_id) for s in embedded(data, "statuses")),
    )


def custom_field(data: Json) -> CustomField:
    """Parse one element of `_embedded.custom_fields`; raises AmoCRMBadResponse."""
    enums = tuple(
        Enum(id=req_int(e, "id"), value=as_text(e.get("value")) or "", code=opt_str(e, "code"))
        for e in objects(data.get("enums"), "enums")
    )
    return CustomField(
        id=req_int(data, "id"),
        name=opt_str(data, "name") or "",
        code=opt_str(data, "code"),
        type=opt_str(data, "type") or "",
        entity=opt_str(data, "entity_type") or "",
        enums=enums,
    )


def contact(data: Any) -> Contact:
    """Parse one contact; raises AmoCRMBadResponse."""
    body = obj(data, "contact")
    custom = custom_values(body)
    return Contact(
        id=req_int(body, "id"),
        name=opt_str(body, "name") or "",
        responsible_user_id=opt_int(body, "responsible_user_id"),
        phones=_by_code(custom, "PHONE"),
        emails=_by_code(custom, "EMAIL"),
        custom=custom,
        company_id=_first_id(embedded(body, "companies")),
        updated_at=opt_int(body, "updated_at") or 0,
    )


def company(data: Any) -> Company:
    """Parse one company; raises AmoCRMBadResponse."""
    body = obj(data, "company")
    custom = custom_values(body)
    return Company(
        id=req_int(body, "id"),
        name=opt_str(body, "name") or "",
        responsible_user_id=opt_int(body, "responsible_user_id"),
        phones=_by_code(custom, "PHONE"),
        emails=_by_code(custom, "EMAIL"),
        custom=custom,
        updated_at=opt_int(body, "updated_at") or 0,
    )


def lead(data: Any) -> Lead:
    """Parse one lead (contacts only appear when asked for with=contacts); raises AmoCRMBadResponse."""
    body = obj(data, "lead")
    contacts = embedded(body, "contacts")
    contact_ids = tuple(i for i in (opt_int(c, "id") for c in contacts) if i is not None)
    main = next((opt_int(c, "id") for c in contacts if c.get("is_main") is True), None)
    return Lead(
        id=req_int(body, "id"),
        name=opt_str(body, "name") or "",
        price=opt_int(body, "price"),
        responsible_user_id=opt_int(body, "responsible_user_id"),
        status_id=opt_int(body, "status_id"),
        pipeline_id=opt_int(body, "pipeline_id"),
        contact_ids=contact_ids,
        main_contact_id=main,
        company_id=_first_id(embedded(body, "companies")),
        custom=custom_values(body),
        updated_at=opt_int(body, "updated_at") or 0,
    )


def created_id(data: Any, key: str) -> int:
    """Return the id of the single element a create answered with (`_embedded[key][0].id`); raises AmoCRMBadResponse."""
    items = embedded(obj(data, "create answer"), key)
    if not items:
        raise _bad(f"_embedded.{key} of the create answer is empty")
    return req_int(items[0], "id")
