"""Each account's index of contacts and companies, so a batch of 500 1C counterparties is matched without 500
searches: normalised phones, e-mails, INNs and the 1C id an entity carries, kept in the database.

Before a batch is matched the index reads only what amoCRM changed since it was last read (`updated_at`, 250 a
page); the first batch of an account reads everything. An entity amo1c creates carries its 1C id, so after a write
whose answer was lost the next refresh finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from backend.amocrm import AmoCRMClient, Company, Contact, Lead
from backend.models import IndexEntry, IndexMark
from backend.sync.companies import inn_digits
from backend.sync.phones import phone_digits

Party = Literal["contacts", "companies"]
# Seconds read again before the mark (the newest updated_at read): updated_at is whole seconds, and a write whose
# transaction began before the last page was read may commit after it with an earlier updated_at. Kept short: each
# refresh reads again whatever changed within it, amo1c's own writes of the batch before included.
OVERLAP = 3
CHUNK = 500  # rows a statement deletes or writes at most
READS_WHEN_SHIFTED = 3  # reads of one refresh at most, while entities keep being edited as it pages


def keys_of(found: Contact | Company | Lead, *, inn_field: int | None, id_field: int | None) -> set[str]:
    """The index keys an entity is found by: its phones (last 10 digits), e-mails, INN and 1C id."""
    phones, emails = (found.phones, found.emails) if not isinstance(found, Lead) else ((), ())
    keys = {f"phone:{phone_digits(p)}" for p in phones if len(phone_digits(p)) >= 5}
    keys |= {f"email:{e.strip().lower()}" for e in emails if e.strip()}
    if inn_field is not None and (inn := inn_digits(found.value_of(inn_field))) is not None:
        keys.add(f"inn:{inn}")
    if id_field is not None and (id_1c := found.value_of(id_field)):
        keys.add(f"id1c:{id_1c}")
    return keys


async def refresh(amo: AmoCRMClient, entity: Party, *, inn_field: int | None, id_field: int | None) -> int:
    """Bring the account's index of `entity` up to date with amoCRM; how many entities were read. Raises
    AmoCRMError (the mark then stays, so the next refresh reads the same again)."""
    mark, _ = await IndexMark.get_or_create(account_id=amo.account_id, entity=entity)
    since = max(0, int(mark.refreshed_until) - OVERLAP) if mark.refreshed_until else 0
    for _ in range(READS_WHEN_SHIFTED):
        read = await amo.changed_since(entity, since)
        changed = list({found.id: found for found in read}.values())  # the later sighting of each is the newer
        if len(changed) == len(read):
            break
        # an entity read twice was edited while the pages were read: amoCRM pages by offset, so moving it to the end
        # pushed another one past a page already read — read the same again (an edit elsewhere moves nothing read)
    await _replace(amo.account_id, entity, changed, inn_field=inn_field, id_field=id_field)
    newest = max((found.updated_at for found in changed), default=int(mark.refreshed_until))
    await IndexMark.filter(id=mark.id).update(refreshed_until=max(newest, int(mark.refreshed_until)))
    return len(changed)


async def lookup(account_id: int, entity: Party, keys: Iterable[str]) -> dict[str, int]:
    """The amoCRM id each of these keys finds (the newest entity when several share a key)."""
    wanted = sorted(set(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = (
            await IndexEntry.filter(account_id=account_id, entity=entity, key__in=wanted[start : start + CHUNK])
            .order_by("amo_id")
            .values_list("key", "amo_id")
        )
        found.update((str(key), int(amo_id)) for key, amo_id in rows)
    return found


async def _replace(
    account_id: int,
    entity: Party,
    entities: Sequence[Contact | Company | Lead],
    *,
    inn_field: int | None,
    id_field: int | None,
) -> None:
    ids = [found.id for found in entities]
    for start in range(0, len(ids), CHUNK):
        await IndexEntry.filter(account_id=account_id, entity=entity, amo_id__in=ids[start : start + CHUNK]).delete()
    rows = [
        IndexEntry(account_id=account_id, entity=entity, amo_id=found.id, key=key[:255])
        for found in entities
        for key in keys_of(found, inn_field=inn_field, id_field=id_field)
    ]
    for start in range(0, len(rows), CHUNK):
        await IndexEntry.bulk_create(rows[start : start + CHUNK])
