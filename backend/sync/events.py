"""1C document events (spec 2.6): move the deal per the account's rules and write a note, once per event."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from backend.amocrm import AmoCRMClient, LeadDraft
from backend.models import Account, EntityKind, EventName, EventRule, OneCBase, ProcessedEvent
from backend.sync.errors import Conflict, InvalidInput
from backend.sync.links import fingerprint, link_of_1c_object

EVENT_TITLES = {
    EventName.CANCEL_ORDER: "Заказ аннулирован",
    EventName.PAYMENT: "Оплата",
    EventName.PART_PAYMENT: "Частичная оплата",
    EventName.SHIPMENT: "Отгрузка",
    EventName.PART_SHIPMENT: "Частичная отгрузка",
}


@dataclass(frozen=True)
class EventInput:
    """What 1C sends about a document event, already validated."""

    event_name: EventName
    amo_id: int | None
    id_1c: str | None
    sum: Decimal | None
    debt_sum: Decimal | None
    document_name: str | None


@dataclass(frozen=True)
class EventOutcome:
    """The deal the event concerns and whether this delivery changed anything (False for a redelivery)."""

    amo_id: int
    applied: bool


def money(value: Decimal) -> str:
    """A sum the Russian way: 15 000,50."""
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return text


def note_text(event: EventInput) -> str:
    """The deal note for an event, in Russian: the event, its sum, the remaining debt and the document."""
    parts = [f"1С: {EVENT_TITLES[event.event_name]}"]
    if event.sum is not None:
        parts.append(f"сумма {money(event.sum)}")
    if event.debt_sum is not None:
        parts.append(f"остаток долга {money(event.debt_sum)}")
    text = ", ".join(parts) + "."
    if event.document_name:
        text += f" Документ: {event.document_name}."
    return text


async def process_event(amo: AmoCRMClient, account: Account, base: OneCBase, event: EventInput) -> EventOutcome:
    """Apply an event to its deal exactly once; raises InvalidInput, Conflict or AmoCRMError (then not recorded)."""
    deal_id = await _deal_of(base, event)
    digest = fingerprint(
        event.event_name.value, event.id_1c or f"amo:{deal_id}", event.document_name or "", str(event.sum or "")
    )
    try:
        done = await ProcessedEvent.create(
            base_id=base.id, fingerprint=digest, event_name=event.event_name, amo_id=deal_id
        )
    except IntegrityError:
        return EventOutcome(deal_id, applied=False)
    try:
        lead = await amo.get_lead(deal_id)
        if lead is None:
            raise Conflict(f"сделка {deal_id} не найдена в amoCRM (удалена?)")
        rule = await EventRule.get_or_none(
            account_id=account.id, event_name=event.event_name, pipeline_id=lead.pipeline_id
        )
        if rule is not None and rule.status_id is not None and rule.status_id != lead.status_id:
            await amo.update_lead(deal_id, LeadDraft(pipeline_id=lead.pipeline_id, status_id=rule.status_id))
        if rule is None or rule.add_note:
            await amo.add_note("leads", deal_id, note_text(event))
    except BaseException:
        await done.delete()  # not applied: a redelivery must be able to apply it
        raise
    return EventOutcome(deal_id, applied=True)


async def _deal_of(base: OneCBase, event: EventInput) -> int:
    if event.amo_id is not None:
        return event.amo_id
    if event.id_1c is None:
        raise InvalidInput("id", 'укажите "id" сделки amoCRM или "id_1c" заказа 1С')
    link = await link_of_1c_object(base, EntityKind.LEAD, event.id_1c)
    if link is None or link.amo_id is None:
        raise Conflict(f"заказ 1С {event.id_1c} ещё не связан со сделкой amoCRM: сначала вызовите /sync/leads")
    return int(link.amo_id)
