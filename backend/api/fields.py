"""Sync API: saving the field correspondence of contacts, companies and deals (spec 2.7), checked against the
account's amoCRM fields."""

from __future__ import annotations

from starlette.routing import Route

from backend.api.endpoint import Handler, Result, SyncCall, sync_endpoint
from backend.sync.mapping import check_row_count, replace_rows, rows_from_payload
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
    Route(f"/sync/{name}_save_fields", sync_endpoint(f"{name}_save_fields", save_fields(kind)), methods=["POST"])
    for name, kind in (
        ("clients_contacts", MappingKind.CONTACT),
        ("clients_companies", MappingKind.COMPANY),
        ("leads", MappingKind.LEAD),
    )
]
