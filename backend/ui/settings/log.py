"""Settings: the sync log of the account — newest first, filtered, paged by id, with each entry's detail.

Pages are keyset-paged on the id (`before=<id>`), so the 1000th page costs what the first does. A failed call
into 1C can be sent again from its detail; a failed call from 1C says what 1C has to send again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.amocrm import AmoCRMError
from backend.models import Direction, OneCBase, Outcome, SyncLogEntry
from backend.onec import OneCError
from backend.sync.errors import NotFound, SyncError
from backend.sync.log import mask, masked_error, received_at
from backend.sync.operations import FROM_1C, Operation, sync_request
from backend.sync.resend import refusal, resend
from backend.textsql import Head
from backend.ui.settings.common import (
    amocrm_of,
    bases_of,
    fragment,
    number_of,
    section,
    services_of,
    settings_endpoint,
)
from backend.ui.tokens import UISession

TAB = "log"
PAGE_SIZE = 50
LISTED_FIELDS = (
    "id", "created_at", "id_base", "direction", "operation", "amo_id", "id_1c", "outcome", "http_status", "count",
)  # fmt: skip
DETAIL_FIELDS = (*LISTED_FIELDS, "duration_ms", "request_summary")
# An error is stored whole and may be long (1C's answer, a request's text echoed back): pages read only its start.
LISTED_ERROR_CHARS = 140
SHOWN_ERROR_CHARS = 20_000


def sync_request_of(operation: str, summary: Any = None) -> str | None:
    """The request 1C makes for a logged operation of the sync API, e.g. "POST /sync/leads" (the path it really
    came by when it was served as another operation: an order on the spec's misprinted 2.5 path); None for any
    other operation."""
    return sync_request(Operation(operation), received_at(summary)) if operation in FROM_1C else None


@dataclass(frozen=True)
class LogFilter:
    """The log page's filters as the query string gives them ("" = any)."""

    base: str = ""
    direction: str = ""
    operation: str = ""
    outcome: str = ""
    q: str = ""

    @classmethod
    def read(cls, params: QueryParams) -> LogFilter:
        """The filters of a request, anything unknown dropped."""
        direction = params.get("direction", "")
        outcome = params.get("outcome", "")
        return cls(
            base=params.get("base", "").strip()[:100],
            direction=direction if direction in set(Direction) else "",
            operation=params.get("operation", "").strip()[:64],
            outcome=outcome if outcome in set(Outcome) else "",
            q=params.get("q", "").strip()[:100],
        )

    def query(self, account_id: int) -> QuerySet[SyncLogEntry]:
        """The account's entries these filters let through (not ordered, not limited)."""
        if (amo_id := number_of(self.q)) is not None:
            # each side of the OR names the account, so SQLite answers it from the two indexes, not by a scan
            entries = SyncLogEntry.filter(
                Q(account_id=account_id, amo_id=amo_id) | Q(account_id=account_id, id_1c=self.q)
            )
        elif self.q:
            entries = SyncLogEntry.filter(account_id=account_id, id_1c=self.q)
        else:
            entries = SyncLogEntry.filter(account_id=account_id)
        if self.base:
            entries = entries.filter(id_base=self.base)
        if self.direction:
            entries = entries.filter(direction=Direction(self.direction))
        if self.operation:
            entries = entries.filter(operation=self.operation)
        if self.outcome:
            entries = entries.filter(outcome=Outcome(self.outcome))
        return entries

    def params(self) -> dict[str, str]:
        """The filters that are set, for the "more" link."""
        return {name: value for name, value in asdict(self).items() if value}


async def page_of(session: UISession, filters: LogFilter, before: int | None) -> tuple[list[SyncLogEntry], int | None]:
    """One page of entries, newest first, older than `before`; and the id to continue from (None at the end)."""
    entries = filters.query(session.account_id)
    if before is not None:
        entries = entries.filter(id__lt=before)
    found = await (
        entries.order_by("-id")
        .limit(PAGE_SIZE + 1)
        .only(*LISTED_FIELDS)
        .annotate(error_head=Head("error", LISTED_ERROR_CHARS))
    )
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    for entry in found:  # rows stored before masking existed are masked when shown
        entry.error_head = masked_error(entry.error_head) if entry.error_head else entry.error_head  # type: ignore[attr-defined]
    return found, (int(found[-1].id) if more else None)


def _before(params: QueryParams) -> int | None:
    return number_of(params.get("before", ""))


@settings_endpoint
async def log_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log?base=&direction=&operation=&outcome=&q=: the filters and the newest entries."""
    filters = LogFilter.read(request.query_params)
    entries, next_before = await page_of(session, filters, None)
    context = {
        "filters": filters,
        "bases": await bases_of(session),
        "operations": list(Operation),
        "entries": entries,
        "next_before": next_before,
        "more_params": filters.params(),
    }
    return section(request, session, "ui/settings/log.html", context, tab=TAB)


@settings_endpoint
async def log_entries(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log/entries?…&before=: the results table for new filters, or the rows after `before`."""
    filters = LogFilter.read(request.query_params)
    before = _before(request.query_params)
    entries, next_before = await page_of(session, filters, before)
    context = {"entries": entries, "next_before": next_before, "more_params": filters.params()}
    template = "ui/settings/log_rows.html" if before is not None else "ui/settings/log_results.html"
    return fragment(request, session, template, context)


async def _entry_of(session: UISession, entry_id: Any) -> tuple[SyncLogEntry, OneCBase | None]:
    """The account's entry without its error, which `error_head` holds up to SHOWN_ERROR_CHARS + 1 characters of."""
    entry = await (
        SyncLogEntry.filter(id=int(entry_id), account_id=session.account_id)
        .only(*DETAIL_FIELDS)
        .annotate(error_head=Head("error", SHOWN_ERROR_CHARS + 1))
        .first()
    )
    if entry is None:
        raise NotFound
    base = None
    if entry.id_base is not None:
        base = await OneCBase.get_or_none(account_id=session.account_id, id_base=entry.id_base)
    return entry, base


@settings_endpoint
async def log_detail(request: Request, session: UISession) -> Response:
    """GET /ui/settings/log/{id}: the masked request, the error (its start when long), and what can be sent again."""
    entry, base = await _entry_of(session, request.path_params["entry_id"])
    summary = json.dumps(mask(entry.request_summary), ensure_ascii=False, indent=2)
    head: str = entry.error_head or ""  # type: ignore[attr-defined]
    context = {
        "entry": entry,
        "error": masked_error(head)[:SHOWN_ERROR_CHARS] if head else None,  # masked before it is cut
        "error_cut": len(head) > SHOWN_ERROR_CHARS,
        "summary": summary if entry.request_summary is not None else None,
        "refusal": refusal(entry, base),
        "sync_request": sync_request_of(entry.operation, entry.request_summary),
        "received_at": received_at(entry.request_summary),
    }
    return fragment(request, session, "ui/settings/log_detail.html", context)


@settings_endpoint
async def log_resend(request: Request, session: UISession) -> Response:
    """POST /ui/settings/log/{id}/resend: make a failed call into 1C again; 200, 409 (cannot or refused) or 502."""
    entry, base = await _entry_of(session, request.path_params["entry_id"])
    why = refusal(entry, base)
    if why is not None or base is None:
        return fragment(request, session, "ui/settings/log_resent.html", {"refusal": why}, status=409)
    services = services_of(request)
    onec = services.onec.for_base(base)
    context: dict[str, Any] = {"entry": entry}
    try:
        amo = await amocrm_of(request, session)
        context["resent"] = await resend(
            entry, base, onec, amo, services.field_directory, user_id=session.user_id or None
        )
    except (OneCError, AmoCRMError) as exc:
        context["error"] = str(exc)
        return fragment(request, session, "ui/settings/log_resent.html", context, status=502)
    except SyncError as exc:
        context["error"] = str(exc)
        return fragment(request, session, "ui/settings/log_resent.html", context, status=409)
    return fragment(request, session, "ui/settings/log_resent.html", context)


routes = [
    Route("/ui/settings/log", log_page, methods=["GET"], name="settings_log"),
    Route("/ui/settings/log/entries", log_entries, methods=["GET"], name="settings_log_entries"),
    Route("/ui/settings/log/{entry_id:int}", log_detail, methods=["GET"], name="settings_log_entry"),
    Route("/ui/settings/log/{entry_id:int}/resend", log_resend, methods=["POST"], name="settings_log_resend"),
]
