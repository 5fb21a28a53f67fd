"""Sync API: 1C's batches (an addition to the spec) — up to 500 bodies of 2.3, 2.4, 2.5 or 2.6 in one call.

`POST <the single call's path>/batch` with `{"key", "id_base", "items": [...]}`, each item the single call's body
without `key`/`id_base`, read by the very function that reads the single call. The answer is the envelope with
`data` a list, in the items' order, of `{"id_1c", "success", "data", "error"}`; one bad item never fails the
others, and the status is 200 once the batch itself was read. Counterparties take sync.batch's path (an index
instead of a search per item, writes 50 a request), orders sync.order_batch's (deals read 250 and written 50 a
request), events sync.event_batch's (leads read 250 a request, stage moves and notes written 50 a request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from backend.api.body import ID_BASE, ITEMS, KEY, read_field
from backend.api.endpoint import Result, SyncCall, named_1c_object, sync_route
from backend.api.entities import company_of, contact_of, order_of
from backend.api.events import event_of
from backend.api.inputs import Payload, check_text
from backend.sync.batch import MAX_ITEMS, ItemResult, Party, sync_parties
from backend.sync.errors import InvalidInput, SyncError, TooMany
from backend.sync.event_batch import sync_events
from backend.sync.operations import Operation
from backend.sync.order_batch import sync_orders

LOGGED_FAILURES = 50  # the sync log entry names at most this many failed items
T = TypeVar("T")


def batch_items(call: SyncCall) -> list[Payload | InvalidInput]:
    """The batch's items, each a payload of its own or why it cannot be one; raises InvalidInput (no list, an empty
    one) or TooMany (more than MAX_ITEMS), which fail the whole batch before anything is done."""
    items = call.payload.data.get(ITEMS.name)
    if not isinstance(items, list):
        raise InvalidInput(ITEMS.name, f'поле "{ITEMS.name}" должно быть массивом тел запросов (от 1 до {MAX_ITEMS})')
    if not items:
        raise InvalidInput(ITEMS.name, f'массив "{ITEMS.name}" пуст: передайте от 1 до {MAX_ITEMS} элементов')
    if len(items) > MAX_ITEMS:
        raise TooMany(MAX_ITEMS, f"в пакете {len(items)} элементов, допустимо не больше {MAX_ITEMS}: разделите его")
    return [_item(call, position, item) for position, item in enumerate(items)]


def _item(call: SyncCall, position: int, item: Any) -> Payload | InvalidInput:
    """One item as a payload: a JSON object whose text is storable and whose `key`/`id_base`, if given, are the
    batch's own."""
    name = f"{ITEMS.name}[{position}]"
    if not isinstance(item, dict):
        return InvalidInput(name, f"элемент {name} должен быть JSON-объектом")
    payload = Payload(item)
    try:
        check_text(payload)
        for field, own in ((KEY, call.account.id), (ID_BASE, call.id_base)):
            if field.name in item and read_field(payload, field) != own:
                raise InvalidInput(field.name, f'поле "{field.name}" элемента не совпадает с "{field.name}" пакета')
    except InvalidInput as exc:
        return exc
    return payload


def party_batch(entity: Party) -> Callable[[SyncCall], Awaitable[Result]]:
    """2.3's or 2.4's batch: every item read as the single call reads it, then synced through sync.batch."""
    read = contact_of if entity == "contacts" else company_of

    async def handler(call: SyncCall) -> Result:
        payloads = batch_items(call)
        inputs = [_read(read, payload) for payload in payloads]
        amo, base, fields = await call.workspace.amo(), call.linked_base(), call.workspace.fields
        results = await sync_parties(amo, base, fields, entity, inputs)
        return _answer(call, results)

    return handler


async def leads_batch(call: SyncCall) -> Result:
    """2.5's batch: every order read as the single call reads it, then synced through sync.order_batch."""
    orders = [_read(order_of, payload) for payload in batch_items(call)]
    amo, base, fields = await call.workspace.amo(), call.linked_base(), call.workspace.fields
    return _answer(call, await sync_orders(amo, base, fields, orders))


async def events_batch(call: SyncCall) -> Result:
    """2.6's batch: every item read as the single call reads it, then applied (once each) through sync.event_batch."""
    inputs = [_read(event_of, payload) for payload in batch_items(call)]
    amo, base = await call.workspace.amo(), call.linked_base()
    return _answer(call, await sync_events(amo, call.account, base, inputs))


def _read(read: Callable[[Payload], T], payload: Payload | InvalidInput) -> T | SyncError:
    if isinstance(payload, InvalidInput):
        return payload
    try:
        return read(payload)
    except InvalidInput as exc:
        return exc


def _answer(call: SyncCall, results: list[ItemResult]) -> Result:
    """The envelope's list (a refused item named by its 1C id when it sent one that can be read), and the sync log
    entry's summary: how many items succeeded, which failed and why."""
    items = call.payload.data[ITEMS.name]
    results = [
        result
        if result.id_1c is not None or not isinstance(item, dict)
        else ItemResult(named_1c_object(Payload(item)), result.success, result.data, result.error)
        for result, item in zip(results, items, strict=True)
    ]
    failed = [
        {"item": position, "id_1c": result.id_1c, "error": result.error}
        for position, result in enumerate(results)
        if not result.success
    ]
    summary = call.log.summary if isinstance(call.log.summary, dict) else {}
    call.log.summary = {**summary, "succeeded": len(results) - len(failed), "failed": failed[:LOGGED_FAILURES]}
    data = [
        {"id_1c": result.id_1c, "success": result.success, "data": result.data, "error": result.error}
        for result in results
    ]
    return Result(data=data)


routes = [
    sync_route(Operation.CLIENTS_CONTACTS_BATCH, party_batch("contacts"), batch=True),
    sync_route(Operation.CLIENTS_COMPANIES_BATCH, party_batch("companies"), batch=True),
    sync_route(Operation.LEADS_BATCH, leads_batch, batch=True),
    sync_route(Operation.PROCESS_EVENT_BATCH, events_batch, batch=True),
]
