"""1C's batches of orders: 50 deals a request, the single call's guarantees, the state of the fake afterwards."""

from __future__ import annotations

import asyncio

from tests.api.conftest import World
from tests.factories import field_values

LEADS = "/sync/leads/batch"


def order(n: int, **overrides: object) -> dict[str, object]:
    item: dict[str, object] = {"id_1c": f"o-{n}", "order_number": str(n), "budget": f"{n} 000,50"}
    item.update(overrides)
    return item


def batch(world: World, items: list[object]) -> dict[str, object]:
    return {"key": world.account.id, "id_base": "trade", "items": items}


def writes(world: World, method: str) -> list[int]:
    """How many deals each batch write to /api/v4/leads carried, in order."""
    return [
        len(record.body)
        for record in world.fake.requests
        if record.path == "/api/v4/leads" and record.method == method and isinstance(record.body, list)
    ]


async def sync(world: World, items: list[object]) -> list[dict[str, object]]:
    response = await world.post(LEADS, batch(world, items))
    assert response.status_code == 200, response.text
    answers: list[dict[str, object]] = response.json()["data"]
    return answers


async def test_new_orders_are_created_fifty_a_request_with_their_1c_ids(world: World) -> None:
    contact = (
        await world.post(
            "/sync/clients_contacts", {"key": world.account.id, "id_base": "trade", "name": "Анна", "id_1c": "c"}
        )
    ).json()["data"]
    answers = await sync(world, [order(n, contact_id=contact) for n in range(120)])

    assert all(answer["success"] for answer in answers)
    assert writes(world, "POST") == [50, 50, 20]
    leads = world.fake_account.leads
    assert len(leads) == 120 and {answer["data"] for answer in answers} == set(leads)
    deal = leads[int(str(answers[7]["data"]))]
    assert deal.name == "Заказ 1С №7" and deal.price == 7001
    assert field_values(world.fake_account, "leads", deal.id)["ID 1С"] == ["o-7"]
    assert any(link.b_id == contact for link in world.fake_account.links if link.a_id == deal.id)


async def test_the_same_orders_again_cost_nothing_and_changed_ones_one_patch(world: World) -> None:
    items = [order(n) for n in range(60)]
    first = await sync(world, items)
    calls = world.api_calls()
    assert await sync(world, items) == first and world.api_calls() == calls

    items[4] = order(4, budget=1)
    items[40] = order(40, budget=2)
    again = await sync(world, items)

    assert again == first
    assert writes(world, "PATCH") == [2]
    assert world.fake_account.leads[int(str(first[40]["data"]))].price == 2
    assert len(world.fake_account.leads) == 60


async def test_a_deal_deleted_in_amocrm_is_made_again_and_a_named_deal_is_that_one_or_none(world: World) -> None:
    first = await sync(world, [order(1), order(2)])
    del world.fake_account.leads[int(str(first[0]["data"]))]
    named = int(str(first[1]["data"]))

    answers = await sync(world, [order(1, budget=5), order(2, id=named, budget=6), order(3, id=999_999)])

    assert answers[0]["success"] and answers[0]["data"] != first[0]["data"]
    assert answers[1]["data"] == named and world.fake_account.leads[named].price == 6
    assert answers[2]["success"] is False and "999999" in str(answers[2]["error"])
    assert len(world.fake_account.leads) == 2


async def test_an_order_naming_a_missing_contact_fails_alone(world: World) -> None:
    answers = await sync(world, [order(1), order(2, contact_id=424242), order(3)])

    assert [answer["success"] for answer in answers] == [True, False, True]
    assert "contact_id" in str(answers[1]["error"])
    assert len(world.fake_account.leads) == 2


async def test_a_lost_answer_to_a_create_is_recovered_by_the_1c_id_without_duplicates(world: World) -> None:
    await sync(world, [order(100)])  # the field of 1C ids is made
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/leads", method="POST", after_apply=True)

    answers = await sync(world, [order(n) for n in range(30)])

    assert all(answer["success"] for answer in answers), answers
    assert writes(world, "POST") == [1, 30], "what amoCRM created is recognised, not sent again"
    assert len(world.fake_account.leads) == 31
    assert await sync(world, [order(n) for n in range(30)]) == answers


async def test_a_504_that_wrote_nothing_is_retried_in_halves(world: World) -> None:
    await sync(world, [order(100)])
    world.fake.fail_next(1, status=504, path_prefix="/api/v4/leads", method="POST")

    answers = await sync(world, [order(n) for n in range(50)])

    assert all(answer["success"] for answer in answers)
    assert writes(world, "POST") == [1, 50, 25, 25]
    assert len(world.fake_account.leads) == 51


async def test_a_batch_and_single_calls_at_once_make_one_deal_per_order(world: World) -> None:
    items = [order(n) for n in range(40)]
    singles = [
        world.post("/sync/leads", {**order(n), "key": world.account.id, "id_base": "trade"}) for n in range(0, 40, 4)
    ]

    await asyncio.gather(world.post(LEADS, batch(world, items)), *singles)
    retried = await sync(world, items)

    assert all(answer["success"] for answer in retried)
    assert len(world.fake_account.leads) == 40
    assert len({lead.name for lead in world.fake_account.leads.values()}) == 40
