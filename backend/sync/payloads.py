"""What amo1c sends into 1C (spec section 1), built from amoCRM data and the base's correspondence rows."""

from __future__ import annotations

from typing import Any

from backend.amocrm import AmoCRMClient, Company, Contact, Lead
from backend.models import EntityKind, EntityLink, MappingKind, OneCBase
from backend.sync.directory import FieldDirectory
from backend.sync.errors import Conflict, NotFound
from backend.sync.mapping import enabled_rows

ENTITY_NAMES = {
    MappingKind.CONTACT: "Контакт",
    MappingKind.COMPANY: "Компания",
    MappingKind.LEAD: "Сделка",
    MappingKind.USER: "Сотрудник",
}


class MissingInn(Conflict):
    """A company has no INN/УНП, which 1C requires for a legal entity: the entity's state, not the call, stands in
    the way (a conflict); the message tells the manager so."""


class EntityMissing(NotFound):
    """The amoCRM entity a button refers to does not exist (deleted, or not visible to the integration)."""


async def linked_id_1c(base: OneCBase, kind: EntityKind, amo_id: int) -> str | None:
    """The 1C id an amoCRM entity is linked to in a base, if any (the newest link when there are several)."""
    link = (
        await EntityLink.filter(base_id=base.id, kind=kind, amo_id=amo_id, id_1c__not_isnull=True)
        .order_by("-updated_at")
        .first()
    )
    return None if link is None else link.id_1c


async def mapped_fields(base: OneCBase, kind: MappingKind, entity: Contact | Company | Lead) -> dict[str, str]:
    """`p_<amo field id>` → the entity's value, for every enabled correspondence row that has a value."""
    values: dict[str, str] = {}
    for row in await enabled_rows(base, kind):
        value = entity.value_of(int(row.amo_field_id))
        if value not in (None, ""):
            values[f"p_{row.amo_field_id}"] = str(value)
    return values


async def contact_payload(base: OneCBase, contact: Contact) -> dict[str, Any]:
    """A contact as 1C's `new_lead` / `new_order` expect it (spec 1.2, individual)."""
    payload: dict[str, Any] = {
        "id": contact.id,
        "name": contact.name,
        "responsible_user_id": contact.responsible_user_id,
    }
    if contact.phones:
        payload["phone"] = contact.phones[0]
    if contact.emails:
        payload["email"] = contact.emails[0]
    id_1c = await linked_id_1c(base, EntityKind.CONTACT, contact.id)
    if id_1c is not None:
        payload["id_1c"] = id_1c
    payload.update(await mapped_fields(base, MappingKind.CONTACT, contact))
    return payload


async def company_payload(
    amo: AmoCRMClient, directory: FieldDirectory, base: OneCBase, company: Company
) -> dict[str, Any]:
    """A company as 1C expects it (spec 1.2, legal entity); raises MissingInn when it has no INN."""
    inn_field = await directory.field_for(amo, base, MappingKind.COMPANY, "companies", "inn")
    inn = company.value_of(inn_field) if inn_field is not None else None
    if not inn or not any(ch.isdigit() for ch in inn):
        where = "в поле «ИНН»" if inn_field is not None else "(в аккаунте нет поля «ИНН» — добавьте его)"
        raise MissingInn(f"У компании «{company.name}» не заполнен ИНН {where}: 1С не создаст юр. лицо без ИНН.")
    payload: dict[str, Any] = {
        "id": company.id,
        "name": company.name,
        "responsible_user_id": company.responsible_user_id,
        "inn": "".join(ch for ch in inn if ch.isdigit()),
    }
    id_1c = await linked_id_1c(base, EntityKind.COMPANY, company.id)
    if id_1c is not None:
        payload["id_1c"] = id_1c
    payload.update(await mapped_fields(base, MappingKind.COMPANY, company))
    return payload


async def order_payload(amo: AmoCRMClient, directory: FieldDirectory, base: OneCBase, lead: Lead) -> dict[str, Any]:
    """A deal with its main contact and company as 1C's `new_order` expects it (spec 1.3).

    Raises MissingInn when the deal's company has no INN, AmoCRMError when amoCRM cannot be read.
    """
    clients: dict[str, Any] = {}
    main_contact = lead.main_contact_id or (lead.contact_ids[0] if lead.contact_ids else None)
    if main_contact is not None:
        contact = await amo.get_contact(main_contact)
        if contact is not None:
            clients["contact"] = await contact_payload(base, contact)
    if lead.company_id is not None:
        company = await amo.get_company(lead.company_id)
        if company is not None:
            clients["company"] = await company_payload(amo, directory, base, company)
    payload: dict[str, Any] = {
        "id": lead.id,
        "name": lead.name,
        "responsible_user_id": lead.responsible_user_id,
        "clients": clients,
    }
    id_1c = await linked_id_1c(base, EntityKind.LEAD, lead.id)
    if id_1c is not None:
        payload["id_1c"] = id_1c
    payload.update(await mapped_fields(base, MappingKind.LEAD, lead))
    return payload


async def corr_table_rows(amo: AmoCRMClient, directory: FieldDirectory) -> list[dict[str, Any]]:
    """The account's amoCRM fields per entity and its users (as Сотрудник), for 1C's `corr_table` (spec 1.5)."""
    rows: list[dict[str, Any]] = []
    for entity, kind in (
        ("contacts", MappingKind.CONTACT),
        ("companies", MappingKind.COMPANY),
        ("leads", MappingKind.LEAD),
    ):
        for field in await directory.fields(amo, entity):  # type: ignore[arg-type]
            rows.append({"amo_name": field.name, "amo_id": field.id, "entity_name": ENTITY_NAMES[kind]})
    for user in await directory.users(amo):
        rows.append({"amo_name": user.name, "amo_id": user.id, "entity_name": ENTITY_NAMES[MappingKind.USER]})
    return rows
