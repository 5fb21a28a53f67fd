"""Custom field values: validation of what a client writes, and the normalized shape amoCRM returns."""

from __future__ import annotations

from typing import Any

from backend.fakes.amocrm.state import Account, CustomField, Entity

TEXT_TYPES = frozenset({"text", "textarea", "streetaddress"})
NUMERIC_TYPES = frozenset({"numeric", "price", "monetary"})
DATE_TYPES = frozenset({"date", "date_time", "birthday"})
CHOICE_TYPES = frozenset({"select", "multiselect", "radiobutton", "category"})

NOT_A_CHOICE = "The value you selected is not a valid choice."
MISSING = "This field is missing."


def error(code: str, path: str, detail: str) -> dict[str, str]:
    """Build one entry of amoCRM's validation-errors list."""
    return {"code": code, "path": path, "detail": detail}


def invalid_type(path: str, expected: str) -> dict[str, str]:
    """Build an InvalidType validation error for a value of the wrong JSON type."""
    return error("InvalidType", path, f"This value should be of type {expected}.")


def is_int(value: Any) -> bool:
    """Whether a JSON value is an integer (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether a JSON value is a number or a string holding one (booleans are not)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def parse_custom_values(
    account: Account, entity_type: str, raw: Any, errors: list[dict[str, str]]
) -> dict[int, list[dict[str, Any]]]:
    """Validate a custom_fields_values list, appending problems to errors; return field id → stored values."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        errors.append(invalid_type("custom_fields_values", "array"))
        return {}
    parsed: dict[int, list[dict[str, Any]]] = {}
    for j, item in enumerate(raw):
        path = f"custom_fields_values.{j}"
        if not isinstance(item, dict):
            errors.append(invalid_type(path, "object"))
            continue
        field = _resolve_field(account, entity_type, item, path, errors)
        if field is None:
            continue
        values = item.get("values")
        if values is None:
            parsed[field.id] = []
            continue
        if not isinstance(values, list):
            errors.append(invalid_type(f"{path}.values", "array"))
            continue
        stored = [_parse_value(field, value, f"{path}.values.{k}", errors) for k, value in enumerate(values)]
        parsed[field.id] = [v for v in stored if v is not None]
    return parsed


def _resolve_field(
    account: Account, entity_type: str, item: dict[str, Any], path: str, errors: list[dict[str, str]]
) -> CustomField | None:
    """Find the field an element names by field_id or field_code, or record why it cannot."""
    if "field_id" in item:
        field_id = item["field_id"]
        field = account.field_by_id(entity_type, field_id) if is_int(field_id) else None
        if field is None:
            errors.append(error("NotSupportedChoice", f"{path}.field_id", NOT_A_CHOICE))
        return field
    if "field_code" in item:
        code = item["field_code"]
        field = account.field_by_code(entity_type, code) if isinstance(code, str) else None
        if field is None:
            errors.append(error("NotSupportedChoice", f"{path}.field_code", NOT_A_CHOICE))
        return field
    errors.append(error("FieldMissing", f"{path}.field_id", MISSING))
    return None


def _parse_value(field: CustomField, raw: Any, path: str, errors: list[dict[str, str]]) -> dict[str, Any] | None:
    """Validate one value of a field against its type; return the stored form or None after an error."""
    if not isinstance(raw, dict):
        errors.append(invalid_type(path, "object"))
        return None
    if field.type == "multitext":
        return _parse_enum_value(field, raw, path, errors, require_value=True)
    if field.type in CHOICE_TYPES:
        return _parse_choice(field, raw, path, errors)
    if "value" not in raw:
        errors.append(error("FieldMissing", f"{path}.value", MISSING))
        return None
    value = raw["value"]
    if field.type in TEXT_TYPES:
        if not (isinstance(value, str) or is_number(value)):
            errors.append(invalid_type(f"{path}.value", "string"))
            return None
        return {"value": str(value)}
    if field.type == "url":
        if not isinstance(value, str):
            errors.append(invalid_type(f"{path}.value", "string"))
            return None
        return {"value": value}
    if field.type in NUMERIC_TYPES:
        if not is_number(value):
            errors.append(invalid_type(f"{path}.value", "numeric"))
            return None
        return {"value": value}
    if field.type == "checkbox":
        if not isinstance(value, bool):
            errors.append(invalid_type(f"{path}.value", "bool"))
            return None
        return {"value": value}
    if field.type in DATE_TYPES:
        if not (is_int(value) or isinstance(value, str)):
            errors.append(invalid_type(f"{path}.value", "int"))
            return None
        return {"value": value}
    return dict(raw)


def _parse_enum_value(
    field: CustomField, raw: dict[str, Any], path: str, errors: list[dict[str, str]], require_value: bool
) -> dict[str, Any] | None:
    """Validate a multitext value: a string plus an optional enum_code/enum_id of the field (default first)."""
    value = raw.get("value")
    if require_value and value is None:
        errors.append(error("FieldMissing", f"{path}.value", MISSING))
        return None
    if not (isinstance(value, str) or is_number(value)):
        errors.append(invalid_type(f"{path}.value", "string"))
        return None
    enum = field.enums[0] if field.enums else None
    if "enum_code" in raw:
        code = raw["enum_code"]
        enum = field.enum_by_code(code) if isinstance(code, str) else None
        if enum is None:
            errors.append(error("NotSupportedChoice", f"{path}.enum_code", NOT_A_CHOICE))
            return None
    if "enum_id" in raw:
        enum_id = raw["enum_id"]
        by_id = field.enum_by_id(enum_id) if is_int(enum_id) else None
        if by_id is None or ("enum_code" in raw and by_id is not enum):
            errors.append(error("NotSupportedChoice", f"{path}.enum_id", NOT_A_CHOICE))
            return None
        enum = by_id
    stored: dict[str, Any] = {"value": str(value)}
    if enum is not None:
        stored["enum_id"] = enum.id
        stored["enum_code"] = enum.code
    return stored


def _parse_choice(
    field: CustomField, raw: dict[str, Any], path: str, errors: list[dict[str, str]]
) -> dict[str, Any] | None:
    """Validate a select-like value given by enum_id, enum_code or the option's text."""
    enum = None
    if "enum_id" in raw:
        enum = field.enum_by_id(raw["enum_id"]) if is_int(raw["enum_id"]) else None
        where = "enum_id"
    elif "enum_code" in raw:
        enum = field.enum_by_code(raw["enum_code"]) if isinstance(raw["enum_code"], str) else None
        where = "enum_code"
    else:
        enum = next((e for e in field.enums or [] if e.value == raw.get("value")), None)
        where = "value"
    if enum is None:
        errors.append(error("NotSupportedChoice", f"{path}.{where}", NOT_A_CHOICE))
        return None
    return {"value": enum.value, "enum_id": enum.id, "enum_code": enum.code}


def render_custom_values(account: Account, entity: Entity) -> list[dict[str, Any]] | None:
    """Return an entity's values in amoCRM's output shape, or None when it has none (as amoCRM does)."""
    rendered = []
    for field_id, values in entity.custom_fields.items():
        field = account.field_by_id(entity.entity_type, field_id)
        if field is None or not values:
            continue
        rendered.append(
            {
                "field_id": field.id,
                "field_name": field.name,
                "field_code": field.code,
                "field_type": field.type,
                "values": [dict(v) for v in values],
            }
        )
    return rendered or None


def searchable_values(account: Account, entity: Entity) -> list[tuple[CustomField, str]]:
    """Return (field, text) for every stored value, for the `query` search."""
    found: list[tuple[CustomField, str]] = []
    for field_id, values in entity.custom_fields.items():
        field = account.field_by_id(entity.entity_type, field_id)
        if field is None:
            continue
        found.extend((field, str(v.get("value", ""))) for v in values)
    return found
