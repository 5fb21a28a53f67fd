"""Sending a failed call into 1C again from the sync log: the same operation, base and amoCRM id, rebuilt now.

The log keeps a masked, clipped summary, never the body itself, so a call is not replayed byte for byte: it is
made again the way the button that made it does, from today's amoCRM data. Calls 1C made to amo1c cannot be
repeated from here — only 1C can send them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.amocrm import AmoCRMClient
from backend.models import Direction, EntityKind, OneCBase, Outcome, SyncLogEntry
from backend.onec import BaseClient
from backend.sync.actions import send_counterparty, send_order
from backend.sync.bases import ask_handlers_version, remember_handlers_version
from backend.sync.directory import FieldDirectory
from backend.sync.errors import Conflict
from backend.sync.operations import RESENDABLE, Operation
from backend.sync.payloads import corr_table_rows

NEEDS_AMO_ID = frozenset({Operation.GET_ORDERS, Operation.NEW_ORDER, Operation.NEW_LEAD})


class Refusal(StrEnum):
    """Why a log entry cannot be sent again (each has a text in the settings page's language)."""

    SUCCEEDED = "succeeded"  # nothing to repeat
    FROM_1C = "from_1c"  # 1C made the call: only 1C can repeat it
    OPERATION = "operation"  # not one of RESENDABLE
    NO_BASE = "no_base"  # the base was unlinked since
    NO_AMO_ID = "no_amo_id"  # the entry does not say which deal, contact or company
    NO_KIND = "no_kind"  # a new_lead entry that does not say contact or company


class NotResendable(Conflict):
    """A log entry that cannot be sent again into 1C; `refusal` says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"запись журнала нельзя отправить в 1С повторно ({refusal.value})")
        self.refusal = refusal


@dataclass(frozen=True)
class Resent:
    """What 1C answered this time: `value` is a link, a version, a document count or a row count."""

    operation: str
    value: str


def refusal(entry: SyncLogEntry, base: OneCBase | None) -> Refusal | None:
    """Why `entry` cannot be sent again into 1C, or None when it can."""
    if entry.direction != Direction.TO_1C:
        return Refusal.FROM_1C
    if entry.outcome != Outcome.ERROR:
        return Refusal.SUCCEEDED
    if entry.operation not in RESENDABLE:
        return Refusal.OPERATION
    if base is None:
        return Refusal.NO_BASE
    if entry.operation in NEEDS_AMO_ID and entry.amo_id is None:
        return Refusal.NO_AMO_ID
    if entry.operation == Operation.NEW_LEAD and counterparty_kind(entry.request_summary) is None:
        return Refusal.NO_KIND
    return None


def counterparty_kind(summary: Any) -> EntityKind | None:
    """Whether a logged `new_lead` sent a contact or a company (its `clients` key), None when it does not say."""
    clients = summary.get("clients") if isinstance(summary, dict) else None
    if isinstance(clients, dict) and "company" in clients:
        return EntityKind.COMPANY
    if isinstance(clients, dict) and "contact" in clients:
        return EntityKind.CONTACT
    return None


async def resend(
    entry: SyncLogEntry,
    base: OneCBase,
    onec: BaseClient,
    amo: AmoCRMClient,
    directory: FieldDirectory,
    *,
    user_id: int | None,
) -> Resent:
    """Make the entry's call into 1C again (the new call is logged as usual); check `refusal` first.

    Raises OneCError, AmoCRMError or SyncError (a missing deal, a company without INN, a press under way).
    """
    operation = entry.operation
    amo_id = int(entry.amo_id) if entry.amo_id is not None else 0
    if operation == Operation.GET_ORDERS:
        documents = await onec.get_orders(amo_id)
        return Resent(operation, str(len(documents)))
    if operation == Operation.NEW_ORDER:
        sent = await send_order(onec, amo, directory, base, amo_id)
        return Resent(operation, sent.link)
    if operation == Operation.NEW_LEAD:
        kind = counterparty_kind(entry.request_summary) or EntityKind.CONTACT
        sent = await send_counterparty(onec, amo, directory, base, kind, amo_id)
        return Resent(operation, sent.link)
    if operation == Operation.CORR_TABLE:
        version = await onec.corr_table(await corr_table_rows(amo, directory), user_id)
        await remember_handlers_version(base, version)
        return Resent(operation, version)
    return Resent(operation, await ask_handlers_version(onec, base))
