"""Sync API: saving the field correspondence of contacts, companies and deals (spec 2.7), checked against the
account's amoCRM fields."""

from __future__ import annotations

from backend.api.endpoint import Handler, Result, SyncCall, sync_route
from backend.sync.mapping import check_row_count, replace_rows, rows_from_payload
from backend.sync.operations import Operation
from backend.sync.records import MappingKind
from backend.sync.values import check_rows

ENVELOPE_KEYS = frozenset({"key", "id_base"})


def save_fields(kind: MappingKind) -> Handler:
    """A handler replacing the `kind` rows of the call's base with the rows in the body, once every amoCRM field
    they name is found in the account."""

    async def handler(call: SyncCall) -> Result:
        fields = {key: value for key, value in call.payload.data.items() if key not in ENVELOPE_KEYS}
        rows = rows_from_payload(fields)
        check_row_count(len(rows))  # before asking amoCRM about any of them
        await check_rows(await call.workspace.amo(), call.workspace.fields, kind, rows)
        stored = await replace_rows(call.linked_base(), kind, rows)
        return Result(data=None, extra={"rows": stored})

    return handler


routes = [
    sync_route(Operation.CLIENTS_CONTACTS_SAVE_FIELDS, save_fields(MappingKind.CONTACT)),
    sync_route(Operation.CLIENTS_COMPANIES_SAVE_FIELDS, save_fields(MappingKind.COMPANY)),
    sync_route(Operation.LEADS_SAVE_FIELDS, save_fields(MappingKind.LEAD)),
]
