"""1C's batches of orders (up to 500 per call) with the single call's guarantees, written to amoCRM 50 deals a
request instead of one each.

Each item keeps sync.leads' rules: a deal is the one 1C names by `id`, or the one linked to its `id_1c`, or a new one
named «Заказ 1С №…» that carries its 1C id; unchanged orders cost nothing; links are claimed per (base, order) before
anything is written, so concurrent calls agree on one deal. Linked deals are read 250 a request (one deleted in
amoCRM since is made again, as the single call does) and changed ones written 50 a request; new ones are created 50
a request. When a create fails ambiguously (a 5xx, a timeout) the deals amoCRM changed in the last minutes are read
and those carrying the items' 1C ids are recognised; the rest is retried in halves. Items that name a deal by `id`,
repeat an `id_1c` of the batch, or whose earlier owner failed (the deal may exist: the single call searches for it)
take the single call's path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from backend.amocrm import AmoCRMClient, Company, Contact, Lead, LeadDraft
from backend.amocrm.errors import AmoCRMError
from backend.models import EntityKind, EntityLink, MappingKind, OneCBase
from backend.sync import links
from backend.sync.batch import ItemResult, conclude
from backend.sync.chunks import create_all, write_in_chunks
from backend.sync.directory import FieldDirectory, id_field
from backend.sync.errors import SyncError
from backend.sync.leads import OrderInput, PreparedOrder, linking_errors_as_input, new_deal, prepare_order, sync_lead

RECOVERY_WINDOW = 600  # seconds of amoCRM's changes read to recognise deals created before an answer was lost


@dataclass
class _Order:
    """An order on the batch path: its input, what it writes, its claimed link and (once known) its deal."""

    position: int
    data: OrderInput
    order: PreparedOrder
    claim: links.Claim
    amo_id: int | None = None

    @property
    def digest(self) -> str:
        """The digest of what the order writes (its link keeps it, so an unchanged order costs nothing)."""
        return self.order.digest


async def sync_orders(
    amo: AmoCRMClient, base: OneCBase, directory: FieldDirectory, items: Sequence[OrderInput | SyncError]
) -> list[ItemResult]:
    """Sync a batch of 1C orders; every item gets its answer, none fails another.

    Raises only what stops the whole batch before any item was written (the database unreachable).
    """
    results: list[ItemResult | None] = [None] * len(items)
    prepared: list[tuple[int, OrderInput, PreparedOrder]] = []
    seen: set[str] = set()
    later: list[tuple[int, OrderInput]] = []
    for position, item in enumerate(items):
        if isinstance(item, SyncError):
            results[position] = ItemResult(None, False, error=str(item))
        elif item.amo_id is not None or item.id_1c is None or item.id_1c in seen:
            later.append((position, item))
        else:
            seen.add(item.id_1c)
            try:
                prepared.append((position, item, await prepare_order(amo, base, item, directory)))
            except (SyncError, AmoCRMError) as exc:
                results[position] = ItemResult(item.id_1c, False, error=str(exc))
    batch = await _claim(base, prepared, results, later) if prepared else []
    if batch:
        await _write(amo, base, directory, batch, results)
    for position, item in sorted(later, key=lambda pair: pair[0]):
        try:
            synced = await sync_lead(amo, base, item, directory)
        except (SyncError, AmoCRMError) as exc:
            results[position] = ItemResult(item.id_1c, False, error=str(exc))
        else:
            results[position] = ItemResult(item.id_1c, True, data=synced.amo_id)
    return [result or ItemResult(None, False, error="не обработан") for result in results]


async def _claim(
    base: OneCBase,
    prepared: list[tuple[int, OrderInput, PreparedOrder]],
    results: list[ItemResult | None],
    later: list[tuple[int, OrderInput]],
) -> list[_Order]:
    """Claim the orders' links together; answer those another call holds and those unchanged, leave the ones an
    earlier owner failed to the single call (it searches for the deal), and return the rest."""
    claims = await links.claim_all(base, EntityKind.LEAD, [data.id_1c or "" for _, data, _ in prepared])
    batch: list[_Order] = []
    moved: list[tuple[EntityLink, int, str, str | None]] = []
    for position, data, order in prepared:
        claim = claims[data.id_1c or ""]
        if isinstance(claim, SyncError):
            results[position] = ItemResult(data.id_1c, False, error=str(claim))
            continue
        link = claim.link
        if link.amo_id is not None and link.fingerprint == order.digest:
            if data.link is not None and data.link != link.link:
                moved.append((link, int(link.amo_id), order.digest, data.link))
            results[position] = ItemResult(data.id_1c, True, data=int(link.amo_id))
        elif claim.recovering:
            await links.abandon(claim)
            later.append((position, data))
        else:
            amo_id = int(link.amo_id) if link.amo_id is not None else None
            batch.append(_Order(position, data, order, claim, amo_id))
    await links.settle_all(moved)
    return batch


async def _write(
    amo: AmoCRMClient,
    base: OneCBase,
    directory: FieldDirectory,
    batch: list[_Order],
    results: list[ItemResult | None],
) -> None:
    """Update the linked deals that still exist, create the others, settle or abandon every claim."""
    failed: dict[int, str] = {}
    try:
        known = sorted({item.amo_id for item in batch if item.amo_id is not None})
        existing = {lead.id for lead in await amo.by_id("leads", known)} if known else set()
        updates = [item for item in batch if item.amo_id in existing]
        creates = [item for item in batch if item.amo_id not in existing]
        for item in creates:
            item.amo_id = None  # linked once but deleted in amoCRM since: made again, like the single call
        field_of_1c_id = await id_field(directory, amo, base, MappingKind.LEAD, "leads") if creates else None
        await _update(amo, [item for item in updates if item.order.changes != LeadDraft()], failed)
        await _create(amo, creates, field_of_1c_id, failed)
    except AmoCRMError as exc:  # the read failed: nothing of the batch path was written
        for item in batch:
            failed.setdefault(item.position, str(exc))
    await conclude(batch, failed, results)


async def _update(amo: AmoCRMClient, items: list[_Order], failed: dict[int, str]) -> None:
    """Write the changed orders to their deals, 50 a request (a single one naming 1C's field amoCRM refused)."""

    async def write(chunk: list[_Order]) -> None:
        changes = amo.update_batch("leads", [(item.amo_id or 0, item.order.changes) for item in chunk])
        await (linking_errors_as_input(changes) if len(chunk) == 1 else changes)

    await write_in_chunks(items, write, failed, lambda item: item.position, resend=True)


async def _create(amo: AmoCRMClient, items: list[_Order], field_of_1c_id: int | None, failed: dict[int, str]) -> None:
    """Create the deals of new orders, 50 a request, each carrying its 1C id."""

    async def create(chunk: list[_Order]) -> list[int]:
        creating = amo.create_batch("leads", [new_deal(item.order, field_of_1c_id, item.data.id_1c) for item in chunk])
        return await (linking_errors_as_input(creating) if len(chunk) == 1 else creating)

    async def recognise(chunk: list[_Order]) -> None:
        assert field_of_1c_id is not None
        found = _by_1c_id(await amo.changed_since("leads", int(time.time()) - RECOVERY_WINDOW), field_of_1c_id)
        for item in chunk:
            item.amo_id = found.get(item.data.id_1c or "")

    await create_all(items, create, recognise if field_of_1c_id is not None else None, failed)


def _by_1c_id(leads: Sequence[Contact | Company | Lead], field_of_1c_id: int) -> dict[str, int]:
    """The deals among `leads` by the 1C id they carry (the newest when two do)."""
    found: dict[str, int] = {}
    for lead in sorted(leads, key=lambda lead: lead.id):
        if id_1c := lead.value_of(field_of_1c_id):
            found[str(id_1c)] = lead.id
    return found
