"""Every way a call into 1C fails becomes one typed OneCError with 1C's own words kept."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from backend.fakes.onec import MODULE_ERROR, SESSION_TIMEOUT
from backend.onec import (
    OneCAuthRefused,
    OneCBadAnswer,
    OneCError,
    OneCFailed,
    OneCUnreachable,
)
from backend.onec.client import MAX_ANSWER_BYTES
from tests.onec.rig import PASSWORD, Scripted, connection, fake_client, make_fake, raw, scripted_client


async def test_wrong_password_is_auth_refused_without_the_password() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCAuthRefused) as caught:
            await onec.get_handlers_version(connection(password="неверный-пароль"))
    assert caught.value.status == 401
    assert "param1/param2" in str(caught.value)
    assert "неверный-пароль" not in str(caught.value) + caught.value.detail
    assert fake.requests[0].auth_ok is False


async def test_403_is_auth_refused_too() -> None:
    script = Scripted(raw("Нет прав на HTTP-сервис", 403))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCAuthRefused) as caught:
            await onec.get_orders(connection(), 1)
    assert caught.value.status == 403
    assert caught.value.detail == "Нет прав на HTTP-сервис"


async def test_500_keeps_1c_module_text_without_bom() -> None:
    fake = make_fake()
    fake.fail_next()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.new_order(connection(), {"id": 1, "name": "Заказ", "responsible_user_id": 7})
    assert caught.value.status == 500
    assert caught.value.detail == MODULE_ERROR
    assert str(caught.value) == f"1С (onec.test) ответила ошибкой 500: {MODULE_ERROR}"


async def test_a_long_error_text_is_clipped_to_one_line() -> None:
    fake = make_fake()
    fake.fail_next(status=503, body="Ошибка\nв строке\n" + "очень длинное описание " * 100)
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    assert caught.value.detail.startswith("Ошибка в строке очень длинное")
    assert len(caught.value.detail) == 500
    assert caught.value.detail.endswith("…")
    assert "\n" not in str(caught.value)


async def test_406_session_timeout_is_explained() -> None:
    fake = make_fake()
    fake.session_timeout_next()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_orders(connection(), 1)
    assert caught.value.status == 406
    assert caught.value.detail == SESSION_TIMEOUT
    assert SESSION_TIMEOUT in str(caught.value)
    assert "перезапустите" in str(caught.value)


async def test_404_explains_the_publication_or_address() -> None:
    fake = make_fake()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_orders(connection("http://onec.test/wrong/hs/amo1c/handler"), 1)
    assert caught.value.status == 404
    assert "не опубликована" in str(caught.value)
    assert "web_address" in str(caught.value)
    assert caught.value.detail.startswith("Не найден шаблон URL")


async def test_html_502_page_is_reduced_to_its_text() -> None:
    fake = make_fake()
    fake.html_next()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    detail = caught.value.detail
    assert caught.value.status == 502
    assert detail.startswith("502 Bad Gateway: Bad Gateway The proxy server received an invalid response")
    assert "<" not in detail
    assert "Apache/2.4.58" in detail


async def test_html_scripts_and_styles_are_dropped() -> None:
    page = "<html><head><style>p{}</style><script>var x=1;</script></head><body><p>Сервис&nbsp;недоступен</p></body>"
    script = Scripted(raw(page, 503, "text/html"))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    assert caught.value.detail == "Сервис недоступен"


async def test_an_empty_error_body_still_says_the_status() -> None:
    script = Scripted(raw(b"", 500))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    assert str(caught.value) == "1С (onec.test) ответила ошибкой 500"


async def test_a_redirect_is_not_followed() -> None:
    script = Scripted(httpx.Response(302, headers={"location": "http://169.254.169.254/latest/meta-data"}))
    async with scripted_client(script, allow_private=False, resolver=lambda host: ["93.184.216.34"]) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    assert caught.value.status == 302
    assert "перенаправлени" in str(caught.value)
    assert len(script.requests) == 1


async def test_another_2xx_is_not_success() -> None:
    script = Scripted(raw(b"", 204))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCFailed, match="кодом 204 вместо 200"):
            await onec.get_handlers_version(connection())


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (httpx.ReadTimeout("timed out"), "1С (onec.test) не ответила за 7 с"),
        (httpx.WriteTimeout("timed out"), "1С (onec.test) не ответила за 7 с"),
        (httpx.ConnectTimeout("timed out"), "Не удалось подключиться к 1С (onec.test) за 7 с"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "Не удалось подключиться к 1С (onec.test): ConnectError",
        ),
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "Не удалось подключиться к 1С (onec.test): имя сервера не найдено в DNS",
        ),
        (httpx.RemoteProtocolError("Server disconnected"), "Связь с 1С (onec.test) прервалась: RemoteProtocolError"),
    ],
)
async def test_transport_failures_are_unreachable_and_say_which(failure: Exception, message: str) -> None:
    script = Scripted(failure)
    async with scripted_client(script, seconds=7.0) as onec:
        with pytest.raises(OneCUnreachable) as caught:
            await onec.get_orders(connection(), 1)
    assert str(caught.value).startswith(message)
    assert caught.value.status is None
    assert caught.value.__cause__ is None  # the httpx error holds the request and its Authorization header


async def test_a_hanging_base_is_cut_off_by_the_clients_own_timeout() -> None:
    fake = make_fake()
    fake.hang_next(seconds=30)
    started = time.monotonic()
    async with fake_client(fake, seconds=0.2) as onec:
        with pytest.raises(OneCUnreachable) as caught:
            await onec.get_handlers_version(connection())
    assert time.monotonic() - started < 5
    assert str(caught.value) == "1С (onec.test) не ответила за 0.2 с"


async def test_garbage_200_is_a_bad_answer_with_an_excerpt() -> None:
    fake = make_fake()
    fake.garbage_next()
    async with fake_client(fake) as onec:
        with pytest.raises(OneCBadAnswer) as caught:
            await onec.new_lead(connection(), contact={"id": 1, "name": "Иван", "responsible_user_id": 7})
    assert caught.value.status == 200
    assert "UTF-8" in str(caught.value)
    assert caught.value.detail.startswith('{"link": "e1cib/data/Документ.ЗаказКлиента?ref=')


async def test_text_200_is_a_bad_answer() -> None:
    fake = make_fake()
    fake.garbage_next(body=b"OK, saved")
    async with fake_client(fake) as onec:
        with pytest.raises(OneCBadAnswer, match="не в формате JSON") as caught:
            await onec.get_handlers_version(connection())
    assert caught.value.detail == "OK, saved"


@pytest.mark.parametrize(
    ("operation", "body", "problem"),
    [
        ("get_orders", {"documents": []}, "ожидается массив документов"),
        ("get_orders", [{"link": "e1c://1"}], "«[0].title»"),
        ("get_orders", [{"title": "Счет", "link": ""}], "«[0].link»"),
        ("get_orders", ["Счет"], "элемент [0] не объект"),
        ("get_orders", [{"title": "Счет", "link": "x", "parent_link": {"ref": 1}}], "«[0].parent_link» не строка"),
        ("new_lead", {"link": "e1c://1"}, "«id_1c»"),
        ("new_lead", {"link": "e1c://1", "id_1c": True}, "«id_1c»"),
        ("new_lead", [], "ожидается объект"),
        ("new_lead", None, "ожидается объект"),
        ("new_lead", {"link": "e1c://1", "id_1c": "x" * 101}, "«id_1c» длиннее 100 символов"),
        ("new_lead", {"link": "e1c://\u0000", "id_1c": "1"}, "«link» содержит символ NUL"),
        ("get_handlers_version", {"version": "1." * 40}, "«version» длиннее 64 символов"),
        ("get_handlers_version", {"версия": "1"}, "«version»"),
        ("get_handlers_version", "1.0", "ожидается объект"),
    ],
)
async def test_json_of_the_wrong_shape_is_a_bad_answer(operation: str, body: object, problem: str) -> None:
    script = Scripted(raw(b"" if body is None else json.dumps(body, ensure_ascii=False)))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCBadAnswer) as caught:
            if operation == "get_orders":
                await onec.get_orders(connection(), 1)
            elif operation == "new_lead":
                await onec.new_lead(connection(), contact={"id": 1, "name": "Иван", "responsible_user_id": 7})
            else:
                await onec.get_handlers_version(connection())
    assert problem in str(caught.value)
    assert str(caught.value).startswith(f"1С ответила на {operation} не по формату")


async def test_an_answer_over_the_size_limit_is_refused() -> None:
    script = Scripted(raw(b"[" + b" " * MAX_ANSWER_BYTES + b"]", 200, "application/json"))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCBadAnswer, match="больше 10 МБ"):
            await onec.get_orders(connection(), 1)


async def test_1c_echoing_the_password_is_masked() -> None:
    fake = make_fake()
    fake.fail_next(body=f"Пароль {PASSWORD} не подходит")
    async with fake_client(fake) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_handlers_version(connection())
    assert PASSWORD not in str(caught.value)
    assert caught.value.detail == "Пароль *** не подходит"


def test_every_error_is_a_onec_error_with_status_and_detail() -> None:
    error = OneCFailed("1С ответила\nошибкой", status=500, detail="текст")
    assert isinstance(error, OneCError)
    assert (str(error), error.status, error.detail) == ("1С ответила ошибкой", 500, "текст")
