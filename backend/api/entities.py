"""Sync API: counterparties and orders from 1C (spec 2.3–2.5) — answer the amoCRM id found or created."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.api.body import Body, Kind, declared, read_body
from backend.api.endpoint import Result, SyncCall, sync_route
from backend.api.inputs import Payload
from backend.sync.companies import sync_company
from backend.sync.contacts import CounterpartyInput, contact_input, sync_contact
from backend.sync.errors import InvalidInput
from backend.sync.leads import OrderInput, sync_lead
from backend.sync.misprint import MISPRINTED_PATH, is_misprinted_order
from backend.sync.operations import Operation

ORDER_NOTE = 'Нужен "id" сделки или "id_1c" заказа / the deal id or the order id_1c'


@dataclass(frozen=True)
class EntityRequest(Body):
    """What 2.3–2.5 have in common: the amoCRM id, 1C's id and link; other keys are mapped 1C fields."""

    mapped = True

    id: int | None = declared(Kind.ID)
    id_1c: str | None = declared(Kind.TEXT, max_length=100)
    link: str | None = declared(Kind.LINK)


@dataclass(frozen=True)
class CounterpartyRequest(EntityRequest):
    """What 2.3 and 2.4 have in common besides: the name and the responsible user."""

    name: str | None = declared(Kind.TEXT, max_length=255)
    responsible_user_id: int | None = declared(Kind.ID)


@dataclass(frozen=True)
class ContactRequest(CounterpartyRequest):
    """2.3's body: a 1C individual, found by phone or email too."""

    note = 'Нужен "id", "id_1c" (тогда и "name" для новой) или "phone"/"email" / an id, an id_1c or phone/email'

    phone: str | None = declared(Kind.TEXT, max_length=500, description="Телефоны через , или ; / phones")
    email: str | None = declared(Kind.TEXT, max_length=500, description="Email через , или ; / emails")


@dataclass(frozen=True)
class CompanyRequest(CounterpartyRequest):
    """2.4's body: a 1C legal entity, found by its INN too."""

    note = 'Нужен "id", "id_1c" (тогда и "name" для новой) или "inn" / an id, an id_1c or the INN'

    inn: str | None = declared(Kind.TEXT, max_length=20, description="ИНН/УНП / tax number")


@dataclass(frozen=True)
class LeadRequest(EntityRequest):
    """2.5's body: a 1C order."""

    note = ORDER_NOTE

    contact_id: int | None = declared(Kind.ID)
    company_id: int | None = declared(Kind.ID)
    budget: Decimal | None = declared(Kind.SUM, description="Бюджет, не отрицательный / budget, not negative")
    order_number: str | None = declared(Kind.TEXT, max_length=100)
    responsible_user_id: int | None = declared(Kind.ID)


def contact_of(payload: Payload) -> CounterpartyInput:
    """2.3's body read into a contact's input; raises InvalidInput naming the field."""
    body = read_body(ContactRequest, payload)
    data = contact_input(
        amo_id=body.id,
        id_1c=body.id_1c,
        link=body.link,
        name=body.name,
        responsible_user_id=body.responsible_user_id,
        phone=body.phone,
        email=body.email,
        raw=dict(payload.data),
    )
    _require_identity(data, "phone", "email")
    return data


def company_of(payload: Payload) -> CounterpartyInput:
    """2.4's body read into a company's input; raises InvalidInput naming the field."""
    body = read_body(CompanyRequest, payload)
    data = CounterpartyInput(
        amo_id=body.id,
        id_1c=body.id_1c,
        link=body.link,
        name=body.name,
        responsible_user_id=body.responsible_user_id,
        inn=body.inn,
        raw=dict(payload.data),
    )
    _require_identity(data, "inn")
    return data


def order_of(payload: Payload) -> OrderInput:
    """2.5's body read into an order's input; raises InvalidInput naming the field."""
    body = read_body(LeadRequest, payload)
    data = OrderInput(
        amo_id=body.id,
        id_1c=body.id_1c,
        link=body.link,
        contact_id=body.contact_id,
        company_id=body.company_id,
        budget=body.budget,
        order_number=body.order_number,
        responsible_user_id=body.responsible_user_id,
        raw=dict(payload.data),
    )
    if data.amo_id is None and data.id_1c is None:
        raise InvalidInput("id_1c", 'укажите "id" сделки amoCRM или "id_1c" заказа 1С')
    if data.budget is not None and data.budget < 0:
        raise InvalidInput("budget", 'поле "budget" не может быть отрицательным')
    return data


async def clients_contacts(call: SyncCall) -> Result:
    """2.3: a 1C individual → the amoCRM contact's id."""
    data = contact_of(call.payload)
    synced = await sync_contact(await call.workspace.amo(), call.linked_base(), data, call.workspace.fields)
    return Result(data=synced.amo_id, amo_id=synced.amo_id, id_1c=data.id_1c, extra={"created": synced.created})


async def clients_companies(call: SyncCall) -> Result:
    """2.4: a 1C legal entity → the amoCRM company's id; an order sent here (the spec's misprint of 2.5) is served
    as /sync/leads serves it."""
    if is_misprinted_order(call.payload.data):
        call.log.served_as(Operation.LEADS, received_at=MISPRINTED_PATH)
        return await leads(call)
    data = company_of(call.payload)
    synced = await sync_company(await call.workspace.amo(), call.linked_base(), data, call.workspace.fields)
    return Result(data=synced.amo_id, amo_id=synced.amo_id, id_1c=data.id_1c, extra={"created": synced.created})


async def leads(call: SyncCall) -> Result:
    """2.5: a 1C order → the amoCRM deal's id."""
    data = order_of(call.payload)
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
    sync_route(Operation.CLIENTS_CONTACTS, clients_contacts),
    sync_route(Operation.CLIENTS_COMPANIES, clients_companies),
    sync_route(Operation.LEADS, leads),
]
