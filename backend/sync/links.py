"""Claims on the link table: how concurrent calls about one 1C object agree on one amoCRM entity.

The unique (base, kind, id_1c) row is inserted *before* anything is created in amoCRM, with no amoCRM id yet.
Whoever inserts it owns the work; the others wait for its amoCRM id. The database decides, so this holds
across processes and workers. An owner that failed leaves the row abandoned (amo_id still null, dated in the
past); the next call takes it over and looks the entity up in amoCRM first, because amoCRM may have created it
before the failure was seen.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from tortoise.exceptions import IntegrityError

from backend.models import EntityKind, EntityLink, OneCBase
from backend.sync.errors import Conflict
from backend.sync.statements import Statement, columns, instance

STALE_CLAIM = timedelta(minutes=2)  # longer than any owner's amoCRM calls with their retries
WAIT_FOR_OWNER = 25.0  # seconds a concurrent call waits for the owner's result before answering 409
POLL_INTERVAL = 0.05
ABANDONED_AT = datetime(2000, 1, 1, tzinfo=UTC)
CLAIM_CHUNK = 500  # 1C ids a statement of claim_all names at most


@dataclass
class Claim:
    """The link row of a 1C object and whether this call owns the work of finding or creating its entity."""

    link: EntityLink
    owned: bool
    recovering: bool  # an earlier owner failed: the entity may already exist in amoCRM


def fingerprint(*parts: Any) -> str:
    """A 64-hex digest of JSON-able parts (used to skip sending unchanged data to amoCRM)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


async def claim(base: OneCBase, kind: EntityKind, id_1c: str, *, wait: float = WAIT_FOR_OWNER) -> Claim:
    """The link of (base, kind, id_1c), claiming it when no entity is known yet; raises Conflict after `wait`."""
    deadline = time.monotonic() + wait
    while True:
        link = await _read_link(base, kind, id_1c)
        if link is None:
            try:
                return Claim(await EntityLink.create(base_id=base.id, kind=kind, id_1c=id_1c), True, False)
            except IntegrityError:
                continue  # another call inserted it first: read it again
        if link.amo_id is not None:
            return Claim(link, False, False)
        if datetime.now(UTC) - link.updated_at >= STALE_CLAIM:
            taken = await EntityLink.filter(id=link.id, amo_id=None, updated_at=link.updated_at).update(
                updated_at=datetime.now(UTC)
            )
            if taken:
                await link.refresh_from_db()
                return Claim(link, True, True)
            continue
        if time.monotonic() >= deadline:
            raise Conflict(f"объект 1С {id_1c} сейчас синхронизируется другим запросом; повторите запрос позже")
        await asyncio.sleep(POLL_INTERVAL)


async def claim_all(base: OneCBase, kind: EntityKind, ids_1c: Iterable[str]) -> dict[str, Claim | Conflict]:
    """claim(wait=0) for many 1C objects in a few statements (a batch's): the links that exist read at once, the
    missing ones inserted together; an object another call holds answers Conflict. When an insert meets a row a
    concurrent call has just inserted, those objects are claimed one by one."""
    wanted = list(dict.fromkeys(ids_1c))
    claims: dict[str, Claim | Conflict] = {}
    for start in range(0, len(wanted), CLAIM_CHUNK):
        chunk = wanted[start : start + CLAIM_CHUNK]
        found = {str(link.id_1c): link for link in await EntityLink.filter(base_id=base.id, kind=kind, id_1c__in=chunk)}
        missing = [id_1c for id_1c in chunk if id_1c not in found]
        if missing:
            try:
                await EntityLink.bulk_create([EntityLink(base_id=base.id, kind=kind, id_1c=id_1c) for id_1c in missing])
            except IntegrityError:
                for id_1c in missing:
                    claims[id_1c] = await _claim_now(base, kind, id_1c)
            else:
                inserted = await EntityLink.filter(base_id=base.id, kind=kind, id_1c__in=missing)
                claims.update((str(link.id_1c), Claim(link, True, False)) for link in inserted)
        for id_1c, link in found.items():
            if link.amo_id is not None:
                claims[id_1c] = Claim(link, False, False)
            else:  # held by another call, or abandoned: the single claim decides which
                claims[id_1c] = await _claim_now(base, kind, id_1c)
    return claims


async def _claim_now(base: OneCBase, kind: EntityKind, id_1c: str) -> Claim | Conflict:
    try:
        return await claim(base, kind, id_1c, wait=0)
    except Conflict as exc:
        return exc


async def settle_all(settled: Iterable[tuple[EntityLink, int, str, str | None]]) -> None:
    """settle() for many links (link, amoCRM id, digest, link URL) by one prepared statement run for each."""
    now = datetime.now(UTC)
    params = []
    for link, amo_id, digest, link_url in settled:
        link.amo_id, link.fingerprint, link.updated_at = amo_id, digest, now
        if link_url is not None:
            link.link = link_url
        params.append((amo_id, digest, link.link, now, link.id))
    if params:
        await _settle_statement().run_many(params)


@cache
def _settle_statement() -> Statement:
    # $1 amoCRM id, $2 fingerprint, $3 link URL, $4 updated_at, $5 the link row
    return Statement(
        'UPDATE "entity_link" SET "amo_id" = $1, "fingerprint" = $2, "link" = $3, "updated_at" = $4 WHERE "id" = $5'
    )


@cache
def _link_statement() -> Statement:
    # $1 base, $2 kind, $3 id_1c: the unique link row of a 1C object (every call about a known object reads it)
    return Statement(
        f'SELECT {columns(EntityLink, "l")} FROM "entity_link" l '
        'WHERE l."base_id" = $1 AND l."kind" = $2 AND l."id_1c" = $3'
    )


@dataclass(frozen=True)
class _ReadWithBase:
    """The link rows of one 1C id, read in the very query that found the call's base (sync.access.admit_call)."""

    base: OneCBase
    id_1c: str
    links: dict[EntityKind, EntityLink]  # a kind without a row is absent


_read_with_base: ContextVar[_ReadWithBase | None] = ContextVar("amo1c_links_read_with_base", default=None)


def read_with_base(base: OneCBase | None, id_1c: str | None, found: Iterable[EntityLink]) -> None:
    """Remember the links of `id_1c` read together with this call's `base` (None: nothing was), so the call's claim
    of that object needs no query of its own. Only a claim given that very base instance uses them, once: another
    call, or a second look in the same call, reads the table again."""
    known = _ReadWithBase(base, id_1c, {EntityKind(link.kind): link for link in found}) if base and id_1c else None
    _read_with_base.set(known)


async def _read_link(base: OneCBase, kind: EntityKind, id_1c: str) -> EntityLink | None:
    known = _read_with_base.get()
    if known is not None and known.base is base and known.id_1c == id_1c:
        _read_with_base.set(None)
        return known.links.get(EntityKind(kind))
    rows = await _link_statement().rows(base.id, EntityKind(kind).value, id_1c)
    return instance(EntityLink, rows[0]) if rows else None


async def settle(link: EntityLink, amo_id: int, digest: str, link_url: str | None) -> None:
    """Record the amoCRM entity of a link and the fingerprint of the data now in amoCRM."""
    link.amo_id = amo_id
    link.fingerprint = digest
    if link_url is not None:
        link.link = link_url
    await link.save(update_fields=["amo_id", "fingerprint", "link", "updated_at"])


async def abandon(claimed: Claim) -> None:
    """Give up an owned claim after a failure so the next call takes it over at once."""
    if claimed.owned:
        await EntityLink.filter(id=claimed.link.id, amo_id=None).update(updated_at=ABANDONED_AT)


async def forget(link: EntityLink) -> None:
    """The linked amoCRM entity is gone (deleted in amoCRM): keep the row but as unresolved, owned by this call."""
    link.amo_id = None
    link.fingerprint = None
    await link.save(update_fields=["amo_id", "fingerprint", "updated_at"])


async def link_of_amo_entity(base: OneCBase, kind: EntityKind, amo_id: int) -> EntityLink | None:
    """The link of an amoCRM entity in a base, if it has one (the newest when several 1C objects map to it)."""
    return await EntityLink.filter(base_id=base.id, kind=kind, amo_id=amo_id).order_by("-updated_at").first()


async def links_of_1c_objects(base: OneCBase, kind: EntityKind, ids_1c: Iterable[str]) -> dict[str, EntityLink]:
    """The links of those of these 1C objects ever synced, by 1C id, CLAIM_CHUNK a statement."""
    wanted = list(dict.fromkeys(ids_1c))
    found: dict[str, EntityLink] = {}
    for start in range(0, len(wanted), CLAIM_CHUNK):
        chunk = wanted[start : start + CLAIM_CHUNK]
        found.update(
            (str(link.id_1c), link) for link in await EntityLink.filter(base_id=base.id, kind=kind, id_1c__in=chunk)
        )
    return found


async def keep_link(base: OneCBase, kind: EntityKind, amo_id: int, link_url: str) -> None:
    """Keep the link 1C sent for an entity it named by amoCRM id alone: on the entity's link row, or a row of its
    own without a 1C id."""
    existing = await link_of_amo_entity(base, kind, amo_id)
    if existing is None:
        await EntityLink.create(base_id=base.id, kind=kind, amo_id=amo_id, id_1c=None, link=link_url)
    elif existing.link != link_url:
        existing.link = link_url
        await existing.save(update_fields=["link", "updated_at"])
