"""`python -m backend doctor` as an operator runs it, against real servers on 127.0.0.1: the fake amoCRM, the fake 1C
and amo1c itself at AMO1C_PUBLIC_URL. Healthy → every line ✓ and exit 0; PUBLIC_URL on another server answering 200,
or an unknown --account → the matching ✗ line and exit 1; never a secret in what it prints."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.app import create_app
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import Account, OneCBase
from backend.settings import Settings
from backend.sync.handlers import store_package
from backend.sync.subscriptions import subscribe
from tests.factories import BASE_LOGIN, BASE_PASSWORD, install_account, link_base, stored_log
from tests.fakes.servers import serving
from tests.test_cli import free_port

HANDLER = "/trade/hs/amo1c/handler"
SECRET_KEY = "doctor-cli-test-secret-key-0123456789abcdefgh"


@dataclass
class Installation:
    settings: Settings
    amocrm: FakeAmoCRM
    account: Account
    cwd: Path

    def env(self, **changes: str) -> dict[str, str]:
        settings = self.settings
        assert settings.amocrm_client_id and settings.amocrm_client_secret and settings.amocrm_base_url
        assert settings.admin_user and settings.admin_password
        env = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}
        env.update(
            AMO1C_DATABASE_URL=settings.database_url,
            AMO1C_SECRET_KEY=settings.secret_key,
            AMO1C_PUBLIC_URL=settings.public_url,
            AMO1C_AMOCRM_BASE_URL=settings.amocrm_base_url,
            AMO1C_AMOCRM_CLIENT_ID=settings.amocrm_client_id,
            AMO1C_AMOCRM_CLIENT_SECRET=settings.amocrm_client_secret,
            AMO1C_ADMIN_USER=settings.admin_user,
            AMO1C_ADMIN_PASSWORD=settings.admin_password,
            AMO1C_ONEC_ALLOW_PRIVATE="true",
        )
        env.update(changes)
        return env

    async def doctor(self, *args: str, **env: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend", "doctor", *args,
            env=self.env(**env), cwd=self.cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    def assert_no_secret(self, output: str) -> None:
        tokens = self.amocrm.world.tokens
        settings = self.settings
        assert settings.amocrm_client_secret and settings.admin_password
        secrets = [settings.secret_key, settings.amocrm_client_secret, settings.admin_password, BASE_PASSWORD]
        database_password = urlsplit(settings.database_url).password  # on PostgreSQL runs, when the server has one
        secrets += [database_password] if database_password else []
        leaked = [secret for secret in [*secrets, *tokens.by_access, *tokens.by_refresh] if secret in output]
        assert leaked == [], output


@pytest.fixture
async def installation(settings: Settings, tmp_path: Path) -> AsyncIterator[Installation]:
    public_url = f"http://127.0.0.1:{free_port()}"
    settings = settings.with_overrides(secret_key=SECRET_KEY, public_url=public_url, mode="serve")
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    amocrm = FakeAmoCRM(
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=settings.redirect_uri,
        rps_limit=0,
    )
    onec = FakeOneC(
        login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER, url_address="http://x/trade", handlers_version="1"
    )
    async with serving(amocrm) as amocrm_url, serving(onec) as onec_url:
        settings = settings.with_overrides(amocrm_base_url=amocrm_url)
        app = create_app(settings, background=False)
        async with (
            serving(app, int(public_url.rsplit(":", 1)[1])),
            httpx.AsyncClient(base_url=public_url, trust_env=False) as client,
        ):
            account = await install_account(amocrm, settings)
            await link_base(client, account.id, web_address=f"{onec_url}{HANDLER}")
            await stored_log(app)
            await store_package(await OneCBase.get(account_id=account.id), {"Модуль": "текст"})
            await subscribe(app.state.domain.amocrm.for_account(account), public_url)
            yield Installation(settings, amocrm, account, tmp_path)


async def test_doctor_command_healthy_prints_only_passes_and_exits_0(installation: Installation) -> None:
    status, out, err = await installation.doctor()
    lines = out.splitlines()
    assert status == 0, out + err
    assert len(lines) == 12 and all(line.startswith("✓ ") for line in lines), out
    assert lines[0].startswith("✓ settings: valid")
    assert f"✓ account {installation.account.id} · base trade · 1C: answers (handlers version 1)" in lines
    installation.assert_no_secret(out + err)


async def test_doctor_command_public_url_on_another_server_exits_1(installation: Installation) -> None:
    async def ok(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async with serving(Starlette(routes=[Route("/{path:path}", ok)])) as elsewhere:
        status, out, err = await installation.doctor(AMO1C_PUBLIC_URL=elsewhere)
    assert status == 1
    public = next(line for line in out.splitlines() if "AMO1C_PUBLIC_URL:" in line)
    assert public.startswith(f"✗ AMO1C_PUBLIC_URL: {elsewhere} is not this amo1c: /instance answered 200 — ")
    # amoCRM knows the integration by its redirect URI, PUBLIC_URL + /oauth/callback: it refuses the refresh, and
    # the refresh token stays as it was (the next run with the right PUBLIC_URL refreshes with it).
    token = next(line for line in out.splitlines() if " · token:" in line)
    assert token.startswith("✗ ") and "Set AMO1C_PUBLIC_URL" in token
    assert (await installation.doctor())[0] == 0
    installation.assert_no_secret(out + err)


async def test_doctor_command_unknown_account_exits_1(installation: Installation) -> None:
    status, out, err = await installation.doctor("--account", str(installation.account.id + 1))
    assert status == 1
    assert out.splitlines()[-1].startswith(f"✗ account {installation.account.id + 1}: not installed in this amo1c — ")
    assert not any(" · " in line for line in out.splitlines()), "no other account is checked"
    installation.assert_no_secret(out + err)
