"""Every operation the sync log records: the five calls amo1c makes into 1C (spec section 1) and the calls 1C makes
to amo1c (spec section 2), with the request each of the latter is served at.

The one list of them: the log page's filter, resending (what can be made again) and the sync API's routes (their
paths and log names; tests/sync/test_operations.py holds the route table to this list both ways) all name
operations from here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from backend.models import Direction

Method = Literal["GET", "POST"]


class Operation(StrEnum):
    """A logged operation, named as 1C's `type` (calls into 1C) or as the last part of the path (calls from 1C)."""

    # calls into 1C (spec section 1)
    GET_ORDERS = "get_orders"
    NEW_LEAD = "new_lead"
    NEW_ORDER = "new_order"
    GET_HANDLERS_VERSION = "get_handlers_version"
    CORR_TABLE = "corr_table"
    # calls from 1C (spec section 2)
    CHECK_ACTIVE = "check_active"
    BASE = "base"
    CLIENTS_CONTACTS = "clients_contacts"
    CLIENTS_COMPANIES = "clients_companies"
    LEADS = "leads"
    PROCESS_EVENT = "process_event"
    CLIENTS_CONTACTS_SAVE_FIELDS = "clients_contacts_save_fields"
    CLIENTS_COMPANIES_SAVE_FIELDS = "clients_companies_save_fields"
    LEADS_SAVE_FIELDS = "leads_save_fields"
    GET_ACTUAL_VERSION = "get_actual_version"
    GET_ACTUAL_HANDLERS = "get_actual_handlers"
    SET_HANDLERS = "set_handlers"
    # 1C's batches (an addition to the spec): up to 500 bodies of a single call, served at "<its path>/batch"
    CLIENTS_CONTACTS_BATCH = "clients_contacts_batch"
    CLIENTS_COMPANIES_BATCH = "clients_companies_batch"
    LEADS_BATCH = "leads_batch"
    PROCESS_EVENT_BATCH = "process_event_batch"

    @property
    def direction(self) -> Direction:
        """Who makes the call: amo1c into 1C, or 1C into amo1c."""
        return Direction.TO_1C if self in INTO_1C else Direction.FROM_1C

    @property
    def method(self) -> Method:
        """The HTTP method 1C calls this operation of the sync API with."""
        return "GET" if self == Operation.CHECK_ACTIVE else "POST"

    @property
    def path(self) -> str:
        """The sync API's path of this operation; raises ValueError for a call into 1C (it has none)."""
        if self in INTO_1C:
            raise ValueError(f"{self.value} is a call into 1C, not an endpoint of the sync API")
        if (single := BATCHES.get(self)) is not None:
            return f"{single.path}/batch"
        prefix = "/update_handlers/" if self in HANDLER_UPDATES else "/sync/"
        return f"{prefix}{self.value}"


INTO_1C = frozenset(
    {
        Operation.GET_ORDERS,
        Operation.NEW_LEAD,
        Operation.NEW_ORDER,
        Operation.GET_HANDLERS_VERSION,
        Operation.CORR_TABLE,
    }
)
RESENDABLE = INTO_1C  # each is rebuilt from today's amoCRM data (sync.resend)
HANDLER_UPDATES = frozenset({Operation.GET_ACTUAL_VERSION, Operation.GET_ACTUAL_HANDLERS, Operation.SET_HANDLERS})
# Each batch and the single call whose bodies its items are
BATCHES = {
    Operation.CLIENTS_CONTACTS_BATCH: Operation.CLIENTS_CONTACTS,
    Operation.CLIENTS_COMPANIES_BATCH: Operation.CLIENTS_COMPANIES,
    Operation.LEADS_BATCH: Operation.LEADS,
    Operation.PROCESS_EVENT_BATCH: Operation.PROCESS_EVENT,
}
FROM_1C = tuple(operation for operation in Operation if operation not in INTO_1C)
OTHER = "other"  # the metrics' label of a name that is no operation of this list
_NAMES = frozenset(operation.value for operation in Operation)


def operation_label(name: str) -> str:
    """The metrics' label of an operation: its own name when it is one of this list, else "other" — so no value
    from a request ever becomes a label, and the number of series stays bounded."""
    return name if name in _NAMES else OTHER


# Reads made on every visit (a card's documents, the settings asking a base its version): a success says nothing
# new, so only their failures are logged and the log keeps what changed something or broke.
LOGGED_ONLY_WHEN_FAILING = frozenset({Operation.GET_ORDERS, Operation.GET_HANDLERS_VERSION})


def worth_logging(operation: str, *, failed: bool) -> bool:
    """Whether a finished call goes into the sync log: every failure, and every success but a quiet read's."""
    return failed or operation not in LOGGED_ONLY_WHEN_FAILING


def sync_request(operation: Operation, received_at: str | None = None) -> str:
    """The request 1C makes for a call of the sync API, e.g. "POST /sync/leads"; `received_at` is the path it
    really came by when it was served as another operation (sync.log.received_at)."""
    return f"{operation.method} {received_at or operation.path}"
