"""The fake amoCRM's data model: accounts and everything an account holds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES = ("contacts", "companies", "leads")
WON_STATUS_ID = 142
LOST_STATUS_ID = 143
SYSTEM_STATUS_IDS = (WON_STATUS_ID, LOST_STATUS_ID)
UNSORTED_STATUS_TYPE = 1

# Pairs where one side may hold at most one partner: a contact or a lead has a single company.
_SINGLE_PARTNER = frozenset({("contacts", "companies"), ("leads", "companies")})


class IdSequence:
    """Owns the id counters of one fake, so ids are unique across all its accounts like amoCRM's."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}
        self._starts = {
            "account": 31_000_001,
            "user": 8_000_001,
            "pipeline": 7_000_001,
            "status": 60_000_001,
            "field": 500_001,
            "enum": 900_001,
            "entity": 1_000_001,
            "note": 40_000_001,
            "tag": 300_001,
            "webhook": 839_001,
        }

    def next(self, kind: str) -> int:
        """Return the next id of the given kind; raises KeyError for an unknown kind."""
        if kind not in self._counters:
            self._counters[kind] = itertools.count(self._starts[kind])
        return next(self._counters[kind])


@dataclass
class User:
    """One user of an account."""

    id: int
    name: str
    email: str
    is_admin: bool


@dataclass
class Status:
    """One status of a pipeline; ids 142 and 143 repeat in every pipeline."""

    id: int
    name: str
    sort: int
    pipeline_id: int
    color: str
    type: int = 0
    is_editable: bool = True

    @property
    def is_system(self) -> bool:
        """Whether amoCRM treats the status as a system one (unsorted, won, lost)."""
        return self.type == UNSORTED_STATUS_TYPE or self.id in SYSTEM_STATUS_IDS


@dataclass
class Pipeline:
    """One lead pipeline with its statuses in display order."""

    id: int
    name: str
    sort: int
    is_main: bool
    statuses: list[Status] = field(default_factory=list)

    def status(self, status_id: int) -> Status | None:
        """Return the status with this id in this pipeline, or None."""
        return next((s for s in self.statuses if s.id == status_id), None)

    def first_open_status(self) -> Status:
        """Return the first non-system status; raises StopIteration if the pipeline has none."""
        return next(s for s in self.statuses if not s.is_system)


@dataclass
class EnumOption:
    """One option of an enum-capable custom field."""

    id: int
    value: str
    sort: int
    code: str | None = None


@dataclass
class CustomField:
    """One custom field definition of an entity type."""

    id: int
    name: str
    type: str
    entity_type: str
    sort: int
    code: str | None = None
    is_api_only: bool = False
    enums: list[EnumOption] | None = None

    def enum_by_code(self, code: str) -> EnumOption | None:
        """Return the option with this code, or None."""
        return next((e for e in self.enums or [] if e.code == code), None)

    def enum_by_id(self, enum_id: int) -> EnumOption | None:
        """Return the option with this id, or None."""
        return next((e for e in self.enums or [] if e.id == enum_id), None)


@dataclass
class Entity:
    """One contact, company or lead; custom values are stored already normalized, keyed by field id."""

    id: int
    entity_type: str
    name: str
    responsible_user_id: int
    created_by: int
    created_at: int
    updated_at: int
    updated_by: int
    custom_fields: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    price: int = 0
    pipeline_id: int | None = None
    status_id: int | None = None
    closed_at: int | None = None


@dataclass
class Note:
    """One note attached to an entity."""

    id: int
    entity_type: str
    entity_id: int
    note_type: str
    params: dict[str, Any]
    created_by: int
    created_at: int


@dataclass
class Link:
    """An undirected relation between two entities; metadata describes it (e.g. main_contact)."""

    a_type: str
    a_id: int
    b_type: str
    b_id: int
    metadata: dict[str, Any] | None = None

    def other_side(self, entity_type: str, entity_id: int) -> tuple[str, int] | None:
        """Return the partner of the given entity in this link, or None if it is not part of it."""
        if (self.a_type, self.a_id) == (entity_type, entity_id):
            return self.b_type, self.b_id
        if (self.b_type, self.b_id) == (entity_type, entity_id):
            return self.a_type, self.a_id
        return None


@dataclass
class Account:
    """Owns one account's users, pipelines, fields, entities, notes, links and counters."""

    id: int
    name: str
    subdomain: str
    created_at: int
    admin_id: int = 0
    users: dict[int, User] = field(default_factory=dict)
    pipelines: dict[int, Pipeline] = field(default_factory=dict)
    custom_fields: dict[str, list[CustomField]] = field(default_factory=dict)
    contacts: dict[int, Entity] = field(default_factory=dict)
    companies: dict[int, Entity] = field(default_factory=dict)
    leads: dict[int, Entity] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    tag_ids: dict[str, int] = field(default_factory=dict)
    code_grants: int = 0
    refresh_grants: int = 0
    refresh_attempts: int = 0
    rate_limited: int = 0

    def entities(self, entity_type: str) -> dict[int, Entity]:
        """Return the store of one entity type; raises KeyError for anything but contacts/companies/leads."""
        stores = {"contacts": self.contacts, "companies": self.companies, "leads": self.leads}
        return stores[entity_type]

    def main_pipeline(self) -> Pipeline:
        """Return the main pipeline; raises StopIteration if the account has none."""
        return next(p for p in self.pipelines.values() if p.is_main)

    def fields(self, entity_type: str) -> list[CustomField]:
        """Return the custom field definitions of an entity type (empty for unknown types)."""
        return self.custom_fields.setdefault(entity_type, [])

    def field_by_id(self, entity_type: str, field_id: int) -> CustomField | None:
        """Return the field with this id on the entity type, or None."""
        return next((f for f in self.fields(entity_type) if f.id == field_id), None)

    def field_by_code(self, entity_type: str, code: str) -> CustomField | None:
        """Return the field with this code on the entity type, or None."""
        return next((f for f in self.fields(entity_type) if f.code is not None and f.code == code), None)

    def partners(self, entity_type: str, entity_id: int) -> list[tuple[str, int, dict[str, Any] | None]]:
        """Return (type, id, metadata) of every entity linked to the given one, in link order."""
        found = []
        for link in self.links:
            other = link.other_side(entity_type, entity_id)
            if other is not None:
                found.append((other[0], other[1], link.metadata))
        return found

    def find_link(self, a_type: str, a_id: int, b_type: str, b_id: int) -> Link | None:
        """Return the link between two entities in either direction, or None."""
        for link in self.links:
            if link.other_side(a_type, a_id) == (b_type, b_id):
                return link
        return None

    def link(self, a_type: str, a_id: int, b_type: str, b_id: int, metadata: dict[str, Any] | None = None) -> Link:
        """Relate two entities (idempotent; a contact or lead keeps only its newest company)."""
        for one, other in ((a_type, b_type), (b_type, a_type)):
            if (one, other) in _SINGLE_PARTNER:
                one_id = a_id if one == a_type else b_id
                keep_id = b_id if one == a_type else a_id
                self.links = [
                    lk
                    for lk in self.links
                    if not (
                        (other_side := lk.other_side(one, one_id)) is not None
                        and other_side[0] == other
                        and other_side[1] != keep_id
                    )
                ]
        existing = self.find_link(a_type, a_id, b_type, b_id)
        if existing is not None:
            if metadata is not None:
                existing.metadata = metadata
            return existing
        new = Link(a_type, a_id, b_type, b_id, metadata)
        self.links.append(new)
        return new

    def unlink(self, a_type: str, a_id: int, b_type: str, b_id: int) -> bool:
        """Remove the relation between two entities; return whether one existed."""
        existing = self.find_link(a_type, a_id, b_type, b_id)
        if existing is None:
            return False
        self.links.remove(existing)
        return True

    def tag_id(self, name: str, ids: IdSequence) -> int:
        """Return the id of a tag name, creating it on first use."""
        if name not in self.tag_ids:
            self.tag_ids[name] = ids.next("tag")
        return self.tag_ids[name]
