"""Typed records the 1C client takes (where to call) and returns (documents, saved objects, call records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Connection:
    """Where and as whom to call one 1C base: its `web_address`, Basic Auth login/password and ids.

    The password is left out of repr so a logged Connection leaks nothing. Raises nothing.
    """

    web_address: str
    login: str
    password: str = field(repr=False)
    account_id: int
    id_base: str
    refusal: str = ""  # non-empty: nothing may be sent to this base (it awaits approval); the reason, in Russian


@dataclass(frozen=True)
class Document:
    """One 1C document of a deal as `get_orders` answers it; `parent_link` is "" for a root. Raises nothing."""

    title: str
    doc_type: str
    link: str
    parent_link: str
    google_drive_id: str
    google_drive_link: str


@dataclass(frozen=True)
class Saved:
    """What 1C answers after `new_lead`/`new_order`: the object's navigation link and its 1C id. Raises nothing."""

    link: str
    id_1c: str


@dataclass(frozen=True)
class CallRecord:
    """One finished call into 1C for the sync log: outcome, timing and a secret-free summary. Raises nothing.

    `status` is 1C's HTTP status (None when no answer came), `error` the raised error's message (None on
    success), `outcome` "ok" or the error's kind (OneCError.kind), `request_summary` the body sent with long lists
    and strings clipped.
    """

    operation: str
    web_address: str
    status: int | None
    error: str | None
    duration_ms: int
    request_summary: dict[str, Any] = field(hash=False)
    amo_id: int | None
    id_1c: str | None
    outcome: str = "ok"
