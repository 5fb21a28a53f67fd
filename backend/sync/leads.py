"""1C orders ↔ amoCRM deals (spec 2.5): matched by id or link; budget, number, contact and company written."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from backend.amocrm import AmoCRMClient, AmoCRMRejected, LeadDraft
from backend.models import EntityKind, MappingKind, OneCBase
from backend.sync.directory import FieldDirectory, id_field
from backend.sync.errors import InvalidInput
from backend.sync.find_or_create import Plan, Synced, recovered, sync_entity
from backend.sync.links import fingerprint
from backend.sync.values import CustomValues, check_user, checked, collect

T = TypeVar("T")


@dataclass(frozen=True)
class OrderInput:
    """What 1C sends about an order (spec 2.5), already validated."""

    amo_id: int | None
    id_1c: str | None
    link: str | None
    contact_id: int | None
    company_id: int | None
    budget: Decimal | None
    order_number: str | None
    responsible_user_id: int | None
    raw: dict[str, object] = field(default_factory=dict, hash=False)  # the whole body: p_ keys, mapped fields


def deal_name(order_number: str | None, id_1c: str | None) -> str:
    """The readable name a new deal gets: «Заказ 1С №…»."""
    if order_number:
        return f"Заказ 1С №{order_number}"
    return f"Заказ 1С {id_1c}" if id_1c else "Заказ 1С"


def price_of(budget: Decimal | None) -> int | None:
    """amoCRM keeps a deal's price in whole units: 1 500,50 becomes 1501."""
    return None if budget is None else int(budget.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class PreparedOrder:
    """What an order writes to its deal (`changes`), the digest of it, and the name a new deal gets."""

    changes: LeadDraft
    digest: str
    name: str


async def prepare_order(
    amo: AmoCRMClient, base: OneCBase, data: OrderInput, directory: FieldDirectory
) -> PreparedOrder:
    """The deal's fields 1C sent, checked against the account; raises InvalidInput or AmoCRMError."""
    values = CustomValues()
    for meaning, value in (("order_number", data.order_number), ("link", data.link)):
        if value:
            field_id = await directory.field_for(amo, base, MappingKind.LEAD, "leads", meaning)
            if field_id is not None:
                values.put(field_id, value, meaning)
    collected = await collect(directory, base, MappingKind.LEAD, data.raw)
    for field_id, text in collected.values.items():
        values.put(field_id, text, collected.keys[field_id])
    custom = await checked(amo, directory, "leads", values)
    await check_user(amo, directory, data.responsible_user_id)
    price = price_of(data.budget)
    changes = LeadDraft(
        price=price,
        responsible_user_id=data.responsible_user_id,
        contact_ids=(data.contact_id,) if data.contact_id is not None else (),
        main_contact_id=data.contact_id,
        company_id=data.company_id,
        custom=custom,
    )
    digest = fingerprint(price, data.responsible_user_id, data.contact_id, data.company_id, sorted(custom.items()))
    return PreparedOrder(changes, digest, deal_name(data.order_number, data.id_1c))


def new_deal(order: PreparedOrder, field_of_1c_id: int | None, id_1c: str | None) -> LeadDraft:
    """The draft that creates an order's deal: its name, and its 1C id in the field for it."""
    custom = order.changes.custom
    if field_of_1c_id is not None and id_1c:
        custom = {**custom, field_of_1c_id: id_1c}
    return replace(order.changes, name=order.name, custom=custom)


async def sync_lead(amo: AmoCRMClient, base: OneCBase, data: OrderInput, directory: FieldDirectory) -> Synced:
    """Find or create the deal of a 1C order and write 1C's data to it.

    Raises InvalidInput (a value amoCRM would refuse), AmoCRMError or Conflict.
    """
    order = await prepare_order(amo, base, data, directory)
    changes, digest, name = order.changes, order.digest, order.name

    async def update(amo_id: int, previous: str | None) -> bool:
        if changes == LeadDraft():  # nothing to write: amoCRM is not asked, so check the deal exists
            return await amo.get_lead(amo_id) is not None
        await linking_errors_as_input(amo.update_lead(amo_id, changes))
        return True

    async def search(recovering: bool) -> int | None:
        if not recovering:
            return None  # deals are found by id or link only; a search is a recovery after a failed create
        if data.id_1c:
            field = await id_field(directory, amo, base, MappingKind.LEAD, "leads")
            found = recovered(await amo.find_leads(data.id_1c), field, data.id_1c)
            if found is not None:
                await linking_errors_as_input(amo.update_lead(found.id, changes))
                return found.id
        for lead in await amo.find_leads(name):
            if lead.name == name:
                await linking_errors_as_input(amo.update_lead(lead.id, changes))
                return lead.id
        return None

    async def create() -> int:
        field = await id_field(directory, amo, base, MappingKind.LEAD, "leads") if data.id_1c else None
        return await linking_errors_as_input(amo.create_lead(new_deal(order, field, data.id_1c)))

    plan = Plan(EntityKind.LEAD, digest, update, search, create)
    return await sync_entity(base, plan, given_id=data.amo_id, id_1c=data.id_1c, link_url=data.link)


async def linking_errors_as_input(write: Awaitable[T]) -> T:
    """Run a deal write; amoCRM refusing the contact or company it links becomes InvalidInput naming 1C's field."""
    try:
        return await write
    except AmoCRMRejected as exc:
        for issue in exc.validation_errors:
            if issue.path.startswith("_embedded.contacts"):
                raise InvalidInput("contact_id", 'поле "contact_id": такого контакта нет в amoCRM') from None
            if issue.path.startswith("_embedded.companies"):
                raise InvalidInput("company_id", 'поле "company_id": такой компании нет в amoCRM') from None
        raise
