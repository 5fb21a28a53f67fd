"""1C's batches: up to 500 bodies of a single call, one answer each, the single calls' guarantees, fewer requests."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from backend.fakes.amocrm.manager_actions import add_entities
from backend.models import EntityKind, EntityLink, EventName, EventRule, OneCBase, ProcessedEvent, SyncLogEntry
from backend.sync.links import fingerprint
from tests.api.conftest import World
from tests.factories import BASE_AUTH, field_values

CONTACTS = "/sync/clients_contacts/batch"


def person(n: int, **overrides: object) -> dict[str, object]:
    """A 1C individual as a batch item (no key, no id_base)."""
    item: dict[str, object] = {"id_1c": f"c-{n}", "name": f"Контрагент {n}", "phone": f"+7 900 {n:03d}-00-00"}
    item.update(overrides)
    return item


def since(query: str) -> int | None:
    """The `filter[updated_at][from]` of a read of the fake's contacts, None when it has none."""
    found = re.search(r"filter%5Bupdated_at%5D%5Bfrom%5D=(\d+)", query)
    return None if found is None else int(found[1])


def batch(world: World, items: list[Any]) -> dict[str, object]:
    return {"key": world.account.id, "id_base": "trade", "items": items}


def contact_by_name(world: World) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = {}
    for contact in world.fake_account.contacts.values():
        by_name.setdefault(contact.name, []).append(contact.id)
    return by_name


def posts(world: World, path: str, method: str = "POST") -> list[int]:
    """How many entities each write request to `path` carried, in order."""
    return [
        len(record.body)
        for record in world.fake.requests
        if record.path == path and record.method == method and isinstance(record.body, list)
    ]


async def test_each_item_gets_its_answer_in_order_and_one_bad_item_fails_only_itself(world: World) -> None:
    items = [
        person(1),
        {"id_1c": "c-2"},  # new, without a name: nothing to create it with
        "not an object",
        person(3, phone="x" * 501),
        person(4, key=world.account.id + 1),  # a key of another account inside the batch
        person(5, name="Пять \ud800"),
        person(6),
    ]
    body = json.dumps(batch(world, items))  # ASCII escapes: the lone surrogate arrives as 1C would send it
    headers = {**BASE_AUTH, "Content-Type": "application/json"}
    response = await world.client.post(CONTACTS, content=body, headers=headers)

    assert response.status_code == 200
    envelope = response.json()
    assert envelope["success"] is True and envelope["error"] is None
    answers = envelope["data"]
    assert [answer["id_1c"] for answer in answers] == ["c-1", "c-2", None, "c-3", "c-4", "c-5", "c-6"]
    assert [answer["success"] for answer in answers] == [True, False, False, False, False, False, True]
    assert "name" in answers[1]["error"] and "JSON-объектом" in answers[2]["error"]
    assert "phone" in answers[3]["error"] and "key" in answers[4]["error"] and "суррогат" in answers[5]["error"]
    assert all(answer["data"] is None for answer in answers[1:6])
    names = contact_by_name(world)
    assert set(names) == {"Контрагент 1", "Контрагент 6"}
    assert names["Контрагент 1"] == [answers[0]["data"]] and names["Контрагент 6"] == [answers[6]["data"]]
    assert await EntityLink.filter(kind=EntityKind.CONTACT, amo_id__isnull=False).count() == 2
    again = await world.post(CONTACTS, batch(world, [person(2)]))  # the refused item's claim was given up
    assert again.json()["data"][0]["success"] is True


async def test_a_batch_is_one_log_entry_naming_the_failed_items_without_their_bodies(world: World) -> None:
    await world.post(CONTACTS, batch(world, [person(1), {"id_1c": "c-2"}]))
    await world.stored_log()

    entry = await SyncLogEntry.get(operation="clients_contacts_batch")
    assert entry.http_status == 200
    summary = entry.request_summary
    assert summary["items"] == 2 and summary["succeeded"] == 1
    assert [(failed["item"], failed["id_1c"]) for failed in summary["failed"]] == [(1, "c-2")]
    assert "Контрагент 1" not in json.dumps(summary, ensure_ascii=False)


async def test_a_batch_that_cannot_be_read_is_refused_whole(world: World) -> None:
    empty = await world.post(CONTACTS, batch(world, []))
    assert empty.status_code == 400 and "items" in empty.json()["error"]
    not_a_list = await world.post(CONTACTS, batch(world, {"0": person(1)}))  # type: ignore[arg-type]
    assert not_a_list.status_code == 400
    missing = await world.post(CONTACTS, {"key": world.account.id, "id_base": "trade"})
    assert missing.status_code == 400
    too_many = await world.post(CONTACTS, batch(world, [person(n) for n in range(501)]))
    assert too_many.status_code == 413 and "500" in too_many.json()["error"]
    stranger = await world.post(CONTACTS, batch(world, [person(1)]), headers={})
    assert stranger.status_code == 401
    assert world.fake_account.contacts == {} and world.api_calls() == 0


async def test_the_same_batch_again_changes_nothing_and_costs_no_write(world: World) -> None:
    items = [person(n) for n in range(120)]
    first = (await world.post(CONTACTS, batch(world, items))).json()["data"]
    assert posts(world, "/api/v4/contacts") == [50, 50, 20]
    writes = len(posts(world, "/api/v4/contacts")) + len(posts(world, "/api/v4/contacts", "PATCH"))
    calls = world.api_calls()

    second = (await world.post(CONTACTS, batch(world, items))).json()["data"]

    assert second == first and all(answer["success"] for answer in second)
    assert world.api_calls() == calls, "unchanged items must not reach amoCRM"
    assert len(posts(world, "/api/v4/contacts")) + len(posts(world, "/api/v4/contacts", "PATCH")) == writes
    assert len(world.fake_account.contacts) == 120


async def test_a_changed_item_is_updated_in_one_patch_with_the_others(world: World) -> None:
    items = [person(n) for n in range(60)]
    first = (await world.post(CONTACTS, batch(world, items))).json()["data"]
    items[3] = person(3, name="Переименован")
    items[42] = person(42, email="new@example.ru")

    second = (await world.post(CONTACTS, batch(world, items))).json()["data"]

    assert [answer["data"] for answer in second] == [answer["data"] for answer in first]
    assert posts(world, "/api/v4/contacts", "PATCH") == [2]
    assert world.fake_account.contacts[first[3]["data"]].name == "Переименован"
    assert field_values(world.fake_account, "contacts", first[42]["data"])["EMAIL"] == ["new@example.ru"]


async def test_a_contact_created_in_amocrm_just_before_the_batch_is_found_by_phone(world: World) -> None:
    phone_field = next(f.id for f in world.fake_account.custom_fields["contacts"] if f.code == "PHONE")

    def by_hand(name: str, phone: str) -> int:
        values = [{"field_id": phone_field, "values": [{"value": phone}]}]
        (made,) = add_entities(
            world.fake.world, world.account.id, "contacts", [{"name": name, "custom_fields_values": values}]
        )
        return made.id

    by_hand("Давний клиент", "+7 800 000-00-01")
    await world.post(CONTACTS, batch(world, [person(1)]))  # the index of the account is read
    manual = by_hand("Менеджер завёл", "8 (900) 002-00-00")

    first_reads = [
        record.query for record in world.fake.requests if record.path == "/api/v4/contacts" and record.method == "GET"
    ]
    world.fake.requests.clear()

    answers = (await world.post(CONTACTS, batch(world, [person(2), person(3)]))).json()["data"]

    reads = [
        record.query for record in world.fake.requests if record.path == "/api/v4/contacts" and record.method == "GET"
    ]
    assert [since(query) for query in first_reads] == [None], "the first batch reads the account whole"
    assert all("order%5Bid%5D=asc" in query for query in first_reads), "in id order, which an edit does not move"
    assert next(since(query) for query in reads if since(query) is not None) > 0, "later ones only what changed"
    assert answers[0]["data"] == manual
    assert len(world.fake_account.contacts) == 4
    assert field_values(world.fake_account, "contacts", manual)["PHONE"] == ["8 (900) 002-00-00"]
    assert world.fake_account.contacts[manual].name == "Контрагент 2"


async def test_a_lost_answer_to_a_create_is_recovered_by_the_1c_id_without_duplicates(world: World) -> None:
    await world.post(CONTACTS, batch(world, [person(100)]))  # the field of 1C ids is made
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/contacts", method="POST", after_apply=True)
    items = [person(n) for n in range(30)]

    answers = (await world.post(CONTACTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers), answers
    assert len(world.fake_account.contacts) == 31
    assert {answer["data"] for answer in answers} | {min(world.fake_account.contacts)} == set(
        world.fake_account.contacts
    )
    assert posts(world, "/api/v4/contacts") == [1, 30], "what amoCRM created is recognised, not sent again"
    again = (await world.post(CONTACTS, batch(world, items))).json()["data"]
    assert again == answers and len(world.fake_account.contacts) == 31


async def test_a_504_that_wrote_nothing_is_retried_in_halves(world: World) -> None:
    await world.post(CONTACTS, batch(world, [person(100)]))  # the field of 1C ids is made
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/contacts", method="POST")
    items = [person(n) for n in range(50)]

    answers = (await world.post(CONTACTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers)
    assert posts(world, "/api/v4/contacts") == [1, 50, 25, 25]
    assert len(world.fake_account.contacts) == 51


async def test_a_refused_write_fails_only_the_items_amocrm_refuses(world: World) -> None:
    items = [person(n) for n in range(5)]
    await world.post(CONTACTS, batch(world, [person(100)]))  # the field of 1C ids is made
    world.fake.fail_next(1, status=400, path_prefix="/api/v4/contacts", method="POST")

    answers = (await world.post(CONTACTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers), "the chunk refused as a whole is written item by item"
    assert posts(world, "/api/v4/contacts") == [1, 5, 1, 1, 1, 1, 1]
    assert len(world.fake_account.contacts) == 6


async def test_a_batch_and_single_calls_at_once_make_one_contact_per_1c_id(world: World) -> None:
    items = [person(n) for n in range(40)]
    singles = [
        world.post("/sync/clients_contacts", {**person(n), "key": world.account.id, "id_base": "trade"})
        for n in range(0, 40, 4)
    ]

    batch_answer, *single_answers = await asyncio.gather(world.post(CONTACTS, batch(world, items)), *singles)

    assert len(world.fake_account.contacts) == 40
    assert all(names == [names[0]] for names in contact_by_name(world).values())
    ids = {answer.json()["data"] for answer in single_answers if answer.status_code == 200}
    assert ids <= set(world.fake_account.contacts)
    for answer in batch_answer.json()["data"]:  # an item another call held is refused, to be sent again
        assert answer["success"] or "повторите" in answer["error"]
    retried = (await world.post(CONTACTS, batch(world, items))).json()["data"]
    assert all(answer["success"] for answer in retried) and len(world.fake_account.contacts) == 40


async def test_the_same_1c_id_twice_in_a_batch_ends_as_the_later_item(world: World) -> None:
    answers = (await world.post(CONTACTS, batch(world, [person(1), person(1, name="Позже")]))).json()["data"]

    assert answers[0]["data"] == answers[1]["data"] and all(answer["success"] for answer in answers)
    assert [contact.name for contact in world.fake_account.contacts.values()] == ["Позже"]


async def test_two_new_items_sharing_a_phone_find_one_contact_as_two_calls_would(world: World) -> None:
    answers = (await world.post(CONTACTS, batch(world, [person(1), person(2, phone="+7 900 001-00-00")]))).json()[
        "data"
    ]

    assert answers[0]["data"] == answers[1]["data"]
    assert len(world.fake_account.contacts) == 1


async def test_companies_are_matched_by_inn(world: World) -> None:
    companies = "/sync/clients_companies/batch"
    first = (
        await world.post(companies, batch(world, [{"id_1c": "o-1", "name": "ООО А", "inn": "7701000001"}]))
    ).json()["data"]
    answers = (
        await world.post(
            companies,
            batch(
                world,
                [{"id_1c": "o-2", "name": "ООО А (филиал)", "inn": "7701000001"}, {"id_1c": "o-3", "name": "ООО Б"}],
            ),
        )
    ).json()["data"]

    assert answers[0]["data"] == first[0]["data"]
    assert len(world.fake_account.companies) == 2


async def test_orders_and_events_in_batches_are_applied_once_each(world: World) -> None:
    orders = [{"id_1c": f"o-{n}", "order_number": str(n), "budget": n * 100} for n in range(1, 4)]
    leads = (await world.post("/sync/leads/batch", batch(world, [*orders, {"budget": 5}]))).json()["data"]
    assert [answer["success"] for answer in leads] == [True, True, True, False]
    assert len(world.fake_account.leads) == 3

    events = [
        {"event_name": "payment", "id_1c": "o-1", "sum": 100},
        {"event_name": "payment", "id_1c": "o-1", "sum": 100},  # the same event twice: once
        {"event_name": "shipment", "id_1c": "o-2"},
        {"event_name": "payment", "id_1c": "never-synced", "sum": 1},
    ]
    answered = (await world.post("/sync/process_event/batch", batch(world, events))).json()["data"]
    notes = len(world.fake_account.notes)
    answered_again = (await world.post("/sync/process_event/batch", batch(world, events))).json()["data"]

    assert [answer["success"] for answer in answered] == [True, True, True, False]
    assert answered[0]["data"] == leads[0]["data"] and answered_again == answered
    assert len(world.fake_account.notes) == notes == 2
    again = (await world.post("/sync/leads/batch", batch(world, orders))).json()["data"]
    assert [answer["data"] for answer in again] == [answer["data"] for answer in leads[:3]]
    assert len(world.fake_account.leads) == 3


EVENTS = "/sync/process_event/batch"


async def orders(world: World, count: int) -> list[int]:
    """Sync orders o-0… through the leads batch; their deals' ids, in order."""
    items = [{"id_1c": f"o-{n}", "order_number": str(n), "budget": 100} for n in range(count)]
    answers = (await world.post("/sync/leads/batch", batch(world, items))).json()["data"]
    assert all(answer["success"] for answer in answers), answers
    return [answer["data"] for answer in answers]


def other_stages(world: World, deal_id: int) -> list[int]:
    """The open stages of the deal's pipeline but the one it is at, in the pipeline's order."""
    lead = world.fake_account.leads[deal_id]
    assert lead.pipeline_id is not None
    statuses = sorted(world.fake_account.pipelines[lead.pipeline_id].statuses, key=lambda status: status.sort)
    return [status.id for status in statuses if 10 < status.sort < 10000 and status.id != lead.status_id]


async def rule(world: World, event_name: EventName, deal_id: int, status_id: int) -> None:
    """A rule moving the deals of this deal's pipeline to `status_id` at `event_name`, with a note."""
    pipeline_id = world.fake_account.leads[deal_id].pipeline_id
    await EventRule.create(
        account_id=world.account.id, event_name=event_name, pipeline_id=pipeline_id, status_id=status_id
    )


def noted(world: World) -> list[tuple[int, str]]:
    """Every lead note the fake holds, (deal, text), in the order they were added."""
    return [
        (note.entity_id, note.params.get("text", ""))
        for note in sorted(world.fake_account.notes.values(), key=lambda note: note.id)
        if note.entity_type == "leads"
    ]


def reads_by_id(world: World) -> list[str]:
    return [
        record.query
        for record in world.fake.requests
        if record.path == "/api/v4/leads" and record.method == "GET" and "filter%5Bid%5D" in record.query
    ]


async def test_events_of_many_deals_are_read_moved_and_noted_in_chunks(world: World) -> None:
    deals = await orders(world, 120)
    stage = other_stages(world, deals[0])[0]
    await rule(world, EventName.PAYMENT, deals[0], stage)
    world.fake.requests.clear()
    items = [{"event_name": "payment", "id_1c": f"o-{n}", "sum": 100 + n} for n in range(120)]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers), answers
    assert [answer["data"] for answer in answers] == deals
    assert all(world.fake_account.leads[deal].status_id == stage for deal in deals)
    assert sorted(noted(world)) == sorted((deal, f"1С: Оплата, сумма {100 + n},00.") for n, deal in enumerate(deals))
    assert len(reads_by_id(world)) == 1
    assert posts(world, "/api/v4/leads", "PATCH") == [50, 50, 20]
    assert posts(world, "/api/v4/leads/notes") == [50, 50, 20]
    assert world.api_calls() == 7, "instead of a GET, a PATCH and a POST for each of 120 events"

    calls = world.api_calls()
    again = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert again == answers
    assert len(noted(world)) == 120 and world.api_calls() == calls, "events applied once cost nothing again"


async def test_an_event_of_an_unknown_order_or_a_deleted_deal_fails_alone(world: World) -> None:
    deals = await orders(world, 3)
    del world.fake_account.leads[deals[1]]  # a manager deleted it in amoCRM
    items = [
        {"event_name": "shipment", "id_1c": "o-0"},
        {"event_name": "shipment", "id_1c": "o-1"},
        {"event_name": "shipment", "id_1c": "never-synced"},
        {"event_name": "refund", "id_1c": "o-2"},
        "not an object",
        {"event_name": "shipment", "id": deals[2]},
    ]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert [answer["success"] for answer in answers] == [True, False, False, False, False, True]
    assert [answer["data"] for answer in answers] == [deals[0], None, None, None, None, deals[2]]
    assert answers[1]["error"] == f"сделка {deals[1]} не найдена в amoCRM (удалена?)"
    assert answers[2]["id_1c"] == "never-synced" and "/sync/leads" in answers[2]["error"]
    assert "event_name" in answers[3]["error"] and "JSON-объектом" in answers[4]["error"]
    assert [deal for deal, _ in noted(world)] == [deals[0], deals[2]]
    assert await ProcessedEvent.all().count() == 2, "a failed event leaves no row: its redelivery applies it"


async def test_several_events_of_one_deal_move_it_through_each_stage_in_order(world: World) -> None:
    deals = await orders(world, 2)
    paid, shipped = other_stages(world, deals[0])[:2]
    await rule(world, EventName.PAYMENT, deals[0], paid)
    await rule(world, EventName.SHIPMENT, deals[0], shipped)
    world.fake.requests.clear()
    items = [
        {"event_name": "payment", "id_1c": "o-0", "sum": 100},
        {"event_name": "payment", "id_1c": "o-1", "sum": 5},
        {"event_name": "shipment", "id": deals[0]},
    ]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert [answer["data"] for answer in answers] == [deals[0], deals[1], deals[0]]
    assert world.fake_account.leads[deals[0]].status_id == shipped
    assert [text for deal, text in noted(world) if deal == deals[0]] == ["1С: Оплата, сумма 100,00.", "1С: Отгрузка."]
    one_by_one = [
        record.body["status_id"]
        for record in world.fake.requests
        if record.method == "PATCH" and record.path == f"/api/v4/leads/{deals[0]}"
    ]
    assert one_by_one == [paid, shipped], "amoCRM sees each move, and runs each stage's automations"
    assert posts(world, "/api/v4/leads", "PATCH") == [1] and world.fake_account.leads[deals[1]].status_id == paid


async def test_notes_answered_ambiguously_are_not_sent_again_and_their_events_stay_unapplied(world: World) -> None:
    deals = await orders(world, 3)
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/leads/notes", method="POST", after_apply=True)
    items = [{"event_name": "shipment", "id_1c": f"o-{n}"} for n in range(3)]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert not any(answer["success"] for answer in answers)
    assert all("504" in answer["error"] for answer in answers)
    assert posts(world, "/api/v4/leads/notes") == [3], "amoCRM may have added them: not sent again"
    assert len(noted(world)) == 3 and await ProcessedEvent.all().count() == 0

    redelivered = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert [answer["data"] for answer in redelivered] == deals, "1C's redelivery applies them"
    assert len(noted(world)) == 6, "as the single call, an ambiguous failure may write a note twice"


async def test_a_patch_that_fails_without_applying_is_retried_in_halves(world: World) -> None:
    deals = await orders(world, 4)
    stage = other_stages(world, deals[0])[0]
    await rule(world, EventName.SHIPMENT, deals[0], stage)
    world.fake.fail_next(4, status=504, path_prefix="/api/v4/leads", method="PATCH")  # every attempt of the first
    items = [{"event_name": "shipment", "id_1c": f"o-{n}"} for n in range(4)]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers), answers
    assert posts(world, "/api/v4/leads", "PATCH") == [4, 4, 4, 4, 2, 2]
    assert all(world.fake_account.leads[deal].status_id == stage for deal in deals)
    assert posts(world, "/api/v4/leads/notes") == [4]


async def test_a_refused_patch_fails_only_the_deals_amocrm_refuses(world: World) -> None:
    deals = await orders(world, 3)
    stage = other_stages(world, deals[0])[0]
    await rule(world, EventName.SHIPMENT, deals[0], stage)
    world.fake.fail_next(1, status=400, path_prefix="/api/v4/leads", method="PATCH")
    items = [{"event_name": "shipment", "id_1c": f"o-{n}"} for n in range(3)]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert all(answer["success"] for answer in answers), "the chunk refused as a whole is sent deal by deal"
    assert posts(world, "/api/v4/leads", "PATCH") == [3, 1, 1, 1]
    assert len(noted(world)) == 3


async def test_an_event_recorded_before_the_upgrade_is_recognised_in_a_batch(world: World) -> None:
    deals = await orders(world, 2)
    base = await OneCBase.get(account_id=world.account.id, id_base="trade")
    await ProcessedEvent.create(
        base_id=base.id,
        fingerprint=fingerprint("part_payment", "o-0", "", "5000"),
        scheme=1,
        event_name=EventName.PART_PAYMENT,
        amo_id=deals[0],
    )
    items = [{"event_name": "part_payment", "id_1c": f"o-{n}", "sum": "5000"} for n in range(2)]

    answers = (await world.post(EVENTS, batch(world, items))).json()["data"]

    assert [answer["data"] for answer in answers] == deals
    assert [deal for deal, _ in noted(world)] == [deals[1]]
    assert await ProcessedEvent.filter(scheme=1).count() == 0


async def test_a_batch_and_single_calls_at_once_apply_each_event_once(world: World) -> None:
    deals = await orders(world, 20)
    items = [{"event_name": "payment", "id_1c": f"o-{n}", "sum": n + 1} for n in range(20)]
    singles = [
        world.post("/sync/process_event", {**items[n], "key": world.account.id, "id_base": "trade"})
        for n in range(0, 20, 3)
    ]

    batch_answer, *single_answers = await asyncio.gather(world.post(EVENTS, batch(world, items)), *singles)

    assert [answer["data"] for answer in batch_answer.json()["data"]] == deals
    assert all(answer.status_code == 200 for answer in single_answers)
    assert sorted(noted(world)) == sorted((deal, f"1С: Оплата, сумма {n + 1},00.") for n, deal in enumerate(deals))
