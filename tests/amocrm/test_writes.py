"""Writing through the client: contacts, companies and leads round-trip through the fake; notes; empty drafts."""

from __future__ import annotations

import pytest

from backend.amocrm import CompanyDraft, ContactDraft, LeadDraft
from tests.amocrm.rig import Rig, field_id


async def test_contact_round_trips_with_phones_emails_and_custom_values(rig: Rig) -> None:
    manager = list(rig.account.users)[1]
    position = field_id(rig, "contacts", "Должность")
    draft = ContactDraft(
        name="Иван Петров",
        responsible_user_id=manager,
        phones=("+7 999 123-45-67", "+7 495 000-00-00"),
        emails=("ivan@example.ru",),
        custom={position: "Директор"},
    )

    contact_id = await rig.client.create_contact(draft, request_id="1c-42")
    contact = await rig.client.get_contact(contact_id)

    assert contact is not None
    assert (contact.id, contact.name, contact.responsible_user_id) == (contact_id, "Иван Петров", manager)
    assert contact.phones == ("+7 999 123-45-67", "+7 495 000-00-00")
    assert contact.emails == ("ivan@example.ru",)
    assert contact.value_of(position) == "Директор"
    assert contact.company_id is None
    assert contact.updated_at > 0
    sent = next(r for r in rig.api_log() if r.method == "POST").body
    assert sent[0]["request_id"] == "1c-42"
    assert sent[0]["custom_fields_values"][0] == {
        "field_code": "PHONE",
        "values": [
            {"value": "+7 999 123-45-67", "enum_code": "WORK"},
            {"value": "+7 495 000-00-00", "enum_code": "WORK"},
        ],
    }


async def test_contact_update_changes_only_what_the_draft_names(rig: Rig) -> None:
    position = field_id(rig, "contacts", "Должность")
    contact_id = await rig.client.create_contact(
        ContactDraft(name="Иван", phones=("+79991234567",), custom={position: "Директор"})
    )

    await rig.client.update_contact(contact_id, ContactDraft(name="Иван Иванович", emails=("i@example.ru",)))
    updated = await rig.client.get_contact(contact_id)
    assert updated is not None
    assert (updated.name, updated.phones, updated.emails) == ("Иван Иванович", ("+79991234567",), ("i@example.ru",))
    assert updated.value_of(position) == "Директор"

    await rig.client.update_contact(contact_id, ContactDraft(custom={position: None}))
    cleared = await rig.client.get_contact(contact_id)
    assert cleared is not None
    assert cleared.value_of(position) is None
    assert cleared.name == "Иван Иванович"
    patch = [r for r in rig.api_log() if r.method == "PATCH"][-1]
    assert patch.path == f"/api/v4/contacts/{contact_id}"
    assert patch.body == {"custom_fields_values": [{"field_id": position, "values": None}]}


async def test_empty_draft_update_sends_nothing(rig: Rig) -> None:
    contact_id = await rig.client.create_contact(ContactDraft(name="Иван"))
    calls = rig.client.calls

    await rig.client.update_contact(contact_id, ContactDraft())

    assert rig.client.calls == calls
    assert [r.method for r in rig.api_log()] == ["POST"]


async def test_company_round_trips_and_is_found(rig: Rig) -> None:
    inn = field_id(rig, "companies", "ИНН")
    company_id = await rig.client.create_company(
        CompanyDraft(
            name="ООО Вектор", phones=("+7 812 555-44-33",), emails=("office@vector.ru",), custom={inn: "7701234567"}
        )
    )
    await rig.client.update_company(company_id, CompanyDraft(name="ООО «Вектор»"))

    company = await rig.client.get_company(company_id)
    found = await rig.client.find_companies("7701234567")

    assert company is not None
    assert (company.name, company.phones, company.emails) == (
        "ООО «Вектор»",
        ("+7 812 555-44-33",),
        ("office@vector.ru",),
    )
    assert company.value_of(inn) == "7701234567"
    assert found == [company]


async def test_lead_links_contacts_and_a_company(rig: Rig) -> None:
    first = await rig.client.create_contact(ContactDraft(name="Иван"))
    second = await rig.client.create_contact(ContactDraft(name="Мария"))
    company = await rig.client.create_company(CompanyDraft(name="ООО Вектор"))
    order = field_id(rig, "leads", "Номер заказа 1С")
    wholesale = next(p for p in rig.account.pipelines.values() if not p.is_main)
    stage = wholesale.statuses[2]

    lead_id = await rig.client.create_lead(
        LeadDraft(
            name="Заказ 00042",
            price=150_000,
            pipeline_id=wholesale.id,
            status_id=stage.id,
            contact_ids=(first, second),
            main_contact_id=second,
            company_id=company,
            custom={order: "00042"},
        ),
        request_id="order-42",
    )
    lead = await rig.client.get_lead(lead_id)

    assert lead is not None
    assert (lead.name, lead.price, lead.pipeline_id, lead.status_id) == ("Заказ 00042", 150_000, wholesale.id, stage.id)
    assert set(lead.contact_ids) == {first, second}
    assert lead.main_contact_id == second
    assert lead.company_id == company
    assert lead.value_of(order) == "00042"
    assert "with=contacts" in rig.api_log()[-1].query
    contact = await rig.client.get_contact(first)
    assert contact is not None
    assert contact.company_id is None  # linking the lead does not link its contacts to the company


async def test_lead_update_moves_the_stage_and_is_found_with_its_contacts(rig: Rig) -> None:
    contact = await rig.client.create_contact(ContactDraft(name="Иван"))
    order = field_id(rig, "leads", "Номер заказа 1С")
    lead_id = await rig.client.create_lead(LeadDraft(name="Заказ 7", contact_ids=(contact,), custom={order: "A-7"}))

    await rig.client.update_lead(lead_id, LeadDraft(status_id=142, pipeline_id=rig.account.main_pipeline().id))
    found = await rig.client.find_leads("A-7")

    assert [lead.id for lead in found] == [lead_id]
    assert found[0].status_id == 142
    assert found[0].contact_ids == (contact,)
    assert found[0].main_contact_id == contact


async def test_note_is_added_to_a_lead(rig: Rig) -> None:
    lead_id = await rig.client.create_lead(LeadDraft(name="Заказ"))

    note_id = await rig.client.add_note("leads", lead_id, "Счёт 17 оплачен в 1С")

    note = rig.account.notes[note_id]
    assert (note.entity_type, note.entity_id, note.note_type) == ("leads", lead_id, "common")
    assert note.params == {"text": "Счёт 17 оплачен в 1С"}


async def test_note_refuses_an_unknown_entity(rig: Rig) -> None:
    with pytest.raises(ValueError, match="leads"):
        await rig.client.add_note("tasks", 1, "x")  # type: ignore[arg-type]
    assert rig.api_log() == []
