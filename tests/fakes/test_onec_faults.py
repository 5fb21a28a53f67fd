"""FakeOneC's queued faults and latency: each mode's answer, type filters, counts, and the log."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from backend.fakes.onec import MODULE_ERROR, SESSION_TIMEOUT
from backend.fakes.onec.faults import make_fault
from tests.fakes.onec_helpers import answer_json, answer_text, call, make_fake, onec_client


async def test_onec_fail_next_answers_module_error_text_then_recovers() -> None:
    fake = make_fake()
    fake.fail_next(2)
    async with onec_client(fake) as client:
        first = await call(client, "get_handlers_version")
        second = await call(client, "get_orders", id=1)
        third = await call(client, "get_handlers_version")
    assert (first.status_code, second.status_code, third.status_code) == (500, 500, 200)
    assert (
        answer_text(first) == MODULE_ERROR == 'Ошибка при вызове метода контекста (Записать): Поле "ИНН" не заполнено'
    )
    assert [entry.fault for entry in fake.requests] == ["status", "status", None]


async def test_onec_fail_next_custom_status_body_and_type_filter() -> None:
    fake = make_fake()
    fake.fail_next(1, status=503, body="База заблокирована", type="get_orders")
    async with onec_client(fake) as client:
        other = await call(client, "get_handlers_version")
        failed = await call(client, "get_orders", id=1)
        after = await call(client, "get_orders", id=1)
    assert other.status_code == 200
    assert failed.status_code == 503
    assert answer_text(failed) == "База заблокирована"
    assert after.status_code == 200


async def test_onec_hang_next_blocks_until_the_caller_gives_up() -> None:
    fake = make_fake()
    fake.hang_next(1, seconds=30)
    async with onec_client(fake) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(call(client, "get_handlers_version"), timeout=0.2)
        assert time.monotonic() - started < 5
        after = await call(client, "get_handlers_version")
    assert after.status_code == 200
    assert fake.requests[0].status is None and fake.requests[0].fault == "hang"


async def test_onec_short_hang_then_answers_normally() -> None:
    fake = make_fake()
    fake.hang_next(1, seconds=0.1, type="get_orders")
    fake.add_documents(9, [{"title": "Заказ"}])
    async with onec_client(fake) as client:
        started = time.monotonic()
        response = await asyncio.wait_for(call(client, "get_orders", id=9), timeout=5)
    assert time.monotonic() - started >= 0.1
    assert [d["title"] for d in answer_json(response)] == ["Заказ"]
    assert fake.requests[-1].status == 200


async def test_onec_garbage_next_is_200_that_is_not_json() -> None:
    fake = make_fake()
    fake.garbage_next(1)
    async with onec_client(fake) as client:
        response = await call(client, "get_orders", id=1)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    with pytest.raises(ValueError):
        json.loads(response.content.decode("utf-8-sig"))


async def test_onec_garbage_next_with_custom_bytes() -> None:
    fake = make_fake()
    fake.garbage_next(1, body=b"OK")
    async with onec_client(fake) as client:
        response = await call(client, "get_orders", id=1)
    assert response.content == b"OK"


@pytest.mark.parametrize("status", [502, 503])
async def test_onec_html_next_answers_web_server_error_page(status: int) -> None:
    fake = make_fake()
    fake.html_next(1, status=status)
    async with onec_client(fake) as client:
        response = await call(client, "new_lead", clients={})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!DOCTYPE HTML")
    assert f"<title>{status} " in response.text


async def test_onec_session_timeout_next_is_406_with_1c_text() -> None:
    fake = make_fake()
    fake.session_timeout_next(1)
    async with onec_client(fake) as client:
        response = await call(client, "get_handlers_version")
    assert response.status_code == 406
    assert answer_text(response) == SESSION_TIMEOUT == "Истекло время ожидания сеанса"


async def test_onec_faults_apply_in_order_and_skip_unauthenticated_requests() -> None:
    fake = make_fake()
    fake.session_timeout_next(1)
    fake.html_next(1)
    async with onec_client(fake, auth=None) as anonymous:
        rejected = await call(anonymous, "get_handlers_version")
    async with onec_client(fake) as client:
        statuses = [(await call(client, "get_handlers_version")).status_code for _ in range(3)]
    assert rejected.status_code == 401
    assert statuses == [406, 502, 200]


async def test_onec_clear_faults_drops_queue() -> None:
    fake = make_fake()
    fake.fail_next(3)
    fake.clear_faults()
    async with onec_client(fake) as client:
        response = await call(client, "get_handlers_version")
    assert response.status_code == 200


async def test_onec_latency_delays_every_answer() -> None:
    fake = make_fake(latency=0.1)
    async with onec_client(fake) as client:
        started = time.monotonic()
        await call(client, "get_handlers_version")
        fake.latency = 0
        middle = time.monotonic()
        await call(client, "get_handlers_version")
        ended = time.monotonic()
    assert middle - started >= 0.1
    assert ended - middle < 0.1


@pytest.mark.parametrize(
    ("mode", "count", "status", "seconds"),
    [("crash", 1, None, 1.0), ("status", 0, None, 1.0), ("status", 1, 99, 1.0), ("hang", 1, None, -1.0)],
)
def test_onec_make_fault_rejects_bad_settings(mode: str, count: int, status: int | None, seconds: float) -> None:
    with pytest.raises(ValueError):
        make_fault(mode, count, status=status, seconds=seconds)
