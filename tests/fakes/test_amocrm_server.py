"""FakeAmoCRM as a real server: the command line, and uvicorn serving it on loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest

from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.amocrm.__main__ import build_parser
from tests.fakes.amocrm_helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, code_grant
from tests.fakes.servers import serving


def test_amocrm_cli_parses_connection_and_integration_settings() -> None:
    args = build_parser().parse_args(
        ["--port", "8123", "--client-id", "X", "--client-secret", "Y", "--redirect-uri", "Z", "--rps-limit", "0"]
    )
    assert (args.host, args.port, args.client_id, args.client_secret, args.redirect_uri) == (
        "127.0.0.1",
        8123,
        "X",
        "Y",
        "Z",
    )
    assert args.rps_limit == 0


def test_amocrm_module_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.fakes.amocrm", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "--client-secret" in result.stdout


async def test_amocrm_serves_over_loopback_and_drops_requests_of_clients_that_gave_up() -> None:
    fake = FakeAmoCRM(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI)
    async with serving(fake) as base_url, httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
        created = (await client.post("/_fake/accounts", json={"subdomain": "live"})).json()
        tokens = (await client.post("/oauth2/access_token", json=code_grant(created["code"]))).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        await client.post("/_fake/hang_next", json={"seconds": 0.5})
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/v4/contacts", json=[{"name": "Брошен"}], headers=headers, timeout=0.1)
        await client.post("/_fake/hang_next", json={"seconds": 0.5, "after_apply": True})
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/v4/contacts", json=[{"name": "Создан"}], headers=headers, timeout=0.1)
        await asyncio.sleep(0.8)
        state = (await client.get(f"/_fake/accounts/{created['account_id']}/state")).json()
        log = (await client.get("/_fake/requests")).json()["requests"]
    assert [c["name"] for c in state["contacts"]] == ["Создан"]
    assert [r["status"] for r in log if r["path"] == "/api/v4/contacts"] == [499, 200]
