"""Sync API: counterparties and orders from 1C (spec 2.3–2.5) — answer the amoCRM id found or created."""

from __future__ import annotations

from starlette.routing import Route

from backend.api.endpoint import Result, SyncCall, sync_endpoint
from backend.sync.companies import sync_company
from backend.sync.contacts import CounterpartyInput, contact_input, sync_contact
from backend.sync.errors import InvalidInput
from backend.sync.hrefs import check_link
from backend.sync.leads import OrderInput, sync_lead
from backend.sync.misprint import MISPRINTED_PATH, is_misprinted_order


async def clients_contacts(call: SyncCall) -> Result:
    """2.3: a 1C individual → the amoCRM contact's id."""
    payload = call.payload
    data = contact_input(
        amo_id=payload.optional_int("id"),
        id_1c=payload.optional_str("id_1c", 100),
        link=check_link(payload.optional_str("link")),
        name=payload.optional_str("name", 255),
        responsible_user_id=payload.optional_int("responsible_user_id"),
        phone=payload.optional_str("phone", 500),
        email=payload.optional_str("email", 500),
        raw=dict(payload.data),
    )
    _require_identity(data, "phone", "email")
    synced = await sync_contact(await call.workspace.amo(), call.linked_base(), data, call.workspace.fields)
    return Result(data=synced.amo_id, amo_id=synced.amo_id, id_1c=data.id_1c, extra={"created": synced.created})


async def clients_companies(call: SyncCall) -> Result:
    """2.4: a 1C legal entity → the amoCRM company's id; an order sent here (the spec's misprint of 2.5) is served
    as /sync/leads serves it."""
    payload = call.payload
    if is_misprinted_order(payload.data):
        call.log.served_as("leads", received_at=MISPRINTED_PATH)
        return await leads(call)
    data = CounterpartyInput(
        amo_id=payload.optional_int("id"),
        id_1c=payload.optional_str("id_1c", 100),
        link=check_link(payload.optional_str("link")),
        name=payload.optional_str("name", 255),
        responsible_user_id=payload.optional_int("responsible_user_id"),
        inn=payload.optional_str("inn", 20),
        raw=dict(payload.data),
    )
    _require_identity(data, "inn")
    synced = await sync_company(await call.workspace.amo(), call.linked_base(), data, call.workspace.fields)
    return Result(data=synced.amo_id, amo_id=synced.amo_id, id_1c=data.id_1c, extra={"created": synced.created})


async def leads(call: SyncCall) -> Result:
    """2.5: a 1C order → the amoCRM deal's id."""
    payload = call.payload
    data = OrderInput(
        amo_id=payload.optional_int("id"),
        id_1c=payload.optional_str("id_1c", 100),
        link=check_link(payload.optional_str("link")),
        contact_id=payload.optional_int("contact_id"),
        company_id=payload.optional_int("company_id"),
        budget=payload.optional_decimal("budget"),
        order_number=payload.optional_str("order_number", 100),
        responsible_user_id=payload.optional_int("responsible_user_id"),
        raw=dict(payload.data),
    )
    if data.amo_id is None and data.id_1c is None:
        raise InvalidInput("id_1c", 'укажите "id" сделки amoCRM или "id_1c" заказа 1С')
    if data.budget is not None and data.budget < 0:
        raise InvalidInput("budget", 'поле "budget" не может быть отрицательным')
    synced = await sync_lead(await call.workspace.amo(), call.linked_base(), data, call.workspace.fields)
    return Result(data=synced.amo_id, amo_id=synced.amo_id, id_1c=data.id_1c, extra={"created": synced.created})


def _require_identity(data: CounterpartyInput, *search_fields: str) -> None:
    """A counterparty must be identifiable: an amoCRM id, a 1C id, or something to search by (a `name` is
    needed only when it has to be created, which sync/ checks then)."""
    if data.amo_id is not None or data.id_1c is not None:
        return
    searchable = {"phone": data.phones, "email": data.emails, "inn": data.inn}
    if not any(searchable[name] for name in search_fields):
        wanted = ", ".join(f'"{name}"' for name in ("id", "id_1c", *search_fields))
        raise InvalidInput("id_1c", f"укажите хотя бы одно из полей {wanted}")


routes = [
    Route("/sync/clients_contacts", sync_endpoint("clients_contacts", clients_contacts), methods=["POST"]),
    Route("/sync/clients_companies", sync_endpoint("clients_companies", clients_companies), methods=["POST"]),
    Route("/sync/leads", sync_endpoint("leads", leads), methods=["POST"]),
]
