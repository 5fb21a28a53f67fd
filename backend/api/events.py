"""Sync API: document events from 1C (spec 2.6) — payment, partial payment, shipment, partial shipment, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.api.body import Body, Kind, declared, read_body
from backend.api.endpoint import Result, SyncCall, sync_route
from backend.api.entities import ORDER_NOTE
from backend.api.inputs import Payload
from backend.sync.events import EventInput, process_event
from backend.sync.operations import Operation
from backend.sync.records import EventName


@dataclass(frozen=True)
class EventRequest(Body):
    """2.6's body: the event, the deal or order it is about, and the note's sums and document."""

    note = ORDER_NOTE

    event_name: EventName = declared(Kind.EVENT, required=True)
    id: int | None = declared(Kind.ID)
    id_1c: str | None = declared(Kind.TEXT, max_length=100)
    sum: Decimal | None = declared(Kind.SUM)
    debt_sum: Decimal | None = declared(Kind.SUM)
    document_name: str | None = declared(Kind.TEXT, max_length=500)


def event_of(payload: Payload) -> EventInput:
    """2.6's body read into an event's input; raises InvalidInput naming the field."""
    body = read_body(EventRequest, payload)
    return EventInput(
        event_name=body.event_name,
        amo_id=body.id,
        id_1c=body.id_1c,
        sum=body.sum,
        debt_sum=body.debt_sum,
        document_name=body.document_name,
        raw=dict(payload.data),
    )


async def event(call: SyncCall) -> Result:
    """Apply the event to its deal (once) and answer the deal's id."""
    data = event_of(call.payload)
    outcome = await process_event(await call.workspace.amo(), call.account, call.linked_base(), data)
    return Result(data=outcome.amo_id, amo_id=outcome.amo_id, id_1c=data.id_1c, extra={"applied": outcome.applied})


routes = [sync_route(Operation.PROCESS_EVENT, event)]
