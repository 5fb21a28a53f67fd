"""The amo1c data model: amoCRM accounts, linked 1C bases and everything synchronised between them.

Constraints that protect against duplicates live in the database (unique indexes), so they hold across
workers. Fields ending in `_enc` hold Fernet tokens made by `backend.crypto.SecretBox`, never plaintext.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class EntityKind(StrEnum):
    """An amoCRM entity that a 1C object can be linked with."""

    CONTACT = "contact"
    COMPANY = "company"
    LEAD = "lead"


class MappingKind(StrEnum):
    """The entities of the field correspondence table (spec 1.5 `entity_name`)."""

    CONTACT = "contact"  # Контакт
    COMPANY = "company"  # Компания
    LEAD = "lead"  # Сделка
    USER = "user"  # Сотрудник


class EventName(StrEnum):
    """The 1C document events of spec 2.6."""

    CANCEL_ORDER = "cancel_order"
    PAYMENT = "payment"
    PART_PAYMENT = "part_payment"
    SHIPMENT = "shipment"
    PART_SHIPMENT = "part_shipment"


class Direction(StrEnum):
    """Which way a logged call went: 1C calling amo1c, or amo1c calling 1C."""

    FROM_1C = "from_1c"
    TO_1C = "to_1c"


class Outcome(StrEnum):
    """How a logged call ended."""

    OK = "ok"
    ERROR = "error"


class IntentKind(StrEnum):
    """A call into 1C that waits in the outbox until 1C takes it (spec 1.2, 1.3, 1.5)."""

    NEW_ORDER = "new_order"
    NEW_LEAD = "new_lead"
    CORR_TABLE = "corr_table"


class IntentState(StrEnum):
    """Where an outbox intent stands."""

    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # a worker holds its lease and is sending it
    DELIVERED = "delivered"  # 1C took it
    FAILED = "failed"  # 1C refused it (a person must look): not retried by itself
    DEAD = "dead"  # retried for 48 hours without reaching 1C
    CANCELLED = "cancelled"  # an admin discarded it, or a newer intent for the same entity replaced it


class TriggerKind(StrEnum):
    """What in amoCRM sends something to 1C without a button."""

    STAGE = "stage"  # a deal reaches a stage → new_order
    CONTACT_CHANGED = "contact_changed"  # a contact linked to 1C changed → new_lead
    COMPANY_CHANGED = "company_changed"  # a company linked to 1C changed → new_lead
    DEAL_CHANGED = "deal_changed"  # a deal of a linked order changed → new_order


class Account(Model):
    """An amoCRM account that installed the integration, identified by amoCRM's own account id."""

    id = fields.BigIntField(primary_key=True, generated=False)
    subdomain = fields.CharField(max_length=63)
    base_domain = fields.CharField(max_length=63, default="amocrm.ru")
    name = fields.CharField(max_length=255, default="")
    access_token_enc = fields.TextField(null=True)
    refresh_token_enc = fields.TextField(null=True)
    token_expires_at = fields.DatetimeField(null=True)
    active = fields.BooleanField(default=True)
    # Counts installs and disconnects: a UI token carries the value it was issued under and dies when it changes.
    installation = fields.IntField(default=1, db_default=1)
    installed_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    bases: fields.ReverseRelation[OneCBase]
    event_rules: fields.ReverseRelation[EventRule]

    class Meta:
        table = "account"

    def __str__(self) -> str:
        return f"{self.subdomain}.{self.base_domain} ({self.id})"


class OneCBase(Model):
    """A 1C infobase linked to an account by 1C's `/sync/base` call (spec 2.2) or by an admin."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bases", on_delete=fields.CASCADE
    )
    id_base = fields.CharField(max_length=100)
    web_address = fields.CharField(max_length=2000)
    url_address = fields.CharField(max_length=2000)
    param1 = fields.CharField(max_length=255)
    param2_enc = fields.TextField()
    last_seen_at = fields.DatetimeField(null=True)
    handlers_version = fields.CharField(max_length=64, null=True)
    # 1C asked to change the address or login (a BaseRequest holds the new values): nothing is sent to the base
    # and its calls are refused until an admin of the account decides.
    awaiting_change = fields.BooleanField(default=False, db_default=False)
    # Grows with every change of the base's correspondence rows, whoever makes it (database triggers, migration
    # 0011): a worker keeps the rows in memory and reads this with the base on every call to know they still hold.
    mapping_version = fields.BigIntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    account_id: int

    class Meta:
        table = "onec_base"
        unique_together = (("account", "id_base"),)

    def __str__(self) -> str:
        return f"1C base {self.id_base!r} of account {self.account_id}"


class BaseRequest(Model):
    """A 1C base asking to be linked (a new id_base) or to change an approved base's address or login, awaiting
    an admin of the account; `revision` grows with every replacement so an approval binds to what the admin saw."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="base_requests", on_delete=fields.CASCADE
    )
    id_base = fields.CharField(max_length=100)
    base: fields.ForeignKeyNullableRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="change_requests", on_delete=fields.CASCADE, null=True
    )
    web_address = fields.CharField(max_length=2000)
    url_address = fields.CharField(max_length=2000)
    param1 = fields.CharField(max_length=255)
    param2_enc = fields.TextField()
    revision = fields.IntField(default=1)
    requested_at = fields.DatetimeField()
    requested_from = fields.CharField(max_length=64, default="")

    account_id: int
    base_id: int | None

    class Meta:
        table = "base_request"
        unique_together = (("account", "id_base"),)


class EntityLink(Model):
    """One amoCRM entity ↔ one 1C object of a base, with a fingerprint of the data last sent to amoCRM."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="links", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(EntityKind, max_length=16)
    amo_id = fields.BigIntField(null=True)
    # None: 1C sent the entity's link by amoCRM id without its own id (the row only keeps the link)
    id_1c = fields.CharField(max_length=100, null=True)
    link = fields.TextField(default="")
    fingerprint = fields.CharField(max_length=64, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    base_id: int

    class Meta:
        table = "entity_link"
        unique_together = (("base", "kind", "id_1c"),)
        indexes = (Index(fields=("base_id", "kind", "amo_id")),)


class FieldMapping(Model):
    """A row of the field correspondence table: an amoCRM field (or user) ↔ a 1C field, per base and entity."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="field_mappings", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(MappingKind, max_length=16)
    amo_field_id = fields.BigIntField()
    amo_field_name = fields.CharField(max_length=255, default="")
    onec_field = fields.CharField(max_length=255)
    enabled = fields.BooleanField(default=True)

    base_id: int

    class Meta:
        table = "field_mapping"
        unique_together = (("base", "kind", "amo_field_id"),)


class EventRule(Model):
    """Where a 1C event moves a deal of one pipeline (`status_id` null keeps the stage)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="event_rules", on_delete=fields.CASCADE
    )
    event_name = fields.CharEnumField(EventName, max_length=32)
    pipeline_id = fields.BigIntField()
    status_id = fields.BigIntField(null=True)
    add_note = fields.BooleanField(default=True)

    account_id: int

    class Meta:
        table = "event_rule"
        unique_together = (("account", "event_name", "pipeline_id"),)


class HandlerPackage(Model):
    """A version of the 1C handlers package stored for a base (spec 2.8–2.10)."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="handler_packages", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    # JSON text as 1C sent it (any JSON value, a bare string included, which Tortoise's JSONField cannot hold);
    # the database default exists only so migration 0002 could add the column to a filled table.
    handlers_json = fields.TextField(db_default="null")
    created_at = fields.DatetimeField(auto_now_add=True)

    base_id: int

    @property
    def handlers(self) -> Any:
        """The package as 1C sent it."""
        return json.loads(self.handlers_json)

    @property
    def size(self) -> int:
        """The package's size in bytes (UTF-8 JSON)."""
        return len(self.handlers_json.encode("utf-8"))

    class Meta:
        table = "handler_package"
        unique_together = (("base", "version"),)


class SyncLogEntry(Model):
    """One call between 1C and amo1c, in either direction, with the request summary stored masked."""

    id = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    account_id = fields.BigIntField(null=True)
    id_base = fields.CharField(max_length=100, null=True)
    direction = fields.CharEnumField(Direction, max_length=16)
    operation = fields.CharField(max_length=64)
    amo_id = fields.BigIntField(null=True)
    id_1c = fields.CharField(max_length=100, null=True)
    outcome = fields.CharEnumField(Outcome, max_length=16)
    http_status = fields.IntField(null=True)
    error = fields.TextField(null=True)
    duration_ms = fields.IntField(default=0)
    count = fields.IntField(default=1, db_default=1)  # refused calls of one base are one entry an hour, counted
    request_summary: fields.JSONField[dict[str, object] | None] = fields.JSONField(null=True)
    request_id = fields.CharField(max_length=64, null=True)  # the X-Request-ID of the request the call was made in

    class Meta:
        table = "sync_log"
        # The settings page lists an account's entries newest first by id (keyset pages), optionally of one base,
        # one outcome or one operation, or finds them by an amoCRM or 1C id; created_at serves the pruning.
        indexes = (
            Index(fields=("account_id", "id")),
            Index(fields=("account_id", "id_base", "id")),
            Index(fields=("account_id", "outcome", "id")),
            Index(fields=("account_id", "operation", "id")),
            Index(fields=("account_id", "amo_id")),
            Index(fields=("account_id", "id_1c")),
            Index(fields=("created_at",)),
        )


class ProcessedEvent(Model):
    """A 1C event already applied to amoCRM, by fingerprint, so a redelivery changes nothing."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="processed_events", on_delete=fields.CASCADE
    )
    fingerprint = fields.CharField(max_length=64)
    # how the fingerprint was made (backend/sync/events.py): 1 over the event, order, document and sum only
    # (rows from before migration 0007), 2 over every field 1C sent
    scheme = fields.IntField(default=2, db_default=1)
    event_name = fields.CharEnumField(EventName, max_length=32)
    amo_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    base_id: int

    class Meta:
        table = "processed_event"
        unique_together = (("base", "fingerprint"),)


class UsedWidgetToken(Model):
    """The `jti` of an amoCRM widget token already exchanged, kept until the token expires."""

    jti = fields.CharField(max_length=128, primary_key=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "used_widget_token"


class OneCAction(Model):
    """A call into 1C under way for one amoCRM entity: its unique row makes a second press wait, not resend."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="actions", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(EntityKind, max_length=16)
    amo_id = fields.BigIntField()
    started_at = fields.DatetimeField(auto_now_add=True)

    base_id: int

    class Meta:
        table = "onec_action"
        unique_together = (("base", "kind", "amo_id"),)


class UserPreference(Model):
    """A setting one amoCRM user chose in amo1c's pages (e.g. the 1C base their card panels show)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="preferences", on_delete=fields.CASCADE
    )
    user_id = fields.BigIntField()
    name = fields.CharField(max_length=64)
    value = fields.CharField(max_length=255)

    account_id: int

    class Meta:
        table = "user_preference"
        unique_together = (("account", "user_id", "name"),)


class RequestBudgetSlot(Model):
    """The next free start of an amoCRM request for one account, shared by every worker (PostgreSQL only)."""

    account_id = fields.BigIntField(primary_key=True, generated=False)
    next_start = fields.DatetimeField()

    class Meta:
        table = "request_budget"


class LoginThrottle(Model):
    """Failed logins of one client address for one base (or the operator) in the window that began at
    `window_start`; shared by every worker so the limit holds across them."""

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=200)
    client = fields.CharField(max_length=64)
    window_start = fields.DatetimeField(db_index=True)
    failures = fields.IntField(default=0)

    class Meta:
        table = "login_throttle"
        unique_together = (("scope", "client"),)


class RefusedCalls(Model):
    """The sync log entry that counts one base's refused unauthenticated calls of one hour."""

    id = fields.IntField(primary_key=True)
    account_id = fields.BigIntField()
    id_base = fields.CharField(max_length=100)
    hour = fields.DatetimeField()
    entry: fields.ForeignKeyRelation[SyncLogEntry] = fields.ForeignKeyField(
        "models.SyncLogEntry", related_name="refusals", on_delete=fields.CASCADE
    )

    entry_id: int

    class Meta:
        table = "refused_calls"
        unique_together = (("account_id", "id_base", "hour"),)


class Intent(Model):
    """A call into 1C to be made until 1C takes it: built from amoCRM's data when it is sent, retried with backoff,
    delivered in order per base and entity; a newer intent for the same entity and kind replaces a waiting one."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="intents", on_delete=fields.CASCADE
    )
    account_id = fields.BigIntField()
    kind = fields.CharEnumField(IntentKind, max_length=16)
    entity_kind = fields.CharEnumField(EntityKind, max_length=16, null=True)
    amo_id = fields.BigIntField(null=True)
    fingerprint = fields.CharField(max_length=64, default="")  # the amoCRM state that decided it (triggers)
    state = fields.CharEnumField(IntentState, max_length=16, default=IntentState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    cause = fields.CharField(max_length=255, default="")
    user_id = fields.BigIntField(null=True)
    result = fields.TextField(default="")  # what 1C answered: the link, or the handlers version
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    delivered_at = fields.DatetimeField(null=True)

    base_id: int

    class Meta:
        table = "outbox_intent"
        indexes = (
            Index(fields=("state", "next_attempt_at")),
            Index(fields=("base_id", "entity_kind", "amo_id", "id")),
            Index(fields=("account_id", "id")),
            Index(fields=("account_id", "state", "id")),  # the settings' outbox: counts and pages by state
        )


class IntentAttempt(Model):
    """One try to deliver an intent, with its outcome, for the outbox's history."""

    id = fields.IntField(primary_key=True)
    intent: fields.ForeignKeyRelation[Intent] = fields.ForeignKeyField(
        "models.Intent", related_name="history", on_delete=fields.CASCADE
    )
    started_at = fields.DatetimeField()
    duration_ms = fields.IntField(default=0)
    outcome = fields.CharField(max_length=16)
    error = fields.TextField(null=True)

    intent_id: int

    class Meta:
        table = "outbox_attempt"


class Trigger(Model):
    """A rule of a base that turns a change in amoCRM into an outbox intent (settings tab «Автоматизация»)."""

    id = fields.IntField(primary_key=True)
    base: fields.ForeignKeyRelation[OneCBase] = fields.ForeignKeyField(
        "models.OneCBase", related_name="triggers", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(TriggerKind, max_length=32)
    pipeline_id = fields.BigIntField(null=True)
    status_id = fields.BigIntField(null=True)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    base_id: int

    class Meta:
        table = "trigger"


class StageVisit(Model):
    """Whether a deal was last seen in a stage trigger's stage: it fires on entering, not on every change."""

    id = fields.IntField(primary_key=True)
    trigger: fields.ForeignKeyRelation[Trigger] = fields.ForeignKeyField(
        "models.Trigger", related_name="visits", on_delete=fields.CASCADE
    )
    amo_id = fields.BigIntField()
    in_stage = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    trigger_id: int

    class Meta:
        table = "stage_visit"
        unique_together = (("trigger", "amo_id"),)


class Subscription(Model):
    """An account's webhook subscription at amoCRM (its secret is in the destination path) and its health."""

    account_id = fields.BigIntField(primary_key=True, generated=False)
    secret = fields.CharField(max_length=64, unique=True)
    subscribed_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    last_hook_at = fields.DatetimeField(null=True)
    last_reconciled_at = fields.DatetimeField(null=True)
    reconciled_until = fields.DatetimeField(null=True)  # amoCRM's updated_at the last pass read up to
    caught = fields.IntField(default=0)  # changes the reconciliation found that no hook had announced

    class Meta:
        table = "webhook_subscription"


class Hint(Model):
    """An amoCRM entity that may have changed, as a webhook, the digital pipeline or the reconciliation said:
    recorded at once, read back from amoCRM later (a hint is never trusted)."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    entity = fields.CharField(max_length=16)  # leads, contacts, companies
    amo_id = fields.BigIntField()
    source = fields.CharField(max_length=16)  # webhook, dp, reconcile
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_hint"
        indexes = (Index(fields=("received_at",)),)


class IndexEntry(Model):
    """One way to find an amoCRM contact or company without asking amoCRM: a normalised phone, e-mail, INN or the
    1C id it carries, kept per account for the batch endpoints and refreshed from what amoCRM changed."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    entity = fields.CharField(max_length=16)  # contacts, companies
    amo_id = fields.BigIntField()
    key = fields.CharField(max_length=255)  # "phone:9123456789", "email:a@b.ru", "inn:7701234567", "id1c:…"

    class Meta:
        table = "amo_index"
        indexes = (Index(fields=("account_id", "entity", "key")), Index(fields=("account_id", "entity", "amo_id")))


class IndexMark(Model):
    """How far an account's index of one entity is up to date: amoCRM's `updated_at` it was last read to."""

    id = fields.IntField(primary_key=True)
    account_id = fields.BigIntField()
    entity = fields.CharField(max_length=16)
    refreshed_until = fields.BigIntField(default=0)

    class Meta:
        table = "amo_index_mark"
        unique_together = (("account_id", "entity"),)
