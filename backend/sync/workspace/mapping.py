"""The field correspondence page's operations for one account: a base's rows per entity, the amoCRM fields (users,
for Сотрудник) a row can name, adding, changing and deleting rows, and sending the table to 1C (`corr_table`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.amocrm.errors import AmoCRMError
from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.bases import remember_handlers_version
from backend.sync.directory import ENTITY_OF_KIND
from backend.sync.errors import NotFound, TooMany
from backend.sync.mapping import (
    EditedRow,
    InvalidRow,
    RowProblem,
    add_row,
    change_row,
    checked_row,
    listed_rows,
)
from backend.sync.payloads import corr_table_rows

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


@dataclass(frozen=True)
class Choice:
    """An amoCRM field (or user) the amoCRM side of a row can be."""

    id: int
    name: str


@dataclass(frozen=True)
class TableSent:
    """What sending the table to 1C did: how many rows went, the handlers version 1C answered."""

    count: int
    version: str


class Mapping:
    """What the field correspondence page reads and changes, scoped to the workspace's account.

    The account's fields are read once per Mapping (a request's): a failure to read them is remembered too, so
    the page's list and the check of a row agree.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._choices: dict[MappingKind, list[Choice] | AmoCRMError] = {}

    async def rows(self, base: OneCBase, kind: MappingKind) -> tuple[list[FieldMapping], int]:
        """The first MAX_MAPPING_ROWS rows of the base's `kind` table in the order they were added, and how many
        are stored; raises NotFound for another account's base."""
        return await listed_rows(self._own(base), kind)

    async def row(self, row_id: int) -> FieldMapping:
        """The account's row `row_id`; raises NotFound (another account's row included)."""
        row = await FieldMapping.get_or_none(id=row_id, base__account_id=self.workspace.account_id)
        if row is None:
            raise NotFound
        return row

    async def others_fields(self, stored: FieldMapping) -> set[int]:
        """The amoCRM fields the other rows of a stored row's table already map (a row can not take them)."""
        others = FieldMapping.filter(base_id=stored.base_id, kind=stored.kind).exclude(id=stored.id)
        return {row.amo_field_id for row in await others.only("id", "amo_field_id")}

    async def choices(self, kind: MappingKind) -> list[Choice]:
        """The account's fields of the entity (users for Сотрудник), from amoCRM or its cache; raises AmoCRMError,
        NotFound."""
        if kind not in self._choices:
            try:
                self._choices[kind] = await self._read_choices(kind)
            except AmoCRMError as exc:
                self._choices[kind] = exc
        choices = self._choices[kind]
        if isinstance(choices, AmoCRMError):
            raise choices
        return choices

    async def _read_choices(self, kind: MappingKind) -> list[Choice]:
        directory, amo = self.workspace.fields, await self.workspace.amo()
        if kind == MappingKind.USER:
            return [Choice(user.id, user.name) for user in await directory.users(amo)]
        return [Choice(field.id, field.name) for field in await directory.fields(amo, ENTITY_OF_KIND[kind])]

    def forget_choices(self) -> None:
        """Read the account's fields and users from amoCRM again next time (after an admin changed them)."""
        self._choices.clear()
        self.workspace.fields.forget(self.workspace.account_id)

    async def add(self, base: OneCBase, kind: MappingKind, edited: EditedRow) -> FieldMapping:
        """Add a row to the base's `kind` table; raises InvalidRow naming every field that is wrong (`rows` when the
        table is full), NotFound."""
        row = await checked_row(self._own(base).id, kind, edited, await self._known(kind))
        try:
            return await add_row(base, kind, row)
        except TooMany as exc:
            raise InvalidRow({"rows": RowProblem.TOO_MANY}, str(exc)) from None

    async def update(self, stored: FieldMapping, edited: EditedRow) -> FieldMapping:
        """Change one of the account's rows (from `row`); raises InvalidRow naming every field that is wrong."""
        kind = MappingKind(stored.kind)
        row = await checked_row(stored.base_id, kind, edited, await self._known(kind), existing=stored)
        return await change_row(stored, row)

    async def delete(self, row_id: int) -> None:
        """Delete the account's row `row_id`; raises NotFound."""
        await (await self.row(row_id)).delete()

    async def send_table(self, base: OneCBase, user_id: int | None) -> TableSent:
        """Send every field and user of the account to the base (`corr_table`, on behalf of `user_id`) and keep the
        handlers version 1C answers; raises AmoCRMError, OneCError, NotFound."""
        workspace = self.workspace
        rows = await corr_table_rows(await workspace.amo(), workspace.fields)
        version = await workspace.onec(base).corr_table(rows, user_id)
        await remember_handlers_version(base, version)
        return TableSent(len(rows), version)

    async def _known(self, kind: MappingKind) -> dict[int, str] | None:
        try:
            return {choice.id: choice.name for choice in await self.choices(kind)}
        except AmoCRMError:
            return None  # checked_row then accepts only a stored row's own field

    def _own(self, base: OneCBase) -> OneCBase:
        if base.account_id != self.workspace.account_id:
            raise NotFound  # a caller bug: bases come from this workspace
        return base
