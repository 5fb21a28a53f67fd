"""`on_call` gets one secret-free record per call, success or failure, and its own failures break nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx
import pytest

from backend.fakes.onec import FakeOneC
from backend.onec import CallRecord, OneCClient, OneCError
from tests.onec.rig import (
    ACCOUNT_ID,
    ID_BASE,
    PASSWORD,
    WEB_ADDRESS,
    Scripted,
    Sink,
    connection,
    fake_client,
    make_fake,
    record_text,
    scripted_client,
)

CONTACT = {"id": 501, "name": "Иван Петров", "responsible_user_id": 7001}


async def test_a_successful_new_lead_is_recorded_with_ids_and_body() -> None:
    fake = make_fake()
    sink = Sink()
    async with fake_client(fake, sink=sink) as onec:
        saved = await onec.new_lead(connection(), contact=CONTACT)
    assert len(sink.records) == 1
    record = sink.last
    assert (record.operation, record.web_address, record.status, record.error) == ("new_lead", WEB_ADDRESS, 200, None)
    assert (record.amo_id, record.id_1c) == (501, saved.id_1c)
    assert record.duration_ms >= 0
    assert record.request_summary == {
        "key": ACCOUNT_ID,
        "id_base": ID_BASE,
        "type": "new_lead",
        "clients": {"contact": CONTACT},
    }
    assert PASSWORD not in record_text(record)


async def test_reads_are_recorded_with_the_deal_id_and_no_1c_id() -> None:
    fake = make_fake()
    sink = Sink()
    async with fake_client(fake, sink=sink) as onec:
        await onec.get_orders(connection(), 3001)
        await onec.get_handlers_version(connection())
    assert [(r.operation, r.amo_id, r.id_1c, r.status) for r in sink.records] == [
        ("get_orders", 3001, None, 200),
        ("get_handlers_version", None, None, 200),
    ]


async def test_a_failed_new_order_keeps_the_1c_id_it_sent() -> None:
    fake = make_fake()
    fake.fail_next()
    sink = Sink()
    order = {"id": "3001", "name": "Заказ", "responsible_user_id": 7001, "id_1c": "ref-1"}
    async with fake_client(fake, sink=sink) as onec:
        with pytest.raises(OneCError):
            await onec.new_order(connection(), order)
    assert (sink.last.amo_id, sink.last.id_1c, sink.last.status) == (3001, "ref-1", 500)


Failure = Callable[[FakeOneC], None]
Call = Callable[[OneCClient], Awaitable[object]]


def _wrong_password(fake: FakeOneC) -> None:
    fake.password = "другой-пароль"


@pytest.mark.parametrize(
    ("arrange", "status", "words"),
    [
        (_wrong_password, 401, "не приняла логин и пароль"),
        (lambda fake: fake.fail_next(body=f"Ошибка: {PASSWORD}"), 500, "ответила ошибкой 500"),
        (lambda fake: fake.session_timeout_next(), 406, "Истекло время ожидания сеанса"),
        (lambda fake: fake.html_next(), 502, "502 Bad Gateway"),
        (lambda fake: fake.garbage_next(), 200, "не в кодировке UTF-8"),
        (lambda fake: fake.hang_next(seconds=30), None, "не ответила за 0.2 с"),
    ],
)
async def test_each_failure_is_recorded_with_status_error_and_duration(
    arrange: Failure, status: int | None, words: str
) -> None:
    fake = make_fake()
    arrange(fake)
    sink = Sink()
    async with fake_client(fake, sink=sink, seconds=0.2) as onec:
        with pytest.raises(OneCError) as caught:
            await onec.new_lead(connection(), contact=CONTACT)
    record = sink.last
    assert len(sink.records) == 1
    assert record.status == status == caught.value.status
    assert record.error == str(caught.value)
    assert words in record.error
    assert record.duration_ms >= (150 if status is None else 0)
    assert (record.amo_id, record.id_1c) == (501, None)
    assert PASSWORD not in record_text(record)


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("closed")],
)
async def test_transport_failures_are_recorded_without_a_status(failure: Exception) -> None:
    sink = Sink()
    async with scripted_client(Scripted(failure), sink=sink) as onec:
        with pytest.raises(OneCError):
            await onec.corr_table(connection(), [], 7)
    assert (sink.last.operation, sink.last.status) == ("corr_table", None)
    assert sink.last.error is not None
    assert PASSWORD not in record_text(sink.last)


async def test_big_tables_are_clipped_in_the_summary() -> None:
    fake = make_fake()
    sink = Sink()
    rows = [{"amo_name": f"Поле {n}", "amo_id": n, "entity_name": "Контакт"} for n in range(50)]
    async with fake_client(fake, sink=sink) as onec:
        await onec.corr_table(connection(), rows, 7)
    table = sink.last.request_summary["table"]
    assert table[:20] == rows[:20]
    assert table[20:] == ["… ещё 30"]
    assert len(fake.corr_tables["Контакт"]) == 50


async def test_long_strings_in_the_summary_are_cut() -> None:
    fake = make_fake()
    sink = Sink()
    async with fake_client(fake, sink=sink) as onec:
        await onec.new_lead(connection(), contact={**CONTACT, "p_1": "x" * 2000})
    assert len(sink.last.request_summary["clients"]["contact"]["p_1"]) == 500


async def test_a_failing_on_call_is_logged_and_the_call_still_returns(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(record: CallRecord) -> None:
        raise RuntimeError("sync log is down")

    fake = make_fake()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake)) as http:
        onec = OneCClient(http, timeout=5, allow_private=True, on_call=broken)
        with caplog.at_level(logging.ERROR, logger="amo1c.onec"):
            assert await onec.get_handlers_version(connection()) == "1.4.2"
            fake.fail_next()
            with pytest.raises(OneCError):
                await onec.get_handlers_version(connection())
    failures = [r for r in caplog.records if r.name == "amo1c.onec" and r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert "get_handlers_version" in failures[0].getMessage()


async def test_nothing_logged_carries_the_password(caplog: pytest.LogCaptureFixture) -> None:
    fake = make_fake()
    fake.fail_next(body=f"пароль {PASSWORD}")
    with caplog.at_level(logging.DEBUG):
        async with fake_client(fake) as onec:
            with pytest.raises(OneCError):
                await onec.get_handlers_version(connection())
    assert caplog.records
    assert PASSWORD not in caplog.text


def test_a_connection_hides_its_password() -> None:
    assert PASSWORD not in repr(connection())
    assert "login='Администратор'" in repr(connection())


async def test_the_client_refuses_a_non_positive_timeout() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="timeout"):
            OneCClient(http, timeout=0, allow_private=True)
