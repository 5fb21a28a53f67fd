from __future__ import annotations

import pytest

from backend.models import EventName, EventRule, OneCBase, ProcessedEvent
from backend.sync.links import fingerprint
from tests.api.conftest import World


async def make_deal(world: World, id_1c: str = "order-1") -> int:
    body = {"key": world.account.id, "id_base": "trade", "id_1c": id_1c, "order_number": "42", "budget": 20000}
    response = await world.post("/sync/leads", body)
    assert response.status_code == 200, response.text
    return int(response.json()["data"])


def event_body(world: World, deal_id: int | None, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "key": world.account.id,
        "id_base": "trade",
        "event_name": "payment",
        "id": deal_id,
        "sum": "15 000,00",
        "debt_sum": "5000",
        "document_name": "Поступление безналичных денежных средств № 17 от 29.11.2026",
    }
    body.update(overrides)
    return body


def notes_of(world: World, deal_id: int) -> list[str]:
    return [
        note.params.get("text", "")
        for note in world.fake_account.notes.values()
        if note.entity_type == "leads" and note.entity_id == deal_id
    ]


def won_stage(world: World, pipeline_id: int) -> int:
    pipeline = world.fake_account.pipelines[pipeline_id]
    return next(status.id for status in pipeline.statuses if status.id not in (142, 143) and status.sort > 10)


async def test_payment_moves_deal_by_rule_and_writes_a_russian_note(world: World) -> None:
    deal_id = await make_deal(world)
    lead = world.fake_account.leads[deal_id]
    assert lead.pipeline_id is not None
    target = won_stage(world, lead.pipeline_id)
    await EventRule.create(
        account_id=world.account.id, event_name=EventName.PAYMENT, pipeline_id=lead.pipeline_id, status_id=target
    )
    response = await world.post("/sync/process_event", event_body(world, deal_id))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == deal_id
    assert world.fake_account.leads[deal_id].status_id == target
    assert notes_of(world, deal_id) == [
        "1С: Оплата, сумма 15\u00a0000,00, остаток долга 5\u00a0000,00. "
        "Документ: Поступление безналичных денежных средств № 17 от 29.11.2026."
    ]


async def test_the_same_event_twice_changes_nothing_the_second_time(world: World) -> None:
    deal_id = await make_deal(world)
    first = await world.post("/sync/process_event", event_body(world, deal_id))
    calls = world.api_calls()
    second = await world.post("/sync/process_event", event_body(world, deal_id))
    assert first.status_code == second.status_code == 200
    assert second.json()["data"] == deal_id
    assert world.api_calls() == calls
    assert len(notes_of(world, deal_id)) == 1


async def test_without_a_rule_the_stage_is_unchanged_but_the_note_is_written(world: World) -> None:
    deal_id = await make_deal(world)
    stage = world.fake_account.leads[deal_id].status_id
    response = await world.post("/sync/process_event", event_body(world, deal_id, event_name="shipment", sum=None))
    assert response.status_code == 200
    assert world.fake_account.leads[deal_id].status_id == stage
    assert notes_of(world, deal_id)[0].startswith("1С: Отгрузка, остаток долга")


async def test_rule_without_note_moves_silently(world: World) -> None:
    deal_id = await make_deal(world)
    lead = world.fake_account.leads[deal_id]
    assert lead.pipeline_id is not None
    await EventRule.create(
        account_id=world.account.id,
        event_name=EventName.CANCEL_ORDER,
        pipeline_id=lead.pipeline_id,
        status_id=143,
        add_note=False,
    )
    response = await world.post("/sync/process_event", event_body(world, deal_id, event_name="cancel_order"))
    assert response.status_code == 200
    assert world.fake_account.leads[deal_id].status_id == 143
    assert notes_of(world, deal_id) == []


@pytest.mark.parametrize(
    ("event_name", "title"),
    [
        ("cancel_order", "Заказ аннулирован"),
        ("payment", "Оплата"),
        ("part_payment", "Частичная оплата"),
        ("shipment", "Отгрузка"),
        ("part_shipment", "Частичная отгрузка"),
    ],
)
async def test_every_event_type_is_applied(world: World, event_name: str, title: str) -> None:
    deal_id = await make_deal(world)
    response = await world.post("/sync/process_event", event_body(world, deal_id, event_name=event_name))
    assert response.status_code == 200, response.text
    assert notes_of(world, deal_id)[0].startswith(f"1С: {title},")


async def test_event_finds_the_deal_by_the_orders_1c_id(world: World) -> None:
    deal_id = await make_deal(world, id_1c="order-9")
    response = await world.post("/sync/process_event", event_body(world, None, id_1c="order-9"))
    assert response.json()["data"] == deal_id


async def test_event_for_an_unknown_order_is_409_and_can_be_resent_later(world: World) -> None:
    early = await world.post("/sync/process_event", event_body(world, None, id_1c="order-later"))
    assert early.status_code == 409
    assert "/sync/leads" in early.json()["error"]
    deal_id = await make_deal(world, id_1c="order-later")
    late = await world.post("/sync/process_event", event_body(world, None, id_1c="order-later"))
    assert late.status_code == 200 and late.json()["data"] == deal_id


async def test_unknown_event_name_is_400_naming_the_field(world: World) -> None:
    response = await world.post("/sync/process_event", event_body(world, 1, event_name="refund"))
    assert response.status_code == 400
    assert "event_name" in response.json()["error"]


async def test_event_failing_in_amocrm_is_not_recorded_so_a_resend_applies_it(world: World) -> None:
    deal_id = await make_deal(world)
    world.fake.fail_next(1, status=503, path_prefix=f"/api/v4/leads/{deal_id}/notes", method="POST")
    failed = await world.post("/sync/process_event", event_body(world, deal_id))
    assert failed.status_code == 503 and failed.headers["retry-after"]
    resent = await world.post("/sync/process_event", event_body(world, deal_id))
    assert resent.status_code == 200
    assert len(notes_of(world, deal_id)) == 1


def part_payment(world: World, **overrides: object) -> dict[str, object]:
    """A partial payment of order-1 as 1C sends it: no document name, the sum and what remains to be paid."""
    body = event_body(world, None, event_name="part_payment", id_1c="order-1", sum="5 000", debt_sum="15000")
    del body["document_name"]
    body.update(overrides)
    return body


async def test_two_payments_of_one_sum_that_differ_only_in_the_debt_are_two_notes(world: World) -> None:
    deal_id = await make_deal(world)
    first = await world.post("/sync/process_event", part_payment(world, debt_sum="15000"))
    second = await world.post("/sync/process_event", part_payment(world, debt_sum="10000"))
    assert first.json() == second.json() == {"success": True, "data": deal_id, "error": None}
    assert notes_of(world, deal_id) == [
        "1С: Частичная оплата, сумма 5\u00a0000,00, остаток долга 15\u00a0000,00.",
        "1С: Частичная оплата, сумма 5\u00a0000,00, остаток долга 10\u00a0000,00.",
    ]


async def test_a_redelivery_written_differently_changes_nothing(world: World) -> None:
    deal_id = await make_deal(world)
    await world.post("/sync/process_event", part_payment(world, debt_sum="15000", document_name="ПКО № 5"))
    calls = world.api_calls()
    redelivered = part_payment(world, event_name="PART_PAYMENT", id_1c=" order-1 ", sum=5000.0, debt_sum="15 000,00")
    response = await world.post("/sync/process_event", {**redelivered, "document_name": " ПКО № 5 ", "id": ""})
    assert response.json()["data"] == deal_id
    assert world.api_calls() == calls
    assert len(notes_of(world, deal_id)) == 1


@pytest.mark.parametrize(
    "difference",
    [
        {"document_name": "ПКО № 6"},
        {"sum": "5 000,01"},
        {"debt_sum": None},
        {"Касса": "Основная"},
        {"id_1c": None, "id": "the deal"},
    ],
    ids=["document", "sum", "no debt", "another key", "by deal id"],
)
async def test_any_field_that_differs_makes_a_new_event(world: World, difference: dict[str, object]) -> None:
    deal_id = await make_deal(world)
    await world.post("/sync/process_event", part_payment(world))
    changed = {name: deal_id if value == "the deal" else value for name, value in difference.items()}
    response = await world.post("/sync/process_event", part_payment(world, **changed))
    assert response.status_code == 200, response.text
    assert len(notes_of(world, deal_id)) == 2


async def test_an_event_applied_before_the_upgrade_is_recognised_once_then_a_different_one_applies(
    world: World,
) -> None:
    deal_id = await make_deal(world)
    base = await OneCBase.get(account_id=world.account.id, id_base="trade")
    # the row as amo1c wrote it before migration 0007: printed over event, order, document and sum as written
    await ProcessedEvent.create(
        base_id=base.id,
        fingerprint=fingerprint("part_payment", "order-1", "", "5000"),
        scheme=1,
        event_name=EventName.PART_PAYMENT,
        amo_id=deal_id,
    )
    for _ in range(2):
        redelivered = await world.post("/sync/process_event", part_payment(world))
        assert redelivered.json()["data"] == deal_id
        assert notes_of(world, deal_id) == []
    assert [row.scheme for row in await ProcessedEvent.filter(base_id=base.id)] == [2]
    different = await world.post("/sync/process_event", part_payment(world, debt_sum="10000"))
    assert different.status_code == 200
    assert notes_of(world, deal_id) == ["1С: Частичная оплата, сумма 5\u00a0000,00, остаток долга 10\u00a0000,00."]
