"""Selecting entities for a list request: `query`, `filter[...]` and `order[...]`.

The `query` rule: the query (trimmed, case-folded) matches an entity when it is a substring of its name
(contacts: also first/last name) or of any custom field value. In addition, when the query holds at least
five digits, its digits (only the last ten of them if there are more, which drops a +7/8 prefix) are
looked for among the digits of every PHONE value, so "+7 (999) 123-45-67" finds "89991234567".
"""

from __future__ import annotations

import re

from starlette.requests import Request

from backend.fakes.amocrm.custom_values import searchable_values
from backend.fakes.amocrm.responses import ApiError
from backend.fakes.amocrm.state import Account, Entity

PHONE_QUERY_MIN_DIGITS = 5
_NON_DIGITS = re.compile(r"\D+")


def digits(text: str) -> str:
    """Return only the digits of a text."""
    return _NON_DIGITS.sub("", text)


def matches_query(account: Account, entity: Entity, query: str) -> bool:
    """Whether an entity matches a `query` string by the rule in this module's docstring."""
    needle = query.strip().casefold()
    if not needle:
        return True
    texts = [entity.name, entity.first_name, entity.last_name]
    values = searchable_values(account, entity)
    if any(needle in text.casefold() for text in texts + [text for _, text in values]):
        return True
    query_digits = digits(needle)
    if len(query_digits) < PHONE_QUERY_MIN_DIGITS:
        return False
    query_digits = query_digits[-10:]
    return any(field.code == "PHONE" and query_digits in digits(text) for field, text in values)


def filter_values(request: Request, name: str) -> list[str] | None:
    """Collect `filter[name]`, `filter[name][]` and `filter[name][N]` values (commas split); None if absent."""
    pattern = re.compile(rf"^filter\[{re.escape(name)}\](\[\d*\])?$")
    found = [v for k, v in request.query_params.multi_items() if pattern.match(k)]
    if not found:
        return None
    return [part.strip() for value in found for part in value.split(",") if part.strip()]


def _ints(name: str, values: list[str]) -> set[int]:
    """Parse filter values as integers; raises ApiError (400) when one is not."""
    try:
        return {int(v) for v in values}
    except ValueError:
        raise ApiError(400, f"filter[{name}] must hold integers") from None


def _range(request: Request, name: str) -> tuple[int | None, int | None]:
    """Return the from/to bounds of `filter[name][from]`/`[to]` (or one exact value); raises ApiError."""
    params = request.query_params
    try:
        low = params.get(f"filter[{name}][from]")
        high = params.get(f"filter[{name}][to]")
        exact = params.get(f"filter[{name}]")
        if exact is not None:
            return int(exact), int(exact)
        return (int(low) if low is not None else None), (int(high) if high is not None else None)
    except ValueError:
        raise ApiError(400, f"filter[{name}] must hold integers") from None


def select_entities(request: Request, account: Account, entity_type: str) -> list[Entity]:
    """Return the account's entities of a type that pass the request's query and filters, ordered."""
    entities = list(account.entities(entity_type).values())
    query = request.query_params.get("query")
    if query is not None:
        entities = [e for e in entities if matches_query(account, e, query)]
    for name in ("id", "responsible_user_id", "pipeline_id", "status_id"):
        values = filter_values(request, name)
        if values is not None:
            wanted = _ints(name, values)
            entities = [e for e in entities if getattr(e, name, None) in wanted]
    names = filter_values(request, "name")
    if names is not None:
        folded = {n.casefold() for n in names}
        entities = [e for e in entities if e.name.casefold() in folded]
    for name in ("created_at", "updated_at"):
        low, high = _range(request, name)
        if low is not None:
            entities = [e for e in entities if getattr(e, name) >= low]
        if high is not None:
            entities = [e for e in entities if getattr(e, name) <= high]
    return _ordered(request, entities)


def _ordered(request: Request, entities: list[Entity]) -> list[Entity]:
    """Sort by `order[id|created_at|updated_at]=asc|desc` (id ascending by default); raises ApiError."""
    for key in ("id", "created_at", "updated_at"):
        direction = request.query_params.get(f"order[{key}]")
        if direction is None:
            continue
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"order[{key}] must be asc or desc")
        return sorted(entities, key=lambda e: (getattr(e, key), e.id), reverse=direction == "desc")
    return sorted(entities, key=lambda e: e.id)
