"""`amo1c doctor`'s checks in-process, against the fake amoCRM, the fake 1C and the app itself as AMO1C_PUBLIC_URL:
all ✓ when healthy, and the matching ✗ (with what to do) for each failure injected; no secret in any line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.amocrm import TokenPair
from backend.crypto import SecretBox
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import Account, Direction, OneCBase, Subscription
from backend.settings import Settings
from backend.store import DatabaseTokenStore
from backend.sync.checks import Check
from backend.sync.doctor import Doctor, read_settings
from backend.sync.handlers import store_package
from backend.sync.instance import instance_proof
from backend.sync.log import LogRecord
from backend.sync.subscriptions import destination, subscribe
from tests.conftest import amo1c_over_fakes, client_of, migrate_all_but_the_last
from tests.factories import BASE_PASSWORD, install_account, link_base, stored_log

HANDLER = "/trade/hs/amo1c/handler"


@dataclass
class Rig:
    app: Starlette
    settings: Settings
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account: Account
    base: OneCBase

    def doctor(self, public: httpx.AsyncBaseTransport | None = None, **changes: Any) -> Doctor:
        return Doctor(
            self.settings.with_overrides(**changes),
            amocrm_transport=httpx.ASGITransport(app=self.amocrm),
            onec_transport=httpx.ASGITransport(app=self.onec),
            public_transport=public or httpx.ASGITransport(app=self.app),
        )

    async def run(self, account_id: int | None = None, **changes: Any) -> list[Check]:
        shown: list[str] = []
        checks = await self.doctor(**changes).run(lambda check: shown.append(check.line()), account_id=account_id)
        assert shown == [check.line() for check in checks], "each line is reported as it is known"
        return checks

    async def tokens(self) -> TokenPair:
        pair = await DatabaseTokenStore(SecretBox(self.settings.secret_key)).load(self.account.id)
        assert pair is not None
        return pair

    def secrets(self) -> list[str]:
        """Everything no line may show: the fake's every token, the OAuth client secret, the secret key, the
        operator's and the 1C base's passwords."""
        tokens = self.amocrm.world.tokens
        settings = self.settings
        assert settings.amocrm_client_secret and settings.admin_password
        fixed = [settings.amocrm_client_secret, settings.secret_key, settings.admin_password, BASE_PASSWORD]
        return [*fixed, *tokens.by_access, *tokens.by_refresh]


@pytest.fixture
async def rig(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Rig]:
    onec = FakeOneC(
        login="Обмен1С", password=BASE_PASSWORD, path=HANDLER, url_address="http://1c.test/trade", handlers_version="1"
    )
    async with amo1c_over_fakes(settings, fake_amocrm, onec, background=False) as app, client_of(app) as client:
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id, web_address=f"http://1c.test{HANDLER}")
        await stored_log(app)
        base = await OneCBase.get(account_id=account.id)
        await store_package(base, {"Модуль": "текст"})
        await subscribe(app.state.domain.amocrm.for_account(account), settings.public_url)
        yield Rig(app, settings, fake_amocrm, onec, account, base)


def by_subject(checks: list[Check]) -> dict[str, Check]:
    return {check.subject: check for check in checks}


def assert_no_secret(rig: Rig, checks: list[Check]) -> None:
    text = "\n".join(check.line() for check in checks)
    leaked = [secret for secret in rig.secrets() if secret in text]
    assert leaked == [], text


async def test_doctor_healthy_installation_passes_every_check(rig: Rig) -> None:
    before = await rig.tokens()
    checks = await rig.run()
    prefix = f"account {rig.account.id}"
    assert [check.subject for check in checks] == [
        "database",
        "migrations",
        "AMO1C_PUBLIC_URL",
        f"{prefix} · token",
        f"{prefix} · amoCRM API",
        f"{prefix} · webhooks",
        *(f"{prefix} · base trade · {part}" for part in ("address", "1C", "handlers", "calls from 1C", "calls to 1C")),
    ]
    assert all(check.passed for check in checks), "\n".join(check.line() for check in checks)
    lines = by_subject(checks)
    assert "1C runs the latest version 1" in lines[f"{prefix} · base trade · handlers"].text
    assert "last success" in lines[f"{prefix} · base trade · calls from 1C"].text  # the /sync/base call
    assert lines[f"{prefix} · base trade · calls to 1C"].text == "none yet"
    assert all(line.startswith("✓ ") and " — " not in line for line in (check.line() for check in checks))
    assert_no_secret(rig, checks)

    # The refresh went through the token store: a new pair is stored, and it is the one amoCRM now honours.
    after = await rig.tokens()
    assert after.refresh_token != before.refresh_token
    fake_tokens = rig.amocrm.world.tokens
    assert fake_tokens.peek_refresh(before.refresh_token).refresh_used  # type: ignore[union-attr]
    assert not fake_tokens.peek_refresh(after.refresh_token).refresh_used  # type: ignore[union-attr]
    assert fake_tokens.is_valid(fake_tokens.resolve(after.access_token))  # type: ignore[arg-type]
    # …and the doctor can run again on it: the account was not left with a spent token.
    assert all(check.passed for check in await rig.run())


async def test_doctor_1c_down_fails_the_1c_line_and_skips_its_version(rig: Rig) -> None:
    rig.onec.go_down()
    checks = await rig.run()
    lines = by_subject(checks)
    reached = lines[f"account {rig.account.id} · base trade · 1C"]
    assert reached.passed is False and "503" in reached.text and reached.advice.endswith(".")
    assert lines[f"account {rig.account.id} · base trade · handlers"].passed is None
    assert [check.subject for check in checks if check.passed is False] == [reached.subject]
    assert_no_secret(rig, checks)


async def test_doctor_revoked_token_fails_and_stores_nothing(rig: Rig) -> None:
    stored = await rig.tokens()
    rig.amocrm.world.tokens.refresh(stored.refresh_token)  # spent elsewhere: amoCRM now refuses it
    checks = await rig.run()
    lines = by_subject(checks)
    token = lines[f"account {rig.account.id} · token"]
    assert token.passed is False
    assert "Token has been revoked" in token.text and "Install the integration again" in token.advice
    assert lines[f"account {rig.account.id} · amoCRM API"].passed is None
    assert lines[f"account {rig.account.id} · webhooks"].passed is None
    assert (await rig.tokens()).refresh_token == stored.refresh_token
    assert_no_secret(rig, checks)


async def test_doctor_missing_webhook_subscription_fails_the_webhooks_line(rig: Rig) -> None:
    subscription = await Subscription.get(account_id=rig.account.id)
    hook = destination(rig.settings.public_url, subscription)
    assert rig.amocrm.world.hooks.unsubscribe(rig.account.id, hook)
    checks = await rig.run()
    webhooks = by_subject(checks)[f"account {rig.account.id} · webhooks"]
    assert webhooks.passed is False
    assert "no subscription" in webhooks.text and "Восстановить подписку" in webhooks.advice
    assert subscription.secret not in "\n".join(check.line() for check in checks)
    assert_no_secret(rig, checks)


async def test_doctor_never_subscribed_account_fails_the_webhooks_line(rig: Rig) -> None:
    await Subscription.filter(account_id=rig.account.id).delete()
    webhooks = by_subject(await rig.run())[f"account {rig.account.id} · webhooks"]
    assert webhooks.passed is False and "never subscribed" in webhooks.text


async def test_doctor_public_url_served_by_another_server_fails(rig: Rig) -> None:
    async def anything(request: Request) -> JSONResponse:
        return JSONResponse({"proof": "0" * 64, "status": "ok"})

    impostor = Starlette(routes=[Route("/{path:path}", anything)])
    checks = await rig.doctor(public=httpx.ASGITransport(app=impostor)).run(lambda check: None)
    public = by_subject(checks)["AMO1C_PUBLIC_URL"]
    assert public.passed is False and "is not this amo1c" in public.text and "AMO1C_PUBLIC_URL" in public.advice


async def test_doctor_public_url_of_an_amo1c_with_another_secret_key_fails(rig: Rig) -> None:
    other = rig.doctor(secret_key="another-secret-key-of-at-least-32-characters")
    public = by_subject(await other.run(lambda check: None))["AMO1C_PUBLIC_URL"]
    assert public.passed is False and "another instance's proof" in public.text


async def test_doctor_unknown_account_fails_and_checks_no_other(rig: Rig) -> None:
    for unknown in (rig.account.id + 1, -1, 2**70):
        checks = await rig.run(account_id=unknown)
        assert checks[-1].passed is False and checks[-1].subject == f"account {unknown}"
        assert "not installed" in checks[-1].text
        assert not any("token" in check.subject for check in checks)


async def test_doctor_names_a_disconnected_account_when_asked_for_it(rig: Rig) -> None:
    await Account.filter(id=rig.account.id).update(active=False)
    assert not any(str(rig.account.id) in check.subject for check in await rig.run())  # not installed any more
    checks = await rig.run(account_id=rig.account.id)
    assert checks[-1].passed is False and "integration was removed" in checks[-1].text
    assert checks[-1].advice == "Install the integration in that amoCRM account again."


async def test_doctor_one_account_checks_only_that_account(rig: Rig) -> None:
    other = await install_account(rig.amocrm, rig.settings, subdomain="other")
    checks = await rig.run(account_id=rig.account.id)
    assert not any(str(other.id) in check.subject for check in checks)
    assert any(check.subject == f"account {rig.account.id} · token" for check in checks)


async def test_doctor_address_in_a_private_range_fails_when_not_allowed(rig: Rig) -> None:
    await OneCBase.filter(id=rig.base.id).update(web_address=f"http://127.0.0.1{HANDLER}")
    checks = await rig.run(onec_allow_private=False)
    lines = by_subject(checks)
    address = lines[f"account {rig.account.id} · base trade · address"]
    assert address.passed is False and "AMO1C_ONEC_ALLOW_PRIVATE" in address.advice
    assert lines[f"account {rig.account.id} · base trade · 1C"].passed is None
    assert not any(request.type == "get_handlers_version" for request in rig.onec.requests)


async def test_doctor_older_handlers_in_1c_fail_the_handlers_line(rig: Rig) -> None:
    await store_package(rig.base, {"Модуль": "новый текст"})
    handlers = by_subject(await rig.run())[f"account {rig.account.id} · base trade · handlers"]
    assert handlers.passed is False and "1C runs version 1, the latest stored here is 2" in handlers.text


async def test_doctor_last_call_to_1c_failed_until_a_later_one_succeeds(rig: Rig) -> None:
    sync_log = rig.app.state.domain.sync_log
    record = LogRecord(Direction.TO_1C, "new_order", account_id=rig.account.id, id_base="trade")
    await sync_log.write(record, status=500, error="1С: модуль упал", duration_ms=3)
    await sync_log.flush()
    subject = f"account {rig.account.id} · base trade · calls to 1C"
    calls = by_subject(await rig.run())[subject]
    assert calls.passed is False and "new_order" in calls.text and "модуль упал" in calls.text
    assert "none ever succeeded" in calls.text
    # The doctor's own version check is no traffic: running it again changes nothing.
    assert by_subject(await rig.run())[subject].passed is False
    await sync_log.write(record, status=200, error=None, duration_ms=3)
    await sync_log.flush()
    assert by_subject(await rig.run())[subject].passed is True


async def test_doctor_stored_tokens_under_another_secret_key_fail(rig: Rig) -> None:
    checks = await rig.run(secret_key="another-secret-key-of-at-least-32-characters")
    token = by_subject(checks)[f"account {rig.account.id} · token"]
    assert token.passed is False and "cannot be decrypted" in token.text


async def test_doctor_pending_migration_fails_and_skips_the_accounts(rig: Rig, empty_database_url: str) -> None:
    url = empty_database_url
    last = await migrate_all_but_the_last(url)
    checks = await rig.run(database_url=url)
    lines = by_subject(checks)
    assert lines["database"].passed is True
    assert lines["migrations"].passed is False and last in lines["migrations"].text
    assert lines["migrations"].advice == "Run `amo1c migrate`."
    assert lines["accounts"].passed is None


async def test_doctor_unreachable_database_masks_its_password(rig: Rig) -> None:
    checks = await rig.run(database_url="postgres://amo1c:pg-secret-word@127.0.0.1:9/amo1c")
    text = "\n".join(check.line() for check in checks)
    assert by_subject(checks)["database"].passed is False
    assert "pg-secret-word" not in text and "amo1c:***@127.0.0.1:9" in text


def test_read_settings_reports_an_invalid_variable_and_masks_the_database_password() -> None:
    checks, settings = read_settings({"AMO1C_SECRET_KEY": "short"})
    assert settings is None and checks[0].passed is False and "AMO1C_SECRET_KEY" in checks[0].text
    environ = {
        "AMO1C_SECRET_KEY": "k" * 40,
        "AMO1C_DATABASE_URL": "postgres://amo1c:pg-secret-word@db/amo1c",
        "AMO1C_AMOCRM_CLIENT_ID": "id",
        "AMO1C_AMOCRM_CLIENT_SECRET": "client-secret-value",
    }
    checks, settings = read_settings(environ)
    assert settings is not None and [check.passed for check in checks] == [True]
    assert "pg-secret-word" not in checks[0].line() and "amo1c:***@db" in checks[0].line()


async def test_instance_proof_answers_the_challenge_for_this_key_and_origin(rig: Rig) -> None:
    async with client_of(rig.app) as http:
        challenge = "c" * 43
        answer = (await http.get("/instance", params={"challenge": challenge})).json()["proof"]
        assert answer == instance_proof(rig.settings.secret_key, rig.settings.public_origin, challenge)
        assert answer != instance_proof(rig.settings.secret_key, "https://elsewhere.example", challenge)
        for bad in ("", "short", "x" * 129, "пароль" * 5, "a b" * 10):
            assert (await http.get("/instance", params={"challenge": bad})).status_code == 400
