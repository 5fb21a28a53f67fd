"""The one path every 1C object takes to its amoCRM entity: given id → link → search → create, never twice.

Each entity kind supplies a Plan (how to update, search and create it); `sync_entity` decides which to run,
skips amoCRM entirely when the data is unchanged since the last call, and keeps the link table right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from backend.amocrm import AmoCRMRejected, Company, Contact, Lead
from backend.models import EntityKind, OneCBase
from backend.sync import links
from backend.sync.errors import Conflict, InvalidInput

E = TypeVar("E", Contact, Company, Lead)
NOT_FOUND_STATUSES = (204, 404)
MISSING = {EntityKind.CONTACT: "контакта", EntityKind.COMPANY: "компании", EntityKind.LEAD: "сделки"}  # "нет …"


@dataclass
class Plan:
    """How to bring one kind of amoCRM entity in line with what 1C sent.

    update(amo_id, previous_digest) → False when the entity no longer exists in amoCRM;
    search(recovering) → the id of a matching existing entity (already brought in line), or None;
    create() → the id of a new entity.
    """

    kind: EntityKind
    digest: str
    update: Callable[[int, str | None], Awaitable[bool]]
    search: Callable[[bool], Awaitable[int | None]]
    create: Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Synced:
    """The amoCRM entity a 1C object maps to, and whether this call created it."""

    amo_id: int
    created: bool


async def sync_entity(
    base: OneCBase, plan: Plan, *, given_id: int | None, id_1c: str | None, link_url: str | None
) -> Synced:
    """Find or create the entity for a 1C object and write 1C's data to it; raises AmoCRMError or Conflict."""
    if id_1c is None:
        synced = await _resolve(plan, given_id=given_id, known_id=None, previous=None, recovering=False)
        if link_url is not None:
            await links.keep_link(base, plan.kind, synced.amo_id, link_url)
        return synced
    claimed = await links.claim(base, plan.kind, id_1c)
    link = claimed.link
    try:
        unchanged = link.amo_id is not None and link.fingerprint == plan.digest
        if unchanged and given_id in (None, link.amo_id) and link.amo_id is not None:
            if link_url is not None and link_url != link.link:
                await links.settle(link, link.amo_id, plan.digest, link_url)
            return Synced(link.amo_id, created=False)
        previous = link.fingerprint if given_id in (None, link.amo_id) else None
        synced = await _resolve(
            plan, given_id=given_id, known_id=link.amo_id, previous=previous, recovering=claimed.recovering
        )
    except BaseException:
        await links.abandon(claimed)
        raise
    await links.settle(link, synced.amo_id, plan.digest, link_url)
    return synced


async def _resolve(
    plan: Plan, *, given_id: int | None, known_id: int | None, previous: str | None, recovering: bool
) -> Synced:
    if given_id is not None:  # 1C named the entity: it is that one or none, never a new one
        if await _update(plan, given_id, previous if given_id == known_id else None):
            return Synced(given_id, created=False)
        raise Conflict(
            f'в amoCRM нет {MISSING[plan.kind]} {given_id} (поле "id"): сущность удалена в amoCRM или не существовала; '
            'ничего не создано и не изменено — пришлите запрос без "id", чтобы найти или создать её заново'
        )
    if known_id is not None and await _update(plan, known_id, previous):
        return Synced(known_id, created=False)
    found = await plan.search(recovering)
    if found is not None:
        return Synced(found, created=False)
    return Synced(await plan.create(), created=True)


async def _update(plan: Plan, amo_id: int, previous: str | None) -> bool:
    try:
        return await plan.update(amo_id, previous)
    except AmoCRMRejected as exc:
        if exc.status in NOT_FOUND_STATUSES:
            return False  # deleted in amoCRM since it was linked: find or create it again
        raise


def recovered(candidates: Sequence[E], field_id: int | None, id_1c: str | None) -> E | None:
    """The entity among search results whose 1C id field holds exactly `id_1c` (one amo1c created before its
    answer was lost), or None."""
    if field_id is None or not id_1c:
        return None
    return next((entity for entity in candidates if entity.value_of(field_id) == id_1c), None)


def require_name(name: str | None) -> None:
    """Raise InvalidInput naming `name` when a new contact or company would have none (updates never need it)."""
    if not name:
        raise InvalidInput(
            "name", 'не заполнено поле "name": без него в amoCRM не создать новую сущность (для изменения оно не нужно)'
        )
