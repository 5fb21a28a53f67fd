"""1C individuals (физ. контрагенты) ↔ amoCRM contacts (spec 2.3): matched by id, link, phone, then email."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from backend.amocrm import AmoCRMClient, Contact, ContactDraft, FieldValue
from backend.models import EntityKind, MappingKind, OneCBase
from backend.sync.directory import FieldDirectory, id_field
from backend.sync.find_or_create import Plan, Synced, recovered, require_name, sync_entity
from backend.sync.links import fingerprint
from backend.sync.phones import phone_digits, same_phones, split_values
from backend.sync.values import check_user, checked, collect

CHANNELS = slice(0, 32)  # the part of a contact's digest covering phones and emails


@dataclass(frozen=True)
class CounterpartyInput:
    """What 1C sends about a counterparty (spec 2.3/2.4), already validated."""

    amo_id: int | None
    id_1c: str | None
    link: str | None
    name: str | None
    responsible_user_id: int | None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    inn: str | None = None
    raw: dict[str, object] = field(default_factory=dict, hash=False)  # the whole body: p_ keys, mapped fields


def contact_input(
    *,
    amo_id: int | None,
    id_1c: str | None,
    link: str | None,
    name: str | None,
    responsible_user_id: int | None,
    phone: str | None,
    email: str | None,
    raw: dict[str, object],
) -> CounterpartyInput:
    """Build a contact's input, splitting "a, b" lists of phones and emails."""
    return CounterpartyInput(
        amo_id=amo_id,
        id_1c=id_1c,
        link=link,
        name=name,
        responsible_user_id=responsible_user_id,
        phones=split_values(phone),
        emails=tuple(email.lower() for email in split_values(email)),
        raw=raw,
    )


async def sync_contact(amo: AmoCRMClient, base: OneCBase, data: CounterpartyInput, directory: FieldDirectory) -> Synced:
    """Find or create the contact of a 1C individual and write 1C's data to it.

    Raises InvalidInput (a value amoCRM would refuse), AmoCRMError or Conflict.
    """
    custom, digest = await prepare_contact(amo, base, data, directory)

    def draft(existing: Contact | None) -> ContactDraft:
        return contact_draft(data, custom, existing)

    async def update(amo_id: int, previous: str | None) -> bool:
        if previous is not None and previous[CHANNELS] == digest[CHANNELS]:
            without_channels = ContactDraft(name=data.name, responsible_user_id=data.responsible_user_id, custom=custom)
            await amo.update_contact(amo_id, without_channels)
            return True
        existing = await amo.get_contact(amo_id)
        if existing is None:
            return False
        await _update_if_needed(amo, existing, draft(existing))
        return True

    async def search(recovering: bool) -> int | None:
        existing = None
        if recovering and data.id_1c:  # a create of ours may have been applied with its answer lost
            field = await id_field(directory, amo, base, MappingKind.CONTACT, "contacts")
            existing = recovered(await amo.find_contacts(data.id_1c), field, data.id_1c)
        existing = existing or await find_contact(amo, data.phones, data.emails)
        if existing is None:
            return None
        await _update_if_needed(amo, existing, draft(existing))
        return existing.id

    async def create() -> int:
        require_name(data.name)
        new = draft(None)
        if data.id_1c:
            field = await id_field(directory, amo, base, MappingKind.CONTACT, "contacts")
            if field is not None:
                new = replace(new, custom={**new.custom, field: data.id_1c})
        return await amo.create_contact(new)

    plan = Plan(EntityKind.CONTACT, digest, update, search, create)
    return await sync_entity(base, plan, given_id=data.amo_id, id_1c=data.id_1c, link_url=data.link)


async def prepare_contact(
    amo: AmoCRMClient, base: OneCBase, data: CounterpartyInput, directory: FieldDirectory
) -> tuple[dict[int, FieldValue | None], str]:
    """The custom values 1C sent, checked against the account, and the digest of everything the call writes;
    raises InvalidInput or AmoCRMError."""
    custom = await checked(amo, directory, "contacts", await collect(directory, base, MappingKind.CONTACT, data.raw))
    await check_user(amo, directory, data.responsible_user_id)
    channels = fingerprint(sorted(phone_digits(p) for p in data.phones), sorted(data.emails))
    return custom, channels[CHANNELS] + fingerprint(data.name, data.responsible_user_id, sorted(custom.items()))[:32]


def contact_draft(
    data: CounterpartyInput, custom: dict[int, FieldValue | None], existing: Contact | None
) -> ContactDraft:
    """What is written to a contact: 1C's fields, its phones and e-mails added to those a manager keeps."""
    phones, emails = data.phones, data.emails
    if existing is not None:  # PATCH replaces a multitext field whole: keep what managers added
        phones = _merged(existing.phones, phones, key=phone_digits)
        emails = _merged(existing.emails, emails, key=str.lower)
    return ContactDraft(
        name=data.name, responsible_user_id=data.responsible_user_id, phones=phones, emails=emails, custom=custom
    )


def contact_unchanged(existing: Contact, draft: ContactDraft) -> bool:
    """Whether writing `draft` would change nothing in the contact."""
    current = {value.field_id: (value.values[0] if value.values else None) for value in existing.custom}
    return (
        (draft.name is None or draft.name == existing.name)
        and (draft.responsible_user_id is None or draft.responsible_user_id == existing.responsible_user_id)
        and set(draft.phones) == set(existing.phones)
        and set(draft.emails) == set(existing.emails)
        and all(current.get(field_id) == value for field_id, value in draft.custom.items())
    )


async def find_contact(amo: AmoCRMClient, phones: tuple[str, ...], emails: tuple[str, ...]) -> Contact | None:
    """An existing contact with one of these phones, else one of these emails (exact matches only)."""
    for phone in phones:
        digits = phone_digits(phone)
        if len(digits) < 5:
            continue
        for contact in await amo.find_contacts(digits):
            if same_phones([phone], contact.phones):
                return contact
    for email in emails:
        for contact in await amo.find_contacts(email):
            if email.lower() in (known.lower() for known in contact.emails):
                return contact
    return None


async def _update_if_needed(amo: AmoCRMClient, existing: Contact, draft: ContactDraft) -> None:
    if not contact_unchanged(existing, draft):
        await amo.update_contact(existing.id, draft)


def _merged(existing: tuple[str, ...], ours: tuple[str, ...], *, key: Callable[[str], str]) -> tuple[str, ...]:
    normalize = key
    known = {normalize(value) for value in existing}
    return existing + tuple(value for value in ours if normalize(value) not in known)
