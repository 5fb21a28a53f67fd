"""The spec prints 2.5 (order → deal) with the path of 2.4 (`/sync/clients_companies`): which of the two a body
posted there is, so an order is served as `/sync/leads` would serve it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.sync.errors import InvalidInput

MISPRINTED_PATH = "/sync/clients_companies"
ORDER_FIELDS = ("budget", "order_number", "company_id", "contact_id")
COMPANY_FIELDS = ("name", "inn")


def is_misprinted_order(data: Mapping[str, Any]) -> bool:
    """Whether a body posted to 2.4's path is an order (an order field, neither `name` nor `inn`); raises
    InvalidInput naming an order field when the body carries fields of both."""
    order = [name for name in ORDER_FIELDS if _given(data.get(name))]
    company = [name for name in COMPANY_FIELDS if _given(data.get(name))]
    if order and company:
        raise InvalidInput(
            order[0],
            f"в теле и поля компании ({_listed(company)}), и поля заказа ({_listed(order)}): компанию (2.4) "
            f"передайте в POST {MISPRINTED_PATH} с полями {_listed(COMPANY_FIELDS)}, заказ (2.5) — в POST "
            f"/sync/leads с полями {_listed(ORDER_FIELDS)}",
        )
    return bool(order)


def _given(value: Any) -> bool:
    """Whether a field is sent: null and blank text count as absent, as the sync API reads every field."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _listed(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)
