"""The one classification of failures: each error → its kind, 1C's own words quoted only when plain, and the other
side's text for «Подробнее» without markup, library class names or secrets."""

from __future__ import annotations

import pytest

from backend.amocrm.errors import (
    AmoCRMAccountBlocked,
    AmoCRMAuthError,
    AmoCRMPaymentRequired,
    AmoCRMRateLimited,
    AmoCRMRejected,
    AmoCRMUnreachable,
)
from backend.fakes.onec.responses import html_error_page
from backend.onec.errors import OneCAddressRefused, OneCBadAnswer, OneCUnreachable
from backend.onec.wire import status_error
from backend.statuses import STATUSES, status_for
from backend.sync.errors import (
    AuthenticationRequired,
    AwaitingApproval,
    Conflict,
    InvalidInput,
    NotFound,
    TooMany,
    TooManyAttempts,
)
from backend.sync.failures import Failure, FailureKind, classify, readable
from backend.sync.payloads import EntityMissing

PASSWORD = "пароль-базы-1С"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"


def apache_page(status: int = 502) -> bytes:
    return bytes(html_error_page(status).body)


def classified(exc: Exception) -> Failure:
    failure = classify(exc)
    assert failure is not None
    return failure


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (
            OneCUnreachable("Не удалось подключиться к 1С (h): ConnectError: All connection attempts failed"),
            "onec_down",
        ),
        (status_error(502, apache_page(), "text/html; charset=iso-8859-1", "h"), "onec_web_page"),
        (status_error(503, apache_page(503), "text/html", "h"), "onec_web_page"),
        (status_error(500, "Не заполнен склад".encode(), "text/plain", "h"), "onec_refused"),
        (status_error(500, b"", "text/plain", "h"), "onec_failed"),
        (status_error(401, b"401 Unauthorized", "text/plain", "h"), "onec_credentials"),
        (OneCBadAnswer("1С ответила на get_orders не в формате JSON", status=200), "onec_bad_answer"),
        (OneCAddressRefused("Адрес 1С отклонён: это не URL"), "onec_address"),
        (AmoCRMUnreachable("amoCRM недоступна: ReadTimeout"), "amocrm_down"),
        (AmoCRMRateLimited("429"), "amocrm_busy"),
        (AmoCRMAuthError("refresh token revoked"), "amocrm_access"),
        (AmoCRMPaymentRequired("402"), "amocrm_payment"),
        (AmoCRMAccountBlocked("403"), "amocrm_blocked"),
        (AmoCRMRejected("400", status=400, detail="Bad Request"), "amocrm_refused"),
        (AwaitingApproval("база ждёт одобрения"), "awaiting_approval"),
        (EntityMissing("Сделка 5 не найдена в amoCRM."), "entity_missing"),
        (InvalidInput("name", "нет имени"), "invalid"),
        (NotFound(), "not_found"),
        (Conflict("id_1c уже связан с другой сделкой"), "conflict"),
        (TooMany(10, "не больше 10 строк"), "too_many"),
        (TooManyAttempts("подождите", 60), "slow_down"),
        (AuthenticationRequired("нужен вход"), "sign_in"),
    ],
)
def test_classify_gives_each_error_its_kind(error: Exception, kind: str) -> None:
    assert classified(error).kind == FailureKind(kind)


def test_classify_leaves_a_bug_unclassified() -> None:
    assert classify(ValueError("bug")) is None and classify(KeyError("x")) is None


def test_an_unreachable_1c_is_told_without_the_library_class_name() -> None:
    failure = classified(
        OneCUnreachable(
            "Не удалось подключиться к 1С (1c.example): ConnectError: All connection attempts failed",
            detail="ConnectError: All connection attempts failed",
        )
    )
    assert failure.detail == "Не удалось подключиться к 1С (1c.example): All connection attempts failed"
    assert failure.status is None and failure.reason == "" and not failure.own_words


def test_a_web_server_page_is_reduced_to_its_text() -> None:
    failure = classified(status_error(502, apache_page(), "text/html; charset=iso-8859-1", "1c.example"))
    assert failure.status == 502 and failure.reason == ""
    assert "The proxy server received an invalid response" in failure.detail
    assert "<" not in failure.detail and "DOCTYPE" not in failure.detail


def test_1c_own_words_are_quoted_short_and_kept_whole_for_the_details() -> None:
    long = "Ошибка при вызове метода контекста (Записать): " + "поле не заполнено; " * 20
    failure = classified(status_error(500, long.encode(), "text/plain", "h"))
    assert failure.kind == FailureKind.ONEC_REFUSED
    assert len(failure.reason) <= 160 and failure.reason.endswith("…")
    assert failure.detail.startswith("Ошибка при вызове метода контекста (Записать)") and len(failure.detail) > 160


def test_secrets_in_1c_text_never_reach_the_sentence_or_the_details() -> None:
    said = f"Неверный пароль {PASSWORD}; Authorization: Basic T2JtZW4xQzpzZWNyZXQ= token={JWT} Bearer {JWT}"
    failure = classified(status_error(500, said.encode(), "text/plain", "h", secrets=[PASSWORD]))
    shown = failure.reason + failure.detail
    assert PASSWORD not in shown and "T2JtZW4xQzpzZWNyZXQ" not in shown and JWT not in shown and "eyJ" not in shown
    assert "Неверный пароль ***" in failure.detail and failure.reason.startswith("Неверный пароль ***")


def test_readable_strips_markup_scripts_and_bounds_the_length() -> None:
    page = "<html><head><title>T</title><script>alert(1)</script></head><body><h1>Ошибка</h1><p>Текст &amp; ещё</p>"
    assert readable(page) == "Ошибка Текст & ещё"
    assert readable("httpx.ReadTimeout: timed out") == "timed out"
    assert readable("x" * 5000, limit=100) == "x" * 99 + "…"
    assert readable(f"token={JWT}") == "token=***"


def test_amo1c_own_refusals_keep_their_message() -> None:
    failure = classified(Conflict("У компании не заполнен ИНН: заполните его в amoCRM"))
    assert failure.own_words and failure.message == "У компании не заполнен ИНН: заполните его в amoCRM"
    assert not classified(NotFound()).own_words  # no words of its own: the kind's sentence


def test_every_kind_has_the_status_both_surfaces_answer() -> None:
    assert set(STATUSES) == set(FailureKind)
    assert [status_for(OneCUnreachable("x")), status_for(AmoCRMUnreachable("x")), status_for(NotFound())] == [
        502,
        503,
        404,
    ]
    assert status_for(AuthenticationRequired("x")) == 401 and status_for(ValueError("bug")) is None
