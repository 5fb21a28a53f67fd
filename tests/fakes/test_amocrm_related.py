"""FakeAmoCRM notes and links, and that links made either way are one relation."""

from __future__ import annotations

from tests.fakes.amocrm_helpers import open_session


async def test_amocrm_notes_add_and_list() -> None:
    async with open_session() as s:
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        none_yet = await s.get(f"/api/v4/leads/{lead_id}/notes")
        added = await s.post(
            f"/api/v4/leads/{lead_id}/notes",
            [
                {"note_type": "common", "params": {"text": "Заказ выгружен в 1С"}, "request_id": "n1"},
                {"note_type": "common", "params": {"text": "Оплачен"}},
            ],
        )
        listed = await s.get(f"/api/v4/leads/{lead_id}/notes")
    assert none_yet.status_code == 204
    assert none_yet.content == b""
    assert added.status_code == 200
    answers = added.json()["_embedded"]["notes"]
    assert [(a["entity_id"], a["request_id"]) for a in answers] == [(lead_id, "n1"), (lead_id, "1")]
    assert listed.status_code == 200
    notes = listed.json()["_embedded"]["notes"]
    assert [n["params"]["text"] for n in notes] == ["Заказ выгружен в 1С", "Оплачен"]
    assert [n["id"] for n in notes] == [a["id"] for a in answers]
    assert all(n["note_type"] == "common" and n["entity_id"] == lead_id for n in notes)
    assert len(s.account.notes) == 2


async def test_amocrm_notes_validation_and_missing_entity() -> None:
    async with open_session() as s:
        (contact_id,) = await s.create("contacts", {"name": "Анна"})
        bad_type = await s.post(f"/api/v4/contacts/{contact_id}/notes", [{"note_type": "shout", "params": {}}])
        no_text = await s.post(f"/api/v4/contacts/{contact_id}/notes", [{"note_type": "common", "params": {}}])
        not_array = await s.post(f"/api/v4/contacts/{contact_id}/notes", {"note_type": "common"})
        missing = await s.post("/api/v4/contacts/999/notes", [{"note_type": "common", "params": {"text": "x"}}])
        missing_list = await s.get("/api/v4/contacts/999/notes")
    assert bad_type.status_code == no_text.status_code == not_array.status_code == 400
    assert bad_type.json()["validation-errors"][0]["errors"][0]["path"] == "note_type"
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing_list.status_code == 204
    assert s.account.notes == {}


async def test_amocrm_links_made_via_lead_embedded_show_in_links_api_both_ways() -> None:
    async with open_session() as s:
        (contact_id,) = await s.create("contacts", {"name": "Анна"})
        (lead_id,) = await s.create("leads", {"_embedded": {"contacts": [{"id": contact_id, "is_main": True}]}})
        from_lead = (await s.get(f"/api/v4/leads/{lead_id}/links")).json()["_embedded"]["links"]
        from_contact = (await s.get(f"/api/v4/contacts/{contact_id}/links")).json()["_embedded"]["links"]
    assert [(lk["to_entity_type"], lk["to_entity_id"], lk["metadata"]) for lk in from_lead] == [
        ("contacts", contact_id, {"main_contact": True})
    ]
    assert [(lk["to_entity_type"], lk["to_entity_id"]) for lk in from_contact] == [("leads", lead_id)]


async def test_amocrm_link_endpoint_shows_in_lead_embedded_contacts() -> None:
    async with open_session() as s:
        anna, boris = await s.create("contacts", {"name": "Анна"}, {"name": "Борис"})
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        linked = await s.post(
            f"/api/v4/leads/{lead_id}/link",
            [
                {"to_entity_id": anna, "to_entity_type": "contacts", "metadata": None},
                {"to_entity_id": boris, "to_entity_type": "contacts", "metadata": {"main_contact": True}},
            ],
        )
        lead = (await s.get(f"/api/v4/leads/{lead_id}", params={"with": "contacts"})).json()
        unlinked = await s.post(
            f"/api/v4/leads/{lead_id}/unlink", [{"to_entity_id": anna, "to_entity_type": "contacts"}]
        )
        after = (await s.get(f"/api/v4/leads/{lead_id}", params={"with": "contacts"})).json()
    assert linked.status_code == 200
    assert [lk["to_entity_id"] for lk in linked.json()["_embedded"]["links"]] == [anna, boris]
    assert [(c["id"], c["is_main"]) for c in lead["_embedded"]["contacts"]] == [(anna, False), (boris, True)]
    assert unlinked.status_code == 204
    assert [c["id"] for c in after["_embedded"]["contacts"]] == [boris]


async def test_amocrm_link_validation_and_missing_entity() -> None:
    async with open_session() as s:
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        unknown = await s.post(f"/api/v4/leads/{lead_id}/link", [{"to_entity_id": 5, "to_entity_type": "contacts"}])
        same_type = await s.post(
            f"/api/v4/leads/{lead_id}/link", [{"to_entity_id": lead_id, "to_entity_type": "leads"}]
        )
        missing = await s.post("/api/v4/leads/999/link", [{"to_entity_id": lead_id, "to_entity_type": "leads"}])
        no_links = await s.get(f"/api/v4/leads/{lead_id}/links")
    assert unknown.status_code == same_type.status_code == 400
    assert unknown.json()["validation-errors"][0]["errors"][0]["path"] == "to_entity_id"
    assert missing.status_code == 404
    assert no_links.status_code == 204
    assert s.account.links == []


async def test_amocrm_contact_has_one_company() -> None:
    async with open_session() as s:
        first, second = await s.create("companies", {"name": "Первая"}, {"name": "Вторая"})
        (contact_id,) = await s.create("contacts", {"name": "Анна", "_embedded": {"companies": [{"id": first}]}})
        await s.patch(f"/api/v4/contacts/{contact_id}", {"_embedded": {"companies": [{"id": second}]}})
        contact = (await s.get(f"/api/v4/contacts/{contact_id}")).json()
        company = (await s.get(f"/api/v4/companies/{second}", params={"with": "contacts"})).json()
    assert [c["id"] for c in contact["_embedded"]["companies"]] == [second]
    assert [c["id"] for c in company["_embedded"]["contacts"]] == [contact_id]
    assert s.account.partners("companies", first) == []
