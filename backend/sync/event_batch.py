"""1C's batches of document events (up to 500 per call), with the single call's guarantees and a fraction of its
amoCRM requests.

Each event keeps process_event's rules: its deal is its `id` or its order's link; its ProcessedEvent row is inserted
before anything is written, and a row already there means the event was applied (success, nothing written); the
lead's stage moves when the account's rule for its pipeline says so, and a note is written unless a rule says not
to; an event that fails leaves no row, so 1C's redelivery applies it. What changes is how amoCRM is written: the
leads are read 250 a request, stage moves PATCHed 50 a request and notes added 50 a request. A refusal (4xx) of a
whole chunk is tried item by item, so only the items at fault fail. A PATCH that fails ambiguously (a 5xx, a
timeout) is sent again in halves — moving a lead to a stage twice leaves it there. A note chunk that fails
ambiguously is not sent again: amoCRM may have added its notes, and nothing tells them apart afterwards, so its
items fail and 1C's redelivery writes them, as a single call meeting the same failure would.

Events of a deal that has several in the batch are applied after the others, one by one in their order, through
the single call: the deal passes through each stage in turn, as amoCRM records each move and runs its automations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.amocrm import AmoCRMClient, Lead, LeadDraft
from backend.amocrm.errors import AmoCRMError
from backend.models import Account, EventRule, OneCBase, ProcessedEvent
from backend.sync.batch import ItemResult
from backend.sync.chunks import write_in_chunks
from backend.sync.errors import SyncError
from backend.sync.events import (
    LEGACY_SCHEME,
    SCHEME,
    EventInput,
    action_of,
    deals_of,
    event_fingerprint,
    legacy_fingerprint,
    missing_deal,
    note_text,
    process_event,
    record,
    recorded_before_upgrade,
)


@dataclass
class _Event:
    """An event on the batch path: its input, its deal and the print its ProcessedEvent row holds."""

    position: int
    data: EventInput
    deal_id: int
    fingerprint: str


async def sync_events(
    amo: AmoCRMClient, account: Account, base: OneCBase, items: Sequence[EventInput | SyncError]
) -> list[ItemResult]:
    """Apply a batch of 1C events, each exactly once; every item gets its answer (`data` the deal's id), none fails
    another.

    Raises only what stops the whole batch (the database unreachable); the events it had recorded and not yet
    written are then given up, so that a redelivery applies them.
    """
    results: list[ItemResult | None] = [None] * len(items)
    events: list[tuple[int, EventInput]] = []
    for position, item in enumerate(items):
        if isinstance(item, SyncError):
            results[position] = ItemResult(None, False, error=str(item))
        else:
            events.append((position, item))
    deals = await deals_of(base, [event for _, event in events])
    counts = Counter(deal for deal in deals if isinstance(deal, int))
    batch: list[_Event] = []
    later: list[tuple[int, EventInput]] = []  # a deal met again: its events applied one by one after the others
    for (position, event), deal in zip(events, deals, strict=True):
        if isinstance(deal, SyncError):
            results[position] = ItemResult(event.id_1c, False, error=str(deal))
        elif counts[deal] > 1:
            later.append((position, event))
        else:
            batch.append(_Event(position, event, deal, event_fingerprint(event)))
    recorded = await _record(base, batch)
    failed = await _apply(amo, account, base, [entry for entry in batch if entry.position in recorded])
    for entry in batch:
        error = failed.get(entry.position)
        data = entry.deal_id if error is None else None
        results[entry.position] = ItemResult(entry.data.id_1c, error is None, data=data, error=error)
    for position, event in later:
        results[position] = await _single(amo, account, base, event)
    return [result or ItemResult(None, False, error="не обработан") for result in results]


async def _single(amo: AmoCRMClient, account: Account, base: OneCBase, event: EventInput) -> ItemResult:
    """The single call's path, for an event whose deal has several in the batch."""
    try:
        outcome = await process_event(amo, account, base, event)
    except (SyncError, AmoCRMError) as exc:
        return ItemResult(event.id_1c, False, error=str(exc))
    return ItemResult(event.id_1c, True, data=outcome.amo_id)


async def _record(base: OneCBase, batch: list[_Event]) -> set[int]:
    """Insert the ProcessedEvent rows of the batch's events together and return the positions of those this call
    inserted; an event whose row exists was applied (or is being applied by another call). When the insert meets a
    row a concurrent call has just inserted, nothing of it stays and the events are recorded one by one."""
    if not batch:
        return set()
    rows_there = ProcessedEvent.filter(base_id=base.id, fingerprint__in=[event.fingerprint for event in batch])
    held = {str(value) for value in await rows_there.values_list("fingerprint", flat=True)}
    new = [event for event in batch if event.fingerprint not in held]
    if not new:
        return set()
    rows = [
        ProcessedEvent(
            base_id=base.id,
            fingerprint=event.fingerprint,
            scheme=SCHEME,
            event_name=event.data.event_name,
            amo_id=event.deal_id,
        )
        for event in new
    ]
    try:
        async with in_transaction():  # all or none, so that no row of this call is taken for another's
            await ProcessedEvent.bulk_create(rows)
    except IntegrityError:
        return {event.position for event in new if await record(base, event.data, event.deal_id) is not None}
    return {event.position for event in new}


async def _apply(amo: AmoCRMClient, account: Account, base: OneCBase, recorded: list[_Event]) -> dict[int, str]:
    """Write the recorded events to amoCRM and answer the errors of those that failed, by position; their rows are
    deleted, as are the rows of every event not written when something stops the batch."""
    failed: dict[int, str] = {}
    written: set[int] = set()
    if not recorded:
        return failed
    try:
        await _write(amo, account, base, recorded, failed, written)
    except BaseException:
        await _give_up(base, [event for event in recorded if event.position not in written])
        raise
    await _give_up(base, [event for event in recorded if event.position in failed])
    return failed


async def _write(
    amo: AmoCRMClient,
    account: Account,
    base: OneCBase,
    recorded: list[_Event],
    failed: dict[int, str],
    written: set[int],
) -> None:
    """Read the events' leads, move those the rules move, 50 a request, then write the notes, 50 a request;
    `written` collects the events with nothing left to write, `failed` the errors of the others."""
    fresh = await _fresh(base, recorded, written)
    try:
        found = await amo.by_id("leads", sorted(event.deal_id for event in fresh))
    except AmoCRMError as exc:
        failed.update((event.position, str(exc)) for event in fresh)
        return
    leads: dict[int, Lead] = {lead.id: lead for lead in found}
    rules = {(rule.event_name, rule.pipeline_id): rule for rule in await EventRule.filter(account_id=account.id)}
    moves: list[tuple[_Event, LeadDraft]] = []
    notes: list[_Event] = []
    for event in fresh:
        lead = leads.get(event.deal_id)
        if lead is None:
            failed[event.position] = str(missing_deal(event.deal_id))
            continue
        action = action_of(rules.get((event.data.event_name, lead.pipeline_id)), lead)
        if action.status_id is not None:
            moves.append((event, LeadDraft(pipeline_id=lead.pipeline_id, status_id=action.status_id)))
        if action.note:
            notes.append(event)
        elif action.status_id is None:
            written.add(event.position)  # the rule neither moves the lead nor writes a note
    noted = {event.position for event in notes}

    async def patch(chunk: list[tuple[_Event, LeadDraft]]) -> None:
        await amo.update_batch("leads", [(event.deal_id, draft) for event, draft in chunk])
        written.update(event.position for event, _ in chunk if event.position not in noted)

    async def add(chunk: list[_Event]) -> None:
        await amo.add_notes("leads", [(event.deal_id, note_text(event.data)) for event in chunk])
        written.update(event.position for event in chunk)

    await write_in_chunks(moves, patch, failed, lambda change: change[0].position, resend=True)
    await write_in_chunks([event for event in notes if event.position not in failed], add, failed, _position)


async def _fresh(base: OneCBase, recorded: list[_Event], written: set[int]) -> list[_Event]:
    """The recorded events but those a LEGACY_SCHEME row records, which are answered without writing anything (and
    added to `written`): the old prints are looked for in one statement, and each row found gives way as
    recorded_before_upgrade has it."""
    prints: dict[str, list[_Event]] = {}
    for event in recorded:
        prints.setdefault(legacy_fingerprint(event.data, event.deal_id), []).append(event)
    old = ProcessedEvent.filter(base_id=base.id, scheme=LEGACY_SCHEME, fingerprint__in=list(prints))
    for legacy in await old.values_list("fingerprint", flat=True):
        for event in prints[str(legacy)]:
            if await recorded_before_upgrade(base, event.data, event.deal_id):
                written.add(event.position)
    return [event for event in recorded if event.position not in written]


async def _give_up(base: OneCBase, events: list[_Event]) -> None:
    """Delete the rows of events that were not applied, so that a redelivery applies them."""
    if events:
        await ProcessedEvent.filter(base_id=base.id, fingerprint__in=[event.fingerprint for event in events]).delete()


def _position(event: _Event) -> int:
    return event.position
