"""Records from amoCRM JSON (defensive about null and missing parts) and request bodies from drafts."""

from __future__ import annotations

from typing import Any

import pytest

from backend.amocrm import AmoCRMBadResponse, ContactDraft, CustomValue, LeadDraft, parsing
from backend.amocrm.bodies import lead_body, party_body


def test_contact_without_custom_values_or_embedded_parses() -> None:
    contact = parsing.contact({"id": 5, "name": "Иван", "custom_fields_values": None, "updated_at": 10})

    assert (contact.phones, contact.emails, contact.custom, contact.company_id) == ((), (), (), None)
    assert contact.responsible_user_id is None
    assert contact.value_of(1) is None


def test_values_are_rendered_as_text() -> None:
    data = {
        "id": 1,
        "custom_fields_values": [
            {"field_id": 1, "field_code": None, "values": [{"value": True}]},
            {"field_id": 2, "values": [{"value": 12.0}, {"value": 12.5}, {"value": None}]},
            {"field_id": 3, "values": [{"value": {"b": 1, "a": "я"}}]},
            {"field_id": 4, "values": None},
        ],
    }

    assert parsing.company(data).custom == (
        CustomValue(1, None, ("true",)),
        CustomValue(2, None, ("12", "12.5")),
        CustomValue(3, None, ('{"a":"я","b":1}',)),
        CustomValue(4, None, ()),
    )


def test_lead_without_contacts_embedded_has_no_contact_ids() -> None:
    lead = parsing.lead({"id": 9, "price": None, "_embedded": {"companies": [{"id": 3}]}})

    assert (lead.contact_ids, lead.main_contact_id, lead.company_id, lead.price) == ((), None, 3, None)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"name": "no id"},
        {"id": "5"},
        {"id": 5, "_embedded": []},
        {"id": 5, "custom_fields_values": {"field_id": 1}},
        {"id": 5, "custom_fields_values": [{"values": []}]},
    ],
)
def test_malformed_entities_are_bad_responses(data: Any) -> None:
    with pytest.raises(AmoCRMBadResponse):
        parsing.contact(data)


def test_created_id_needs_one_element() -> None:
    assert parsing.created_id({"_embedded": {"leads": [{"id": 8}]}}, "leads") == 8
    with pytest.raises(AmoCRMBadResponse, match="empty"):
        parsing.created_id({"_embedded": {"leads": []}}, "leads")


def test_contact_draft_body_sends_only_what_is_set() -> None:
    assert party_body(ContactDraft()) == {}
    assert party_body(ContactDraft(name="Иван", emails=("a@b.ru",), custom={7: "x", 8: None})) == {
        "name": "Иван",
        "custom_fields_values": [
            {"field_code": "EMAIL", "values": [{"value": "a@b.ru", "enum_code": "WORK"}]},
            {"field_id": 7, "values": [{"value": "x"}]},
            {"field_id": 8, "values": None},
        ],
    }


def test_lead_draft_body_links_contacts_with_one_main_and_a_company() -> None:
    body = lead_body(LeadDraft(price=0, contact_ids=(1, 2, 2), company_id=9))
    assert body == {
        "price": 0,
        "_embedded": {
            "contacts": [{"id": 1, "is_main": True}, {"id": 2, "is_main": False}],
            "companies": [{"id": 9}],
        },
    }
    main_elsewhere = lead_body(LeadDraft(contact_ids=(1,), main_contact_id=3))
    assert main_elsewhere["_embedded"]["contacts"] == [{"id": 3, "is_main": True}, {"id": 1, "is_main": False}]


def test_drafts_stay_hashable_and_comparable() -> None:
    assert ContactDraft(custom={1: "a"}) == ContactDraft(custom={1: "a"})
    assert hash(ContactDraft(name="x", custom={1: "a"})) == hash(ContactDraft(name="x", custom={1: "b"}))
