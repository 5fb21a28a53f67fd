"""GET /metrics in one process: off unless configured, guarded by its token and address list, figures that move with
the traffic that passes (sync calls, amoCRM requests and token refreshes, the budget, calls into 1C, webhooks, the
outbox), and never an account id, base id, name, address or secret among them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from backend import metrics, request_context, scrape
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.log_format import ContextFilter, JsonFormatter
from backend.models import Account, Intent, IntentKind, OneCBase
from backend.onec import OneCFailed
from backend.redaction import RedactingFilter
from backend.request_context import RequestContextMiddleware
from backend.settings import Settings, SettingsError
from backend.sync.operations import operation_label
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import BASE_AUTH, BASE_PASSWORD, install_account, link_base

TOKEN = "metrics-token-0123456789abcdef"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
ID_BASE = "base-qz7w"  # distinctive: none of these may show up in the scrape
CUSTOMER = "Покупатель Зеленоглазов"
ID_1C = "id1c-zx81"
HANDLER_PATH = "/trade/hs/amo1c/handler"
WEB_ADDRESS = f"http://onec-host-qx.test{HANDLER_PATH}"


def figure(text: str, name: str, **labels: str) -> float:
    """The sum of the samples `name` whose labels include `labels` (0 when there are none)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                total += sample.value
    return total


@dataclass
class Stack:
    app: Starlette
    client: httpx.AsyncClient
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account: Account

    async def scrape(self) -> str:
        response = await self.client.get("/metrics", headers=SCRAPE)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=")
        return response.text

    async def sync(self, path: str, body: dict[str, object]) -> httpx.Response:
        return await self.client.post(
            path, json={"key": self.account.id, "id_base": ID_BASE, **body}, headers=BASE_AUTH
        )


@pytest.fixture
async def stack(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Stack]:
    onec = FakeOneC(login="Обмен1С", password=BASE_PASSWORD, path=HANDLER_PATH, url_address="http://1c.test/trade")
    on = settings.with_overrides(metrics=True, metrics_token=TOKEN)
    async with amo1c_over_fakes(on, fake_amocrm, onec) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, on, subdomain="zelenoglazov")
        await link_base(client, account.id, id_base=ID_BASE, web_address=WEB_ADDRESS)
        yield Stack(app, client, fake_amocrm, onec, account)


async def test_metrics_move_with_sync_calls_amocrm_requests_and_the_budget(stack: Stack) -> None:
    before = await stack.scrape()

    for n in range(3):
        answer = await stack.sync("/sync/clients_contacts", {"id_1c": f"{ID_1C}-{n}", "name": CUSTOMER})
        assert answer.status_code == 200, answer.text
    refused = await stack.client.post(
        "/sync/clients_contacts", json={"key": stack.account.id, "id_base": ID_BASE, "name": "x"}
    )
    assert refused.status_code == 401
    after = await stack.scrape()

    def moved(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert moved("amo1c_sync_calls_total", operation="clients_contacts", outcome="ok") == 3
    assert moved("amo1c_sync_calls_total", operation="clients_contacts", outcome="refused") == 1
    assert moved("amo1c_sync_call_seconds_count", operation="clients_contacts") == 4
    assert moved("amo1c_amocrm_requests_total", outcome="2xx") >= 3
    assert moved("amo1c_amocrm_budget_wait_seconds_count") == moved("amo1c_amocrm_requests_total")
    assert figure(after, "amo1c_workers") == 1


async def test_a_token_refresh_and_a_failing_call_into_1c_are_counted(stack: Stack) -> None:
    base = await OneCBase.get(account_id=stack.account.id, id_base=ID_BASE)
    before = await stack.scrape()

    assert stack.amocrm.expire_tokens(stack.account.id) >= 1
    answer = await stack.sync("/sync/clients_contacts", {"id_1c": ID_1C, "name": CUSTOMER})
    assert answer.status_code == 200, answer.text
    onec = stack.app.state.domain.onec.for_base(base)
    assert await onec.get_handlers_version() == "1.0.0"
    stack.onec.fail_next(status=500, body=f"Ошибка модуля: пароль {BASE_PASSWORD} не подошёл")
    with pytest.raises(Exception, match="500"):
        await onec.get_handlers_version()
    after = await stack.scrape()

    def moved(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert moved("amo1c_amocrm_token_refreshes_total", outcome="ok") == 1
    assert moved("amo1c_amocrm_token_refreshes_total", outcome="failed") == 0
    assert moved("amo1c_onec_calls_total", operation="get_handlers_version", outcome="ok") == 1
    assert moved("amo1c_onec_calls_total", operation="get_handlers_version", outcome="failed") == 1
    assert moved("amo1c_onec_call_seconds_count", operation="get_handlers_version") == 2
    assert BASE_PASSWORD not in after


async def test_webhooks_and_the_outbox_are_counted(stack: Stack) -> None:
    base = await OneCBase.get(account_id=stack.account.id, id_base=ID_BASE)
    before = await stack.scrape()

    assert (await stack.client.post("/amocrm/webhooks/no-such-secret", data={"a": "b"})).status_code == 404
    assert (await stack.client.post("/amocrm/dp", data={"a": "b"})).status_code == 404
    await Intent.create(
        base=base,
        account_id=stack.account.id,
        kind=IntentKind.NEW_ORDER,
        amo_id=5,
        next_attempt_at=datetime.now(UTC) + timedelta(hours=1),
        created_at=datetime.now(UTC),
    )
    await Intent.filter(account_id=stack.account.id).update(created_at=datetime.now(UTC) - timedelta(minutes=10))
    after = await stack.scrape()

    assert figure(after, "amo1c_webhooks_received_total", source="webhook", outcome="not_found") == 1 + figure(
        before, "amo1c_webhooks_received_total", source="webhook", outcome="not_found"
    )
    assert figure(after, "amo1c_webhooks_received_total", source="dp", outcome="not_found") == 1 + figure(
        before, "amo1c_webhooks_received_total", source="dp", outcome="not_found"
    )
    assert figure(after, "amo1c_outbox_intents", state="pending") == 1
    assert figure(after, "amo1c_outbox_intents", state="dead") == 0
    assert 590 < figure(after, "amo1c_outbox_oldest_pending_age_seconds") < 3600


async def test_no_label_value_names_an_account_a_base_a_customer_or_an_address(stack: Stack) -> None:
    for path, body in (
        ("/sync/clients_contacts", {"id_1c": ID_1C, "name": CUSTOMER}),
        ("/sync/leads", {"id_1c": f"{ID_1C}-order", "order_number": "Z-99"}),
        ("/sync/no_such_operation", {"name": CUSTOMER}),
    ):
        await stack.sync(path, body)
    base = await OneCBase.get(account_id=stack.account.id, id_base=ID_BASE)
    await stack.app.state.domain.onec.for_base(base).get_handlers_version()

    text = await stack.scrape()

    for customer_data in (str(stack.account.id), ID_BASE, CUSTOMER, ID_1C, "zelenoglazov", "onec-host-qx", "Z-99"):
        assert customer_data not in text
    for secret in (BASE_PASSWORD, TOKEN):
        assert secret not in text
    operations = {
        sample.labels["operation"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if "operation" in sample.labels
    }
    assert {"clients_contacts", "leads", "get_handlers_version", "base"} <= operations


def test_an_unknown_operation_is_labelled_other() -> None:
    assert operation_label("leads") == "leads"
    assert operation_label("leads\n") == "other"
    assert operation_label(str(31000001)) == "other"


async def test_the_scrape_wants_its_token(stack: Stack) -> None:
    missing = await stack.client.get("/metrics")
    wrong = await stack.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    basic = await stack.client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    right = await stack.client.get("/metrics", headers=SCRAPE)

    assert [missing.status_code, wrong.status_code, basic.status_code, right.status_code] == [401, 401, 401, 200]
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "amo1c_sync_calls" in right.text and "amo1c_sync_calls" not in missing.text


async def test_metrics_are_off_unless_enabled(app: Starlette, client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics", headers=SCRAPE)).status_code == 404
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_the_allow_list_is_checked_against_the_client_address(settings: Settings) -> None:
    allowed = settings.with_overrides(metrics=True, metrics_allow=Settings.from_env(
        {"AMO1C_METRICS_ALLOW": "127.0.0.1, 10.1.0.0/16"}, mode="test").metrics_allow)  # fmt: skip
    fake = FakeAmoCRM(client_id="c", client_secret="s", redirect_uri="http://x/oauth/callback", rps_limit=0)
    async with (
        amo1c_over_fakes(allowed, fake) as app,
        client_of(app, "10.1.2.3") as inside,
        client_of(app, "192.0.2.9") as outside,
    ):
        assert (await inside.get("/metrics")).status_code == 200
        assert (await outside.get("/metrics")).status_code == 403
        # the app never reads X-Forwarded-For itself: only uvicorn does, and only from FORWARDED_ALLOW_IPS
        spoofed = await outside.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        assert spoofed.status_code == 403


def test_metrics_settings_are_validated_and_never_echo_the_token() -> None:
    key = {"AMO1C_SECRET_KEY": "k" * 40}
    with pytest.raises(SettingsError, match="AMO1C_METRICS_TOKEN nor AMO1C_METRICS_ALLOW"):
        Settings.from_env({**key, "AMO1C_METRICS": "true"})
    with pytest.raises(SettingsError, match="too weak") as weak:
        Settings.from_env({**key, "AMO1C_METRICS": "true", "AMO1C_METRICS_TOKEN": "short-secret"})
    assert "short-secret" not in str(weak.value)
    with pytest.raises(SettingsError, match="Bearer") as odd:
        Settings.from_env({**key, "AMO1C_METRICS_TOKEN": "a token with spaces in it"})
    assert "spaces" not in str(odd.value)
    with pytest.raises(SettingsError, match="AMO1C_METRICS_ALLOW"):
        Settings.from_env({**key, "AMO1C_METRICS_ALLOW": "localhost"})
    with pytest.raises(SettingsError, match="AMO1C_LOG_FORMAT"):
        Settings.from_env({**key, "AMO1C_LOG_FORMAT": "xml"})
    on = Settings.from_env({**key, "AMO1C_METRICS": "yes", "AMO1C_METRICS_TOKEN": TOKEN, "AMO1C_LOG_FORMAT": "JSON"})
    assert (on.metrics, on.metrics_token, on.log_format) == (True, TOKEN, "json")
    assert Settings.from_env(key).metrics is False


async def test_json_log_lines_carry_the_request_and_hide_the_base_password(stack: Stack) -> None:
    base = await OneCBase.get(account_id=stack.account.id, id_base=ID_BASE)
    onec = stack.app.state.domain.onec.for_base(base)

    async def call_into_1c(scope: Scope, receive: Receive, send: Send) -> None:
        """A request whose handler calls 1C, which fails echoing the password and a bearer token."""
        request_context.annotate(account=stack.account.id, base=ID_BASE, operation="get_handlers_version")
        stack.onec.fail_next(status=500, body=f"Ошибка: пароль {BASE_PASSWORD}, Bearer abc123def456ghi789")
        with pytest.raises(OneCFailed):
            await onec.get_handlers_version()
        await PlainTextResponse("done")(scope, receive, send)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    onec_logger = logging.getLogger("amo1c.onec")
    onec_logger.addHandler(handler)
    try:
        transport = httpx.ASGITransport(app=RequestContextMiddleware(call_into_1c))
        async with httpx.AsyncClient(transport=transport, base_url="http://amo1c.test") as http:
            answer = await http.get("/", headers={"X-Request-ID": "proxy-req-42"})
    finally:
        onec_logger.removeHandler(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["request_id"] == answer.headers["x-request-id"] == "proxy-req-42"
    assert (lines[0]["account"], lines[0]["base"]) == (stack.account.id, ID_BASE)
    assert (lines[0]["level"], lines[0]["logger"], lines[0]["operation"]) == (
        "WARNING",
        "amo1c.onec",
        "get_handlers_version",
    )
    assert isinstance(lines[0]["duration_ms"], int) and lines[0]["time"].endswith("+00:00")
    assert BASE_PASSWORD not in stream.getvalue() and "abc123def456ghi789" not in stream.getvalue()


def test_a_dead_workers_live_figures_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gauge_livesum_999999999.db").write_bytes(b"")
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")
    (tmp_path / "counter_999999999.db").write_bytes(b"")
    monkeypatch.setenv(metrics.MULTIPROC_DIR, str(tmp_path))

    metrics.worker_started()

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "counter_999999999.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]


def test_the_multiprocess_directory_is_private_fresh_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(metrics.MULTIPROC_DIR, raising=False)
    with metrics.multiprocess_dir(True):
        directory = Path(os.environ[metrics.MULTIPROC_DIR])
        assert directory.is_dir() and list(directory.iterdir()) == []
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert not directory.exists() and metrics.MULTIPROC_DIR not in os.environ
    with metrics.multiprocess_dir(False):
        assert metrics.MULTIPROC_DIR not in os.environ


async def test_a_scrape_does_not_wait_on_a_slow_database(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    async def stuck() -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(scrape, "outbox_census", stuck)
    monkeypatch.setattr(scrape, "CENSUS_TIMEOUT", 0.05)
    started = time.monotonic()
    text = await stack.scrape()  # answers, with the workers' own figures

    assert time.monotonic() - started < 5
    assert "amo1c_workers" in text and "amo1c_outbox_intents" not in text
