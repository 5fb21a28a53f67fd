"""Typed records the client returns (read from amoCRM) and the drafts it takes (to write); all frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WON_STATUS_ID = 142
LOST_STATUS_ID = 143


FieldValue = str | int | float | bool
"""A custom field value as amoCRM takes it: text, a number, or a checkbox's boolean."""


@dataclass(frozen=True)
class AccountInfo:
    """The amoCRM account a token belongs to; raises nothing."""

    id: int
    name: str
    subdomain: str
    current_user_id: int | None
    country: str | None
    currency: str | None


@dataclass(frozen=True)
class WebhookSubscription:
    """One webhook subscription of an account: where amoCRM sends, which events, whether amoCRM switched it off;
    raises nothing."""

    destination: str
    events: tuple[str, ...]
    disabled: bool


@dataclass(frozen=True)
class User:
    """One user of an account; raises nothing."""

    id: int
    name: str
    email: str | None
    is_admin: bool


@dataclass(frozen=True)
class Status:
    """One stage of a pipeline; `is_system` marks won (142), lost (143) and the unsorted stage. Raises nothing."""

    id: int
    name: str
    sort: int
    pipeline_id: int
    is_system: bool


@dataclass(frozen=True)
class Pipeline:
    """One lead pipeline with its stages in amoCRM's order; raises nothing."""

    id: int
    name: str
    is_main: bool
    statuses: tuple[Status, ...]


@dataclass(frozen=True)
class Enum:
    """One option of an enum-capable custom field (select, multiselect, multitext…); raises nothing."""

    id: int
    value: str
    code: str | None


@dataclass(frozen=True)
class CustomField:
    """One custom field definition of contacts, companies or leads; raises nothing."""

    id: int
    name: str
    code: str | None
    type: str
    entity: str
    enums: tuple[Enum, ...]


@dataclass(frozen=True)
class CustomValue:
    """The values of one custom field on one entity, as text; raises nothing."""

    field_id: int
    field_code: str | None
    values: tuple[str, ...]


class _HasCustom:
    """Mixin giving records with `custom` values a lookup by field id; raises nothing."""

    custom: tuple[CustomValue, ...]

    def value_of(self, field_id: int) -> str | None:
        """Return the first value of a custom field, or None when the entity has none; raises nothing."""
        for value in self.custom:
            if value.field_id == field_id and value.values:
                return value.values[0]
        return None


@dataclass(frozen=True)
class Contact(_HasCustom):
    """A contact as read from amoCRM (phones and emails taken from the PHONE/EMAIL fields); raises nothing."""

    id: int
    name: str
    responsible_user_id: int | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    custom: tuple[CustomValue, ...]
    company_id: int | None
    updated_at: int


@dataclass(frozen=True)
class Company(_HasCustom):
    """A company as read from amoCRM; raises nothing."""

    id: int
    name: str
    responsible_user_id: int | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    custom: tuple[CustomValue, ...]
    updated_at: int


@dataclass(frozen=True)
class Lead(_HasCustom):
    """A lead as read from amoCRM with its linked contacts and company; raises nothing."""

    id: int
    name: str
    price: int | None
    responsible_user_id: int | None
    status_id: int | None
    pipeline_id: int | None
    contact_ids: tuple[int, ...]
    main_contact_id: int | None
    company_id: int | None
    custom: tuple[CustomValue, ...]
    updated_at: int


@dataclass(frozen=True)
class ContactDraft:
    """What to write to a contact: None and empty fields are not sent; a custom value None clears it. Raises nothing."""

    name: str | None = None
    responsible_user_id: int | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    custom: Mapping[int, FieldValue | None] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class CompanyDraft:
    """What to write to a company, with the same rules as ContactDraft; raises nothing."""

    name: str | None = None
    responsible_user_id: int | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    custom: Mapping[int, FieldValue | None] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class LeadDraft:
    """What to write to a lead, linking contacts (main: main_contact_id or the first) and a company; raises nothing."""

    name: str | None = None
    price: int | None = None
    responsible_user_id: int | None = None
    pipeline_id: int | None = None
    status_id: int | None = None
    contact_ids: tuple[int, ...] = ()
    main_contact_id: int | None = None
    company_id: int | None = None
    custom: Mapping[int, FieldValue | None] = field(default_factory=dict, hash=False)
