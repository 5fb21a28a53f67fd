"""Each account's custom fields and users, and each base's correspondence rows, cached; which field holds what 1C
sends (rows first, then names)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from backend.amocrm import AmoCRMClient, AmoCRMRejected, CustomField, User
from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.mapping import enabled_rows

logger = logging.getLogger("amo1c.fields")

FIELDS_TTL = 600.0  # seconds a cached list of an account's custom fields is trusted
CACHED_TABLES = 2000  # bases whose correspondence rows a worker keeps (the least recently used go first)
AmoEntity = Literal["contacts", "companies", "leads"]
ENTITY_OF_KIND: dict[MappingKind, AmoEntity] = {  # the amoCRM entity whose fields a correspondence table maps
    MappingKind.CONTACT: "contacts",
    MappingKind.COMPANY: "companies",
    MappingKind.LEAD: "leads",
}

# Field names amoCRM admins give these fields, for accounts that have no correspondence row for them.
WELL_KNOWN = {
    "inn": ("инн", "инн/унп", "унп", "inn"),
    "order_number": ("номер заказа 1с", "номер заказа в 1с", "номер заказа", "order number"),
    "link": ("ссылка на заказ 1с", "ссылка на заказ в 1с", "ссылка в 1с", "ссылка 1с"),
    "id_1c": ("id 1с", "id 1c", "id_1c", "идентификатор 1с", "guid 1с"),
}
# The text field amo1c adds to an entity type that has none for 1C's id: a created entity carries its id_1c there,
# so after a create whose answer was lost the retry finds it (amoCRM's `query` searches filled fields).
ID_FIELD_NAME = "ID 1С"


@dataclass
class _Tables:
    """A base's enabled correspondence rows by entity, read while its version (and creation time) was `stamp`."""

    stamp: tuple[datetime, int]
    rows: dict[MappingKind, tuple[FieldMapping, ...]] = dataclasses.field(default_factory=dict)


class FieldDirectory:
    """Caches each account's custom field lists for a while, so finding a field costs no call most of the time, and
    each base's correspondence rows until they change."""

    def __init__(self, clock: Any = time.monotonic, *, cached_tables: int = CACHED_TABLES) -> None:
        self._clock = clock
        self._cache: dict[tuple[int, str], tuple[float, list[CustomField]]] = {}
        self._users: dict[tuple[int, str], tuple[float, list[User]]] = {}
        self._tables: OrderedDict[int, _Tables] = OrderedDict()
        self._cached_tables = cached_tables

    async def rows(self, base: OneCBase, kind: MappingKind) -> tuple[FieldMapping, ...]:
        """The base's enabled correspondence rows of `kind` (mapping.enabled_rows), read from the database only when
        the base's `mapping_version` differs from the one they were read under.

        The version is read with the base itself (a column its triggers bump in the transaction that changes any row
        of it), so whichever worker changed the rows, the next call of every worker reads them again: rows kept under
        a version were read after it was committed, so they are never older than what the call saw.
        """
        stamp = (base.created_at, base.mapping_version)  # created_at: SQLite may give a new base a deleted one's id
        tables = self._tables.get(base.id)
        if tables is None or tables.stamp != stamp:
            tables = self._tables[base.id] = _Tables(stamp)
        self._tables.move_to_end(base.id)
        while len(self._tables) > self._cached_tables:
            self._tables.popitem(last=False)
        rows = tables.rows.get(kind)
        if rows is None:
            rows = tables.rows[kind] = tuple(await enabled_rows(base, kind))
        return rows

    async def fields(self, amo: AmoCRMClient, entity: AmoEntity) -> list[CustomField]:
        """The account's custom fields of `entity` (cached for FIELDS_TTL seconds); raises AmoCRMError."""
        key = (amo.account_id, entity)
        cached = self._cache.get(key)
        if cached is not None and self._clock() - cached[0] < FIELDS_TTL:
            return cached[1]
        fields = await amo.custom_fields(entity)
        self._cache[key] = (self._clock(), fields)
        return fields

    async def users(self, amo: AmoCRMClient) -> list[User]:
        """The account's users (cached for FIELDS_TTL seconds); raises AmoCRMError."""
        key = (amo.account_id, "users")
        cached = self._users.get(key)
        if cached is not None and self._clock() - cached[0] < FIELDS_TTL:
            return cached[1]
        users = await amo.users()
        self._users[key] = (self._clock(), users)
        return users

    def remember(self, account_id: int, entity: AmoEntity, field: CustomField) -> None:
        """Add a field amo1c just made to the account's cached list (when there is one)."""
        cached = self._cache.get((account_id, entity))
        if cached is not None:
            self._cache[(account_id, entity)] = (cached[0], [*cached[1], field])

    def forget(self, account_id: int) -> None:
        """Drop an account's cached fields (after an admin changed them)."""
        for key in [key for key in self._cache if key[0] == account_id]:
            del self._cache[key]
        self._users.pop((account_id, "users"), None)

    async def field_for(
        self, amo: AmoCRMClient, base: OneCBase, kind: MappingKind, entity: AmoEntity, meaning: str
    ) -> int | None:
        """The amoCRM field id for `meaning` ("inn", "order_number", "link"), or None when the account has none."""
        names = WELL_KNOWN[meaning]
        for row in await self.rows(base, kind):
            if row.onec_field.strip().lower() in (meaning, *names):
                return int(row.amo_field_id)
        for field in await self.fields(amo, entity):
            if field.name.strip().lower() in names or (field.code or "").lower() == meaning:
                return field.id
        return None


async def id_field(
    directory: FieldDirectory, amo: AmoCRMClient, base: OneCBase, kind: MappingKind, entity: AmoEntity
) -> int | None:
    """The field that holds 1C's id on `entity`, made (ID_FIELD_NAME) when the account has none; None when amoCRM
    refuses to make it (no right to). Raises AmoCRMError when amoCRM cannot be reached."""
    found = await directory.field_for(amo, base, kind, entity, "id_1c")
    if found is not None:
        return found
    try:
        field = await amo.create_custom_field(entity, ID_FIELD_NAME)
    except AmoCRMRejected as exc:
        logger.warning("account %s refused a field for 1C ids on %s: %s", amo.account_id, entity, exc)
        return None
    directory.remember(amo.account_id, entity, field)
    return field.id
