"""1C's batches of counterparties (up to 500 contacts or companies per call), with the single calls' guarantees
and a fraction of their amoCRM requests.

Each item keeps the single call's rules: a link row claimed per (base, entity, id_1c) before anything is written
(concurrent batches and single calls agree on one entity), unchanged data costs nothing, a missing name refuses
only that item. What changes is how the rest is done: items are matched through the account's index
(sync.index, refreshed once per batch) instead of a search each; existing entities are read 250 a request and
written 50 a request; new ones are created 50 a request, each carrying its 1C id. When amoCRM fails ambiguously
(a 5xx such as 504, a timeout) the index is read again, what was created is recognised by its 1C id, and the rest
is retried in halves; a refusal (4xx) of a whole write is retried item by item, so it fails only the items at fault.
Items with an amoCRM `id` or without an `id_1c` take the single call's path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from backend.amocrm import AmoCRMClient, Company, CompanyDraft, Contact, ContactDraft
from backend.amocrm.errors import AmoCRMError
from backend.models import EntityKind, EntityLink, MappingKind, OneCBase
from backend.sync import index, links
from backend.sync.chunks import create_all, write_in_chunks
from backend.sync.companies import company_unchanged, inn_digits, prepare_company, sync_company
from backend.sync.contacts import CounterpartyInput, contact_draft, contact_unchanged, prepare_contact, sync_contact
from backend.sync.directory import FieldDirectory, id_field
from backend.sync.errors import SyncError
from backend.sync.find_or_create import require_name
from backend.sync.phones import phone_digits

logger = logging.getLogger("amo1c.batch")

MAX_ITEMS = 500
Party = Literal["contacts", "companies"]
Draft = ContactDraft | CompanyDraft


@dataclass(frozen=True)
class ItemResult:
    """One item's answer, in the batch's order: the amoCRM id, or what went wrong with this item alone."""

    id_1c: str | None
    success: bool
    data: int | None = None
    error: str | None = None


@dataclass
class _Item:
    """An item on the batch path: its input, what is written, its claimed link and (once known) its entity."""

    position: int
    data: CounterpartyInput
    draft: Draft
    digest: str
    claim: links.Claim
    amo_id: int | None = None
    keys: list[str] = field(default_factory=list)


async def sync_parties(
    amo: AmoCRMClient,
    base: OneCBase,
    directory: FieldDirectory,
    entity: Party,
    items: Sequence[CounterpartyInput | SyncError],
) -> list[ItemResult]:
    """Sync a batch of 1C counterparties of one kind; every item gets its answer, none fails another.

    Raises only what stops the whole batch before any item was written (the database unreachable).
    """
    results: list[ItemResult | None] = [None] * len(items)
    kind = EntityKind.CONTACT if entity == "contacts" else EntityKind.COMPANY
    inn_field = (
        await directory.field_for(amo, base, MappingKind.COMPANY, "companies", "inn")
        if kind == EntityKind.COMPANY
        else None
    )
    prepared: list[_Prepared] = []
    seen: set[str] = set()
    later: list[tuple[int, CounterpartyInput]] = []  # a 1C id met again: applied after the first, in order
    for position, item in enumerate(items):
        if isinstance(item, SyncError):
            results[position] = ItemResult(None, False, error=str(item))
        elif item.amo_id is not None or item.id_1c is None:
            results[position] = await _single(amo, base, directory, kind, item)
        elif item.id_1c in seen:
            later.append((position, item))
        else:
            seen.add(item.id_1c)
            ready = await _prepare(amo, base, directory, kind, item, position, inn_field)
            if isinstance(ready, ItemResult):
                results[position] = ready
            else:
                prepared.append(ready)
    batch = await _claim(base, kind, prepared, results) if prepared else []
    if batch:
        later += await _write(amo, base, directory, entity, batch, inn_field, results)
    for position, item in sorted(later, key=lambda pair: pair[0]):
        results[position] = await _single(amo, base, directory, kind, item)
    return [result or ItemResult(None, False, error="не обработан") for result in results]


async def _single(
    amo: AmoCRMClient, base: OneCBase, directory: FieldDirectory, kind: EntityKind, item: CounterpartyInput
) -> ItemResult:
    """The single call's path for an item the batch path does not take."""
    try:
        sync = sync_contact if kind == EntityKind.CONTACT else sync_company
        synced = await sync(amo, base, item, directory)
    except (SyncError, AmoCRMError) as exc:
        return ItemResult(item.id_1c, False, error=str(exc))
    return ItemResult(item.id_1c, True, data=synced.amo_id)


@dataclass
class _Prepared:
    """An item read and checked, before its link is claimed."""

    position: int
    data: CounterpartyInput
    draft: Draft
    digest: str


async def _prepare(
    amo: AmoCRMClient,
    base: OneCBase,
    directory: FieldDirectory,
    kind: EntityKind,
    item: CounterpartyInput,
    position: int,
    inn_field: int | None,
) -> _Prepared | ItemResult:
    """What an item writes and its digest, or its answer when it is refused."""
    try:
        if kind == EntityKind.CONTACT:
            custom, digest = await prepare_contact(amo, base, item, directory)
            draft: Draft = contact_draft(item, custom, None)
        else:
            draft, digest = await prepare_company(amo, base, item, directory, inn_field)
    except (SyncError, AmoCRMError) as exc:
        return ItemResult(item.id_1c, False, error=str(exc))
    return _Prepared(position, item, draft, digest)


async def _claim(
    base: OneCBase, kind: EntityKind, prepared: list[_Prepared], results: list[ItemResult | None]
) -> list[_Item]:
    """Claim the prepared items' links together; answer those another call holds and those unchanged since amo1c
    last wrote them, and return the rest, which the batch writes."""
    claims = await links.claim_all(base, kind, [item.data.id_1c or "" for item in prepared])
    batch: list[_Item] = []
    moved: list[tuple[EntityLink, int, str, str | None]] = []
    for item in prepared:
        claim = claims[item.data.id_1c or ""]
        if isinstance(claim, SyncError):
            results[item.position] = ItemResult(item.data.id_1c, False, error=str(claim))
            continue
        link = claim.link
        if link.amo_id is not None and link.fingerprint == item.digest:
            if item.data.link is not None and item.data.link != link.link:
                moved.append((link, int(link.amo_id), item.digest, item.data.link))
            results[item.position] = ItemResult(item.data.id_1c, True, data=int(link.amo_id))
            continue
        amo_id = int(link.amo_id) if link.amo_id is not None else None
        batch.append(_Item(item.position, item.data, item.draft, item.digest, claim, amo_id))
    await links.settle_all(moved)
    return batch


async def _write(
    amo: AmoCRMClient,
    base: OneCBase,
    directory: FieldDirectory,
    entity: Party,
    batch: list[_Item],
    inn_field: int | None,
    results: list[ItemResult | None],
) -> list[tuple[int, CounterpartyInput]]:
    """Match the unlinked items, write updates and creates in chunks, settle or abandon every claim. Answers the
    items left to the single call's path: those that share a phone, e-mail or INN with an item before them that
    nothing matched, so that, as one call after another, they find the entity that item creates."""
    kind_name = MappingKind.CONTACT if entity == "contacts" else MappingKind.COMPANY
    field_of_1c_id = await id_field(directory, amo, base, kind_name, entity)
    failed: dict[int, str] = {}
    deferred: list[tuple[int, CounterpartyInput]] = []
    try:
        await _match(amo, entity, [item for item in batch if item.amo_id is None], inn_field, field_of_1c_id)
        for item in _sharing(batch):
            await links.abandon(item.claim)
            batch.remove(item)
            deferred.append((item.position, item.data))
        existing = await _existing(amo, entity, [item for item in batch if item.amo_id is not None])
        updates = [item for item in batch if item.amo_id is not None and item.amo_id in existing]
        creates = [item for item in batch if item.amo_id is None or item.amo_id not in existing]
        for item in creates:
            item.amo_id = None  # linked once but deleted in amoCRM since: made again, like the single call
        await _update(amo, entity, updates, existing, failed)
        await _create(amo, entity, creates, inn_field, field_of_1c_id, failed)
    except AmoCRMError as exc:  # the index or the reads failed: no item of the batch path was written
        for item in batch:
            failed.setdefault(item.position, str(exc))
    await conclude(batch, failed, results)
    return deferred


class _Sent(Protocol):
    """What 1C sent of an item: its 1C id and link."""

    @property
    def id_1c(self) -> str | None: ...
    @property
    def link(self) -> str | None: ...


class Written(Protocol):
    """An item of a batch's writes: where it stands, its claimed link, what it wrote and its entity once known."""

    position: int
    claim: links.Claim
    amo_id: int | None

    @property
    def data(self) -> _Sent: ...
    @property
    def digest(self) -> str: ...


async def conclude(batch: Sequence[Written], failed: dict[int, str], results: list[ItemResult | None]) -> None:
    """Answer every item of a batch's writes: a failed one (or one left without an entity) gives its claim up and
    answers why; the others' links are settled together with their entity and digest."""
    settled: list[tuple[EntityLink, int, str, str | None]] = []
    for item in batch:
        if item.position in failed or item.amo_id is None:
            await links.abandon(item.claim)
            error = failed.get(item.position, "не записан")
            results[item.position] = ItemResult(item.data.id_1c, False, error=error)
        else:
            settled.append((item.claim.link, item.amo_id, item.digest, item.data.link))
            results[item.position] = ItemResult(item.data.id_1c, True, data=item.amo_id)
    await links.settle_all(settled)


def _sharing(batch: list[_Item]) -> list[_Item]:
    """The unmatched items one of whose keys (but the 1C id) an earlier unmatched item of the batch has too."""
    taken: set[str] = set()
    sharing = []
    for item in batch:
        if item.amo_id is not None:
            continue
        keys = {key for key in item.keys if not key.startswith("id1c:")}
        if keys & taken:
            sharing.append(item)
        else:
            taken |= keys
    return sharing


async def _match(
    amo: AmoCRMClient, entity: Party, unlinked: list[_Item], inn_field: int | None, field_of_1c_id: int | None
) -> None:
    """Find existing entities for unlinked items through the refreshed index: its 1C id first, then phones and
    e-mails (contacts) or the INN (companies)."""
    if not unlinked:
        return
    await index.refresh(amo, entity, inn_field=inn_field, id_field=field_of_1c_id)
    for item in unlinked:
        data = item.data
        item.keys = [f"id1c:{data.id_1c}"]
        if entity == "contacts":
            item.keys += [f"phone:{phone_digits(p)}" for p in data.phones if len(phone_digits(p)) >= 5]
            item.keys += [f"email:{e}" for e in data.emails]
        elif (inn := inn_digits(data.inn)) is not None:
            item.keys.append(f"inn:{inn}")
    found = await index.lookup(amo.account_id, entity, [key for item in unlinked for key in item.keys])
    for item in unlinked:
        item.amo_id = next((found[key] for key in item.keys if key in found), None)


async def _existing(amo: AmoCRMClient, entity: Party, known: list[_Item]) -> dict[int, Contact | Company]:
    ids = sorted({item.amo_id for item in known if item.amo_id is not None})
    return {found.id: found for found in await amo.by_id(entity, ids)}


async def _update(
    amo: AmoCRMClient,
    entity: Party,
    items: list[_Item],
    existing: dict[int, Contact | Company],
    failed: dict[int, str],
) -> None:
    """Write the known items' data, 50 a request, skipping what amoCRM already holds."""
    changes: list[tuple[_Item, Draft]] = []
    for item in items:
        current = existing[item.amo_id or 0]
        draft: Draft = item.draft
        if isinstance(current, Contact) and isinstance(draft, ContactDraft):
            merged = contact_draft(item.data, dict(draft.custom), current)
            draft, unchanged = merged, contact_unchanged(current, merged)
        elif isinstance(current, Company) and isinstance(draft, CompanyDraft):
            unchanged = company_unchanged(current, draft)
        else:
            unchanged = False
        if not unchanged:
            changes.append((item, draft))

    async def write(chunk: list[tuple[_Item, Draft]]) -> None:
        await amo.update_batch(entity, [(item.amo_id or 0, draft) for item, draft in chunk])

    await write_in_chunks(changes, write, failed, lambda change: change[0].position, resend=True)


async def _create(
    amo: AmoCRMClient,
    entity: Party,
    items: list[_Item],
    inn_field: int | None,
    field_of_1c_id: int | None,
    failed: dict[int, str],
) -> None:
    """Create the items nothing matched, 50 a request, each carrying its 1C id."""
    ready: list[_Item] = []
    for item in items:
        try:
            require_name(item.data.name)
        except SyncError as exc:
            failed[item.position] = str(exc)
            continue
        if field_of_1c_id is not None:
            item.draft = _with_1c_id(item.draft, field_of_1c_id, item.data.id_1c or "")
        ready.append(item)

    async def create(chunk: list[_Item]) -> list[int]:
        return await amo.create_batch(entity, [item.draft for item in chunk])

    async def recognise(chunk: list[_Item]) -> None:
        await index.refresh(amo, entity, inn_field=inn_field, id_field=field_of_1c_id)
        found = await index.lookup(amo.account_id, entity, [f"id1c:{item.data.id_1c}" for item in chunk])
        for item in chunk:
            item.amo_id = found.get(f"id1c:{item.data.id_1c}")

    await create_all(ready, create, recognise if field_of_1c_id is not None else None, failed)


def _with_1c_id(draft: Draft, field_id: int, id_1c: str) -> Draft:
    return replace(draft, custom={**draft.custom, field_id: id_1c})
