"""1C (or the web server in front of it) echoing the request's credentials back: the error, its detail, the call
record for the sync log and the server log keep neither the password nor the Basic credential."""

from __future__ import annotations

import logging

import httpx
import pytest

from backend.onec import OneCBadAnswer, OneCError, OneCFailed
from backend.onec.wire import basic_credential
from tests.onec.rig import LOGIN, PASSWORD, Scripted, Sink, connection, raw, record_text, scripted_client

CREDENTIAL = basic_credential(LOGIN, PASSWORD)


def plain_echo(request: httpx.Request) -> httpx.Response:
    """A 500 whose text repeats the request's Authorization header and the password."""
    said = f"Ошибка авторизации. Authorization: {request.headers['authorization']}; пароль «{PASSWORD}»"
    return raw(said, 500)


def html_echo(request: httpx.Request) -> httpx.Response:
    """A web server's 500 page listing the request headers."""
    page = (
        "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
        f"<h1>Ошибка</h1><pre>POST /base/hs/amo1c\nAuthorization: {request.headers['authorization']}\n"
        f"X-Debug: {CREDENTIAL} {PASSWORD}</pre></body></html>"
    )
    return raw(page, 500, "text/html; charset=utf-8")


def bare_echo(request: httpx.Request) -> httpx.Response:
    """A 200 that is not JSON and carries the credential without its scheme."""
    return raw(f"login failed for {CREDENTIAL} ({PASSWORD})", 200)


@pytest.mark.parametrize(
    ("echo", "error"), [(plain_echo, OneCFailed), (html_echo, OneCFailed), (bare_echo, OneCBadAnswer)]
)
async def test_credentials_echoed_by_1c_are_masked_in_the_error_the_record_and_the_log(
    echo: object, error: type[OneCError], caplog: pytest.LogCaptureFixture
) -> None:
    script = Scripted(echo)  # type: ignore[arg-type]
    sink = Sink()
    with caplog.at_level(logging.WARNING, logger="amo1c.onec"):
        async with scripted_client(script, sink=sink) as onec:
            with pytest.raises(error) as caught:
                await onec.get_handlers_version(connection())
    assert script.requests[0].headers["authorization"] == f"Basic {CREDENTIAL}"  # what was echoed is real
    kept = [str(caught.value), caught.value.detail, record_text(sink.last), caplog.text]
    for text in kept:
        assert CREDENTIAL not in text and PASSWORD not in text
        assert CREDENTIAL[:8] not in text and PASSWORD[:8] not in text
    assert "***" in caught.value.detail and sink.last.error == str(caught.value)


async def test_a_password_at_the_cut_is_masked_before_the_detail_is_cut() -> None:
    script = Scripted(raw("ошибка " * 70 + PASSWORD + " конец", 500))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_orders(connection(), 1)
    assert PASSWORD[:5] not in caught.value.detail and PASSWORD[:5] not in str(caught.value)


async def test_guids_and_links_1c_answers_stay_readable() -> None:
    guid = "2b5c4f1e-3a4b-11ee-8c90-0242ac120002"
    script = Scripted(raw(f"Контрагент {guid} (e1cib/data/Справочник.Контрагенты?ref=8c90aa12) не найден", 404))
    async with scripted_client(script) as onec:
        with pytest.raises(OneCFailed) as caught:
            await onec.get_orders(connection(), 1)
    assert guid in caught.value.detail and "ref=8c90aa12" in caught.value.detail
