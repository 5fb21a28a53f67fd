"""The masking rule: credentials and token-shaped values go, ordinary words, GUIDs, hosts and Russian text stay;
the server log filter applies it to every record, uvicorn's access log included (a real server on 127.0.0.1)."""

from __future__ import annotations

import base64
import io
import logging
import sys

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from uvicorn.logging import AccessFormatter

from backend.app import create_app
from backend.liveserver import ThreadedServer
from backend.redaction import RedactingFilter, _masked, clip, redact, redact_server_log
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens
from tests.test_cli import free_port

CREDENTIAL = base64.b64encode(b"user:pass").decode()  # dXNlcjpwYXNz
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2NvdW50X2lkIjoyOTM4NDc1Nn0.q1w2e3r4t5y6u7i8o9p0aSdFgHjKl_-zXcVbNm"
REFRESH = "def50200" + "0a1b2c3d4e5f" * 30
GUID = "2b5c4f1e-3a4b-11ee-8c90-0242ac120002"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Basic {CREDENTIAL}",
        f"authorization: basic {CREDENTIAL}",
        f"заголовок BASIC {CREDENTIAL}=, дальше",
        f"Authorization: Bearer {JWT}",
        f"bearer {REFRESH}",
        f"токен {JWT} не принят",
        f"refresh_token={REFRESH}",
    ],
)
def test_redact_masks_credentials_and_tokens(text: str) -> None:
    masked = redact(text)
    assert CREDENTIAL not in masked and JWT not in masked and REFRESH not in masked
    assert "***" in masked
    assert not any(piece in masked for piece in ("dXNlcjpw", "eyJhbGci", "q1w2e3r4", "0a1b2c3d"))


def test_redact_masks_our_ui_tokens_plain_and_compressed() -> None:
    token = UITokens("k" * 48).issue(UISession(29384756, 7001, is_admin=True))
    compressed = URLSafeTimedSerializer("k" * 48).dumps({"note": "сжимается " * 40})
    assert compressed.startswith(".")  # itsdangerous' mark of a zlib-compressed payload
    for value in (token, compressed):
        masked = redact(f"page /ui/settings opened with {value} by admin")
        assert masked == "page /ui/settings opened with *** by admin"


def test_redact_masks_known_secrets_and_the_query_values_of_token_and_code() -> None:
    text = f"пароль секрет-1С, он же {CREDENTIAL}; /ui/cards?token=abc.def&lang=ru /oauth/callback?code=xyz&state=1"
    masked = redact(text, ["секрет-1С", CREDENTIAL, "abc"])
    assert masked == "пароль ***, он же ***; /ui/cards?token=***&lang=ru /oauth/callback?code=***&state=1"


def test_redact_ignores_known_secrets_shorter_than_four_characters() -> None:
    assert redact("a cat sat", ["a", "cat"]) == "a cat sat"


@pytest.mark.parametrize(
    "text",
    [
        'basic settings, Basic authentication, Bearer token, Basic realm="1C", basic HTTP',
        f"Контрагент {GUID} не найден",
        "e1cib/data/Документ.ЗаказКлиента?ref=8c900242ac12000211ee3a4b2b5c4f1e",
        "https://onec-server.example.com:8443/base/hs/amo1c/handler",
        'Ошибка при вызове метода контекста (Записать): Поле "ИНН" не заполнено',
        "AMO1C_ONEC_ALLOW_PRIVATE=true, id 12345678901234567890123456789012345678901234567890",
        "snake_case_identifiers_that_are_rather_long_but_are_still_words",
    ],
)
def test_redact_keeps_words_guids_hosts_and_russian_text(text: str) -> None:
    assert redact(text) == text


def test_clip_masks_before_cutting() -> None:
    text = "x " * 240 + f"Basic {CREDENTIAL} and the password пароль-базы-1С at the end"
    clipped = clip(text, 500, ["пароль-базы-1С"])
    assert "dXNl" not in clipped and "пароль-ба" not in clipped and len(clipped) <= 500


def record(msg: str, *args: object, name: str = "amo1c.test") -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_the_log_filter_masks_basic_auth_in_a_records_arguments() -> None:
    entry = record("1C answered %s: %s", 500, f"Authorization: Basic {CREDENTIAL}")
    assert RedactingFilter().filter(entry) is True
    assert entry.getMessage() == "1C answered 500: Authorization: Basic ***"


def test_the_log_filter_masks_a_credential_split_between_message_and_arguments() -> None:
    entry = record("Authorization: Basic %s", CREDENTIAL)
    RedactingFilter().filter(entry)
    assert entry.getMessage() == "Authorization: Basic ***"


def test_the_log_filter_masks_exception_text() -> None:
    try:
        raise RuntimeError(f"refused {JWT}")
    except RuntimeError:
        entry = logging.LogRecord("amo1c.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactingFilter().filter(entry)
    assert entry.exc_text and "RuntimeError: refused ***" in entry.exc_text and JWT not in entry.exc_text


def test_redact_server_log_attaches_one_filter_to_each_handler() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("amo1c.test.redaction")
    logger.addHandler(handler)
    try:
        redact_server_log()
        redact_server_log()
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        logger.warning("sent Bearer %s", JWT)
        assert handler.stream.getvalue() == "sent Bearer ***\n"
    finally:
        logger.removeHandler(handler)


def test_uvicorn_access_log_never_shows_a_ui_token_or_an_oauth_code(settings: Settings) -> None:
    token = UITokens(settings.secret_key).issue(UISession(29384756, 7001, is_admin=True))
    code = "def50200" + "9f" * 64
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    server = ThreadedServer(create_app(settings), port=free_port(), log_level="info")
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)  # after uvicorn configured its logging, before the app starts: as in production
    try:
        with server:
            assert httpx.get(f"{server.url}/ui/settings", params={"token": token, "lang": "ru"}).status_code < 500
            httpx.get(f"{server.url}/oauth/callback", params={"code": code, "state": "s", "referer": "x.amocrm.ru"})
    finally:
        access.removeHandler(handler)
    lines = stream.getvalue()
    assert "GET /ui/settings?token=***&lang=ru HTTP/1.1" in lines
    assert "/oauth/callback?code=***&state=s" in lines
    assert token not in lines and token.split(".")[0] not in lines and code[:20] not in lines


PIECES = ["token=", "?Code=", "&token=", "Basic ", "BEARER\t", "bearer", "eyJ", ".eJ", "ЕУJ", "dXNlcjpwYXNz", "K",
          "a1" * 25, "x" * 45, "-", "_", ".", " ", "=", "Иван", "7701", "\u212a", "Bearer dXNlcjpwYXNz",
          "bAsIc YWJjOjEyMw==", "?token=abc", "eyJhbGciOiJIUzI1NiJ9", ".eJwzNDQ0MjQy"]  # fmt: skip


@hypothesis_settings(max_examples=400)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=12).map("".join))
def test_the_quick_look_never_lets_through_what_the_rules_would_mask(text: str) -> None:
    """redact() skips the four rules for text without anything they need: it must answer what they would."""
    assert redact(text) == _masked(text)
