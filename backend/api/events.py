"""Sync API: document events from 1C (spec 2.6) — payment, partial payment, shipment, partial shipment, cancel."""

from __future__ import annotations

from starlette.routing import Route

from backend.api.endpoint import Result, SyncCall, sync_endpoint
from backend.sync.errors import InvalidInput
from backend.sync.events import EventInput, process_event
from backend.sync.records import EventName


async def event(call: SyncCall) -> Result:
    """Apply the event to its deal (once) and answer the deal's id."""
    payload = call.payload
    name = payload.require_str("event_name")
    try:
        event_name = EventName(name.lower())
    except ValueError:
        allowed = ", ".join(item.value for item in EventName)
        raise InvalidInput(
            "event_name", f'поле "event_name": неизвестное событие "{name}", допустимы {allowed}'
        ) from None
    data = EventInput(
        event_name=event_name,
        amo_id=payload.optional_int("id"),
        id_1c=payload.optional_str("id_1c", 100),
        sum=payload.optional_decimal("sum"),
        debt_sum=payload.optional_decimal("debt_sum"),
        document_name=payload.optional_str("document_name", 500),
        raw=dict(payload.data),
    )
    outcome = await process_event(await call.workspace.amo(), call.account, call.linked_base(), data)
    return Result(data=outcome.amo_id, amo_id=outcome.amo_id, id_1c=data.id_1c, extra={"applied": outcome.applied})


routes = [Route("/sync/process_event", sync_endpoint("process_event", event), methods=["POST"])]
