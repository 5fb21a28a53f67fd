"""FakeOneC's `/_fake/...` control endpoints over HTTP, without Basic Auth, and the request log they expose."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fakes.onec_helpers import LOGIN, answer_json, answer_text, call, company, contact, make_fake, onec_client


async def test_onec_request_log_records_handler_calls_only() -> None:
    fake = make_fake()
    async with onec_client(fake, auth=None) as anonymous:
        await call(anonymous, "get_handlers_version")
    async with onec_client(fake) as client:
        await call(client, "get_orders", id=5)
        await client.get("/_fake/state")
        response = await client.get("/_fake/requests")
    log = response.json()
    assert response.status_code == 200
    assert [(e["type"], e["auth_ok"], e["status"], e["method"]) for e in log] == [
        ("get_handlers_version", False, 401, "POST"),
        ("get_orders", True, 200, "POST"),
    ]
    assert log[0]["body"]["type"] == "get_handlers_version"
    assert log[1]["body"]["id"] == 5
    assert log[1]["login"] == LOGIN
    assert log[1]["path"] == "/base/hs/amo1c/handler"
    assert log[1]["time"] >= log[0]["time"]
    assert fake.requests_of("get_orders")[0].body == log[1]["body"]


async def test_onec_delete_requests_clears_log() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        await call(client, "get_handlers_version")
        await call(client, "get_handlers_version")
        cleared = await client.delete("/_fake/requests")
        after = await client.get("/_fake/requests")
    assert cleared.json() == {"cleared": 2}
    assert after.json() == []


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        ({"mode": "status", "status": 500, "body": "Ошибка модуля"}, 500, "Ошибка модуля"),
        ({"mode": "status"}, 500, "Записать"),
        ({"mode": "html", "status": 504}, 504, "<html>"),
        ({"mode": "garbage"}, 200, ""),
        ({"mode": "session_timeout"}, 406, "Истекло время ожидания сеанса"),
        ({"mode": "hang", "seconds": 0.05}, 200, "version"),
    ],
)
async def test_onec_post_faults_queues_each_mode(fault: dict[str, Any], status: int, check: str) -> None:
    fake = make_fake()
    async with onec_client(fake, auth=None) as control, onec_client(fake) as client:
        queued = await control.post("/_fake/faults", json={"count": 1, "type": "get_handlers_version", **fault})
        untouched = await call(client, "get_orders", id=1)
        faulty = await asyncio.wait_for(call(client, "get_handlers_version"), timeout=5)
        normal = await call(client, "get_handlers_version")
    assert queued.status_code == 200
    assert queued.json()["queued"]["mode"] == fault["mode"]
    assert untouched.status_code == 200
    assert faulty.status_code == status
    assert check in faulty.content.decode("utf-8", "replace")
    assert normal.status_code == 200


async def test_onec_faults_list_and_delete() -> None:
    fake = make_fake()
    async with onec_client(fake, auth=None) as control:
        await control.post("/_fake/faults", json={"mode": "html", "count": 3})
        listed = await control.get("/_fake/faults")
        cleared = await control.delete("/_fake/faults")
        after = await control.get("/_fake/faults")
    assert [(f["mode"], f["count"], f["status"]) for f in listed.json()] == [("html", 3, 502)]
    assert cleared.json() == {"cleared": 1}
    assert after.json() == []


@pytest.mark.parametrize(
    "body",
    [{"mode": "explode"}, {}, {"mode": "status", "count": "2"}, {"mode": "hang", "seconds": "x"}, [1]],
)
async def test_onec_post_faults_rejects_bad_body(body: Any) -> None:
    async with onec_client(make_fake(), auth=None) as control:
        response = await control.post("/_fake/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_onec_post_documents_seeds_and_generates() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        seeded = await client.post("/_fake/documents", json={"deal_id": 8, "documents": [{"title": "Заказ"}]})
        generated = await client.post("/_fake/documents", json={"deal_id": 9, "generate": 200})
        eight = answer_json(await call(client, "get_orders", id=8))
        nine = answer_json(await call(client, "get_orders", id=9))
    assert seeded.status_code == 200 and seeded.json()["count"] == 1
    assert generated.json()["count"] == 200
    assert [d["title"] for d in eight] == ["Заказ"]
    assert len(nine) == 200 and nine == generated.json()["documents"]


@pytest.mark.parametrize(
    "body",
    [{"documents": []}, {"deal_id": "8", "generate": 2}, {"deal_id": 8}, {"deal_id": 8, "documents": [{}]}],
)
async def test_onec_post_documents_rejects_bad_body(body: dict[str, Any]) -> None:
    async with onec_client(make_fake()) as client:
        response = await client.post("/_fake/documents", json=body)
    assert response.status_code == 400
    assert "error" in response.json()


async def test_onec_state_shows_what_the_base_holds() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        lead = answer_json(await call(client, "new_lead", clients={"company": company(p_9="x")}))
        order = answer_json(
            await call(client, "new_order", id=70, name="Сделка", responsible_user_id=1, clients={"contact": contact()})
        )
        await call(client, "corr_table", table=[{"amo_name": "ИНН", "amo_id": 5, "entity_name": "Компания"}])
        fake.fail_next(1, type="new_order")
        state = (await client.get("/_fake/state")).json()
    assert state["version"] == "1.4.2"
    assert {c["id_1c"] for c in state["counterparties"]} >= {lead["id_1c"]}
    assert [c["kind"] for c in state["counterparties"]] == ["company", "contact"]
    assert state["counterparties"][0]["fields"] == {"p_9": "x"}
    assert [(o["id_1c"], o["deal_id"]) for o in state["orders"]] == [(order["id_1c"], 70)]
    assert len(state["documents"]["70"]) == 4
    assert state["corr_tables"] == {"Компания": [{"amo_name": "ИНН", "amo_id": 5, "entity_name": "Компания"}]}
    assert [f["type"] for f in state["faults"]] == ["new_order"]
    assert state["latency"] == 0


async def test_onec_post_version_changes_get_handlers_version() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        changed = await client.post("/_fake/version", json={"version": "3.1.0"})
        answer = answer_json(await call(client, "get_handlers_version"))
        table = answer_json(await call(client, "corr_table", table=[]))
        rejected = await client.post("/_fake/version", json={"version": ""})
    assert changed.json() == {"version": "3.1.0"}
    assert answer == table == {"version": "3.1.0"}
    assert rejected.status_code == 400
    assert fake.handlers_version == "3.1.0"


async def test_onec_post_latency_and_reset() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        set_latency = await client.post("/_fake/latency", json={"seconds": 0.01})
        bad_latency = await client.post("/_fake/latency", json={"seconds": -1})
        await call(client, "new_order", id=1, name="A", responsible_user_id=1)
        fake.fail_next(1)
        reset = await client.post("/_fake/reset")
        after = await call(client, "get_orders", id=1)
    assert set_latency.json() == {"latency": 0.01}
    assert bad_latency.status_code == 400
    assert reset.json() == {"reset": True}
    assert answer_json(after) == []
    assert fake.orders == {} and fake.faults.pending() == []
    assert [entry.type for entry in fake.requests] == ["get_orders"]


async def test_onec_control_invalid_json_is_400() -> None:
    async with onec_client(make_fake()) as client:
        response = await client.post("/_fake/version", content=b"{")
        handler_text = answer_text(await client.post("/base/hs/amo1c/handler", content=b"{"))
    assert response.status_code == 400
    assert "invalid JSON" in response.json()["error"]
    assert "ПрочитатьJSON" in handler_text
