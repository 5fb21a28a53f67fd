"""1C document events (spec 2.6): move the deal per the account's rules and write a note, once per event.

An event is a redelivery only when every field 1C sent (but `key`/`id_base`) means the same: two partial payments
of one sum that differ in `debt_sum` alone are two events. Rows recorded before that rule (scheme 1) printed only
the event, order, document and sum; a redelivery of such an event is still recognised, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from backend.amocrm import AmoCRMClient, Lead, LeadDraft
from backend.models import Account, EntityKind, EventName, EventRule, OneCBase, ProcessedEvent
from backend.sync.errors import Conflict, InvalidInput, SyncError
from backend.sync.links import fingerprint, links_of_1c_objects

EVENT_TITLES = {
    EventName.CANCEL_ORDER: "Заказ аннулирован",
    EventName.PAYMENT: "Оплата",
    EventName.PART_PAYMENT: "Частичная оплата",
    EventName.SHIPMENT: "Отгрузка",
    EventName.PART_SHIPMENT: "Частичная отгрузка",
}
ENVELOPE_KEYS = frozenset({"key", "id_base"})
# the fields EventInput reads: printed by what they mean, every other field as 1C sent it
READ_KEYS = frozenset({"event_name", "id", "id_1c", "sum", "debt_sum", "document_name"})
LEGACY_SCHEME = 1  # ProcessedEvent.scheme of rows printed over (event, order or deal, document, sum) only
SCHEME = 2  # ProcessedEvent.scheme of rows printed over every field 1C sent


@dataclass(frozen=True)
class EventInput:
    """What 1C sends about a document event, already validated."""

    event_name: EventName
    amo_id: int | None
    id_1c: str | None
    sum: Decimal | None
    debt_sum: Decimal | None
    document_name: str | None
    raw: Mapping[str, Any] = field(default_factory=dict)  # the whole body, for the fields read nowhere else


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


def event_fingerprint(event: EventInput) -> str:
    """The print of every field 1C sent but `key`/`id_base`, equal exactly when two calls mean the same: numbers
    and ids however written ("1 500,50" and 1500.5, "123" and 123), text without surrounding spaces, an empty field
    as an absent one, any other key as its JSON."""
    sent = {key: _meaning(value) for key, value in event.raw.items() if key not in ENVELOPE_KEYS | READ_KEYS}
    sent.update(
        event_name=event.event_name.value,
        id=event.amo_id,
        id_1c=event.id_1c,
        sum=_number(event.sum),
        debt_sum=_number(event.debt_sum),
        document_name=event.document_name,
    )
    return fingerprint(SCHEME, {key: value for key, value in sent.items() if value is not None})


def legacy_fingerprint(event: EventInput, deal_id: int) -> str:
    """The print rows of LEGACY_SCHEME hold: event, order (or deal), document and sum as the sum was written."""
    return fingerprint(
        event.event_name.value, event.id_1c or f"amo:{deal_id}", event.document_name or "", str(event.sum or "")
    )


def _meaning(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize() if value else Decimal(0), "f")


@dataclass(frozen=True)
class Action:
    """What an event does to its lead under the account's rule: the stage it moves the lead to (None: the lead
    stays) and whether it writes a note."""

    status_id: int | None
    note: bool


def action_of(rule: EventRule | None, lead: Lead) -> Action:
    """The rule's action on this lead: a move to the rule's stage unless the lead is there already, and a note when
    there is no rule or the rule asks for one; raises nothing."""
    if rule is None:
        return Action(None, note=True)
    moves = rule.status_id is not None and rule.status_id != lead.status_id
    return Action(rule.status_id if moves else None, note=rule.add_note)


async def process_event(amo: AmoCRMClient, account: Account, base: OneCBase, event: EventInput) -> EventOutcome:
    """Apply an event to its deal exactly once; raises InvalidInput, Conflict or AmoCRMError (then not recorded)."""
    deal_id = await deal_of(base, event)
    done = await record(base, event, deal_id)
    if done is None:
        return EventOutcome(deal_id, applied=False)
    try:
        if await recorded_before_upgrade(base, event, deal_id):
            return EventOutcome(deal_id, applied=False)
        lead = await amo.get_lead(deal_id)
        if lead is None:
            raise missing_deal(deal_id)
        rule = await EventRule.get_or_none(
            account_id=account.id, event_name=event.event_name, pipeline_id=lead.pipeline_id
        )
        action = action_of(rule, lead)
        if action.status_id is not None:
            await amo.update_lead(deal_id, LeadDraft(pipeline_id=lead.pipeline_id, status_id=action.status_id))
        if action.note:
            await amo.add_note("leads", deal_id, note_text(event))
    except BaseException:
        await done.delete()  # not applied: a redelivery must be able to apply it
        raise
    return EventOutcome(deal_id, applied=True)


async def record(base: OneCBase, event: EventInput, deal_id: int) -> ProcessedEvent | None:
    """Insert the event's row before anything is written, so that one delivery applies it; None when a row holds it
    already (applied, or being applied by another call). Raises only what the database raises."""
    try:
        return await ProcessedEvent.create(
            base_id=base.id,
            fingerprint=event_fingerprint(event),
            scheme=SCHEME,
            event_name=event.event_name,
            amo_id=deal_id,
        )
    except IntegrityError:
        return None


async def recorded_before_upgrade(base: OneCBase, event: EventInput, deal_id: int) -> bool:
    """Whether a LEGACY_SCHEME row records the event; that row gives way to the one just written for it, so it
    answers one redelivery and a later, different event with the same old print is applied."""
    legacy = ProcessedEvent.filter(
        base_id=base.id, scheme=LEGACY_SCHEME, fingerprint=legacy_fingerprint(event, deal_id)
    )
    return await legacy.delete() > 0


def missing_deal(deal_id: int) -> Conflict:
    """The error of an event whose deal amoCRM no longer has; raises nothing."""
    return Conflict(f"сделка {deal_id} не найдена в amoCRM (удалена?)")


async def deal_of(base: OneCBase, event: EventInput) -> int:
    """The amoCRM deal an event is about: its `id`, or the deal its order is linked to; raises InvalidInput (neither
    given) or Conflict (the order never synced)."""
    (deal,) = await deals_of(base, [event])
    if isinstance(deal, SyncError):
        raise deal
    return deal


async def deals_of(base: OneCBase, events: Sequence[EventInput]) -> list[int | SyncError]:
    """deal_of for many events, their orders' links read together: each event's deal, or the error deal_of raises
    for it."""
    orders = await links_of_1c_objects(
        base, EntityKind.LEAD, [e.id_1c for e in events if e.amo_id is None and e.id_1c is not None]
    )
    deals: list[int | SyncError] = []
    for event in events:
        if event.amo_id is not None:
            deals.append(event.amo_id)
        elif event.id_1c is None:
            deals.append(InvalidInput("id", 'укажите "id" сделки amoCRM или "id_1c" заказа 1С'))
        elif (link := orders.get(event.id_1c)) is None or link.amo_id is None:
            deals.append(
                Conflict(f"заказ 1С {event.id_1c} ещё не связан со сделкой amoCRM: сначала вызовите /sync/leads")
            )
        else:
            deals.append(int(link.amo_id))
    return deals
