"""1C legal entities (юр. контрагенты) ↔ amoCRM companies (spec 2.4): matched by id, link, then INN."""

from __future__ import annotations

from dataclasses import replace

from backend.amocrm import AmoCRMClient, Company, CompanyDraft
from backend.models import EntityKind, MappingKind, OneCBase
from backend.sync.contacts import CounterpartyInput
from backend.sync.directory import FieldDirectory, id_field
from backend.sync.find_or_create import Plan, Synced, recovered, require_name, sync_entity
from backend.sync.links import fingerprint
from backend.sync.values import CustomValues, check_user, checked, collect


def inn_digits(inn: str | None) -> str | None:
    """An INN/УНП reduced to its digits (1C may send it with spaces), or None when it has none."""
    digits = "".join(ch for ch in inn or "" if ch.isdigit())
    return digits or None


async def sync_company(amo: AmoCRMClient, base: OneCBase, data: CounterpartyInput, directory: FieldDirectory) -> Synced:
    """Find or create the company of a 1C legal entity and write 1C's data to it.

    Raises InvalidInput (a value amoCRM would refuse), AmoCRMError or Conflict.
    """
    inn = inn_digits(data.inn)
    inn_field = await directory.field_for(amo, base, MappingKind.COMPANY, "companies", "inn") if inn else None
    draft, digest = await prepare_company(amo, base, data, directory, inn_field)

    async def update(amo_id: int, previous: str | None) -> bool:
        if previous is None:  # never written by us: compare first, amoCRM may already hold the same data
            existing = await amo.get_company(amo_id)
            if existing is None:
                return False
            await _update_if_needed(amo, existing, draft)
            return True
        await amo.update_company(amo_id, draft)
        return True

    async def search(recovering: bool) -> int | None:
        if recovering and data.id_1c:  # a create of ours may have been applied with its answer lost
            field = await id_field(directory, amo, base, MappingKind.COMPANY, "companies")
            found = recovered(await amo.find_companies(data.id_1c), field, data.id_1c)
            if found is not None:
                await _update_if_needed(amo, found, draft)
                return found.id
        if inn is None:
            return None
        for company in await amo.find_companies(inn):
            values = [company.value_of(inn_field)] if inn_field is not None else _all_values(company)
            if inn in (inn_digits(value) for value in values):
                await _update_if_needed(amo, company, draft)
                return company.id
        return None

    async def create() -> int:
        require_name(data.name)
        new = draft
        if data.id_1c:
            field = await id_field(directory, amo, base, MappingKind.COMPANY, "companies")
            if field is not None:
                new = replace(draft, custom={**draft.custom, field: data.id_1c})
        return await amo.create_company(new)

    plan = Plan(EntityKind.COMPANY, digest, update, search, create)
    return await sync_entity(base, plan, given_id=data.amo_id, id_1c=data.id_1c, link_url=data.link)


async def prepare_company(
    amo: AmoCRMClient, base: OneCBase, data: CounterpartyInput, directory: FieldDirectory, inn_field: int | None
) -> tuple[CompanyDraft, str]:
    """What is written to the company (1C's fields, the INN in `inn_field`) and its digest; raises InvalidInput or
    AmoCRMError."""
    values = CustomValues()
    inn = inn_digits(data.inn)
    if inn is not None and inn_field is not None:
        values.put(inn_field, inn, "inn")
    collected = await collect(directory, base, MappingKind.COMPANY, data.raw)
    for field_id, value in collected.values.items():
        values.put(field_id, value, collected.keys[field_id])
    custom = await checked(amo, directory, "companies", values)
    await check_user(amo, directory, data.responsible_user_id)
    draft = CompanyDraft(name=data.name, responsible_user_id=data.responsible_user_id, custom=custom)
    return draft, fingerprint(data.name, data.responsible_user_id, sorted(custom.items()))


def company_unchanged(existing: Company, draft: CompanyDraft) -> bool:
    """Whether writing `draft` would change nothing in the company."""
    current = {value.field_id: (value.values[0] if value.values else None) for value in existing.custom}
    return (
        (draft.name is None or draft.name == existing.name)
        and (draft.responsible_user_id is None or draft.responsible_user_id == existing.responsible_user_id)
        and all(current.get(field_id) == value for field_id, value in draft.custom.items())
    )


def _all_values(company: Company) -> list[str | None]:
    return [value for custom in company.custom for value in custom.values]


async def _update_if_needed(amo: AmoCRMClient, existing: Company, draft: CompanyDraft) -> None:
    if not company_unchanged(existing, draft):
        await amo.update_company(existing.id, draft)
