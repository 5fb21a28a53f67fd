"""A JSON picture of one account's whole state, for tests that drive the fake over HTTP."""

from __future__ import annotations

from typing import Any

from backend.fakes.amocrm.catalog import account_json, field_json, pipeline_json, user_json
from backend.fakes.amocrm.related import note_json
from backend.fakes.amocrm.render import entity_json
from backend.fakes.amocrm.state import ENTITY_TYPES, Account


def account_snapshot(base: str, account: Account) -> dict[str, Any]:
    """Return everything an account holds, in the same shapes the API uses, plus its counters."""
    snapshot: dict[str, Any] = {
        "account": account_json(base, account, account.admin_id),
        "users": [user_json(base, u) for u in account.users.values()],
        "pipelines": [pipeline_json(base, account, p) for p in account.pipelines.values()],
        "custom_fields": {kind: [field_json(base, account, f) for f in account.fields(kind)] for kind in ENTITY_TYPES},
    }
    for kind in ENTITY_TYPES:
        snapshot[kind] = [entity_json(base, account, e, ("contacts", "leads")) for e in account.entities(kind).values()]
    snapshot["notes"] = [note_json(base, account, n) for n in account.notes.values()]
    snapshot["links"] = [
        {
            "entity_type": link.a_type,
            "entity_id": link.a_id,
            "to_entity_type": link.b_type,
            "to_entity_id": link.b_id,
            "metadata": link.metadata,
        }
        for link in account.links
    ]
    snapshot["counters"] = counters(account)
    return snapshot


def counters(account: Account) -> dict[str, int]:
    """Return the account's OAuth and rate-limit counters."""
    return {
        "code_grants": account.code_grants,
        "refresh_grants": account.refresh_grants,
        "refresh_attempts": account.refresh_attempts,
        "rate_limited": account.rate_limited,
    }
