"""Reading one account's sync log a page at a time: filters, keyset pages on the id, an entry with its error.

A page costs the same however deep it is (`before=<id>`), and an error of any length is read only as far as it
is shown (`Head`): the list shows LISTED_ERROR_CHARS of it, an entry's detail SHOWN_ERROR_CHARS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.models import Direction, OneCBase, Outcome, SyncLogEntry
from backend.sync.errors import NotFound
from backend.sync.log import mask, masked_error, received_at
from backend.sync.numbers import id_of
from backend.sync.operations import FROM_1C, Operation, sync_request
from backend.sync.resend import Refusal, refusal
from backend.textsql import Head

PAGE_SIZE = 50
LISTED_FIELDS = (
    "id", "created_at", "id_base", "direction", "operation", "amo_id", "id_1c", "outcome", "http_status", "count",
)  # fmt: skip
DETAIL_FIELDS = (*LISTED_FIELDS, "duration_ms", "request_summary", "request_id")
# An error is stored whole and may be long (1C's answer, a request's text echoed back): pages read only its start.
LISTED_ERROR_CHARS = 140
SHOWN_ERROR_CHARS = 20_000


@dataclass(frozen=True)
class LogFilter:
    """The log page's filters as a query string gives them ("" = any)."""

    base: str = ""
    direction: str = ""
    operation: str = ""
    outcome: str = ""
    q: str = ""

    @classmethod
    def read(cls, params: Mapping[str, str]) -> LogFilter:
        """The filters of a request's parameters, anything unknown dropped; raises nothing."""
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
        if (amo_id := id_of(self.q)) is not None:
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


@dataclass(frozen=True)
class LogPage:
    """Up to PAGE_SIZE entries, newest first, each with `error_head` (masked, at most LISTED_ERROR_CHARS); and the
    id to continue from (None at the end)."""

    entries: list[SyncLogEntry]
    next_before: int | None


@dataclass(frozen=True)
class LoggedCall:
    """One entry as its detail shows it: the masked request, the start of its masked error, its base (None when
    unlinked since), why it cannot be sent again (None when it can) and, for a call from 1C, the request 1C makes."""

    entry: SyncLogEntry
    base: OneCBase | None
    summary: Any
    error: str | None
    error_cut: bool
    refusal: Refusal | None
    sync_request: str | None
    received_at: str | None


async def log_page(account_id: int, filters: LogFilter, before: int | None) -> LogPage:
    """One page of the account's entries the filters let through, older than `before` (None: the newest)."""
    entries = filters.query(account_id)
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
    return LogPage(found, int(found[-1].id) if more else None)


async def logged_call(account_id: int, entry_id: int) -> LoggedCall:
    """The account's entry `entry_id` as its detail shows it; raises NotFound."""
    entry = await (
        SyncLogEntry.filter(id=entry_id, account_id=account_id)
        .only(*DETAIL_FIELDS)
        .annotate(error_head=Head("error", SHOWN_ERROR_CHARS + 1))
        .first()
    )
    if entry is None:
        raise NotFound
    base = None
    if entry.id_base is not None:
        base = await OneCBase.get_or_none(account_id=account_id, id_base=entry.id_base)
    head: str = entry.error_head or ""  # type: ignore[attr-defined]
    path = received_at(entry.request_summary)
    return LoggedCall(
        entry=entry,
        base=base,
        summary=mask(entry.request_summary),
        error=masked_error(head)[:SHOWN_ERROR_CHARS] if head else None,  # masked before it is cut
        error_cut=len(head) > SHOWN_ERROR_CHARS,
        refusal=refusal(entry, base),
        sync_request=sync_request(Operation(entry.operation), path) if entry.operation in FROM_1C else None,
        received_at=path,
    )


@dataclass(frozen=True)
class LastCall:
    """A call as the doctor names it: when, which operation, and the start of its masked error (None: it succeeded)."""

    at: datetime
    operation: str
    error: str | None


@dataclass(frozen=True)
class LastCalls:
    """A base's calls one way: the newest and the newest that succeeded (None: there is none)."""

    newest: LastCall | None
    succeeded: LastCall | None


# Asking 1C its handlers version (the settings page's check, `amo1c doctor`) moves no data: it is not traffic.
NOT_TRAFFIC = (Operation.GET_HANDLERS_VERSION.value,)


async def last_calls(account_id: int, id_base: str, direction: Direction) -> LastCalls:
    """The base's newest call that way and its newest successful one, version checks left out; reads two entries."""
    entries = SyncLogEntry.filter(account_id=account_id, id_base=id_base, direction=direction).exclude(
        operation__in=NOT_TRAFFIC
    )
    newest = await _last_call(entries)
    if newest is None or newest.error is None:
        return LastCalls(newest, newest)
    return LastCalls(newest, await _last_call(entries.filter(outcome=Outcome.OK)))


async def _last_call(entries: QuerySet[SyncLogEntry]) -> LastCall | None:
    found = (
        await entries.order_by("-id")
        .limit(1)
        .annotate(error_head=Head("error", LISTED_ERROR_CHARS))
        .values("created_at", "operation", "outcome", "error_head")
    )
    if not found:
        return None
    row = found[0]
    error = None if row["outcome"] == Outcome.OK else masked_error(str(row["error_head"] or "")) or "no text"
    return LastCall(row["created_at"], str(row["operation"]), error)
