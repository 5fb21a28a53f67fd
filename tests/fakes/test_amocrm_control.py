"""FakeAmoCRM control endpoints under /_fake, driven over HTTP as end-to-end tests do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from backend.fakes.amocrm import FakeAmoCRM
from tests.fakes.amocrm_helpers import FakeClock, code_grant, make_fake, refresh_grant


@asynccontextmanager
async def control_client(clock: FakeClock | None = None) -> AsyncIterator[tuple[FakeAmoCRM, httpx.AsyncClient]]:
    """Yield a fresh fake (rate limit 7) on the given clock and a client bound to it."""
    fake = make_fake(clock or FakeClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://fake") as client:
        yield fake, client


async def connect(client: httpx.AsyncClient, subdomain: str = "demo") -> tuple[dict[str, Any], dict[str, Any]]:
    """Create an account over HTTP and exchange its code; return (account answer, tokens)."""
    created = await client.post("/_fake/accounts", json={"subdomain": subdomain, "name": "ООО Тест"})
    assert created.status_code == 201, created.text
    account = created.json()
    tokens = await client.post("/oauth2/access_token", json=code_grant(account["code"]))
    assert tokens.status_code == 200, tokens.text
    return account, tokens.json()


async def test_amocrm_control_create_account_then_use_api_and_read_state() -> None:
    async with control_client() as (fake, client):
        account, tokens = await connect(client)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        await client.post("/api/v4/contacts", json=[{"name": "Анна"}], headers=headers)
        state = (await client.get(f"/_fake/accounts/{account['account_id']}/state")).json()
        listed = (await client.get("/_fake/accounts")).json()["accounts"]
    assert account["subdomain"] == "demo"
    assert len(account["users"]) >= 3
    assert state["account"]["id"] == account["account_id"]
    assert [c["name"] for c in state["contacts"]] == ["Анна"]
    assert state["leads"] == [] and state["notes"] == [] and state["links"] == []
    assert state["counters"] == {"code_grants": 1, "refresh_grants": 0, "refresh_attempts": 0, "rate_limited": 0}
    assert len(state["pipelines"]) >= 2
    assert [a["account_id"] for a in listed] == [account["account_id"]]
    assert fake.account(account["account_id"]).contacts


async def test_amocrm_control_issue_code_and_expire_tokens() -> None:
    async with control_client() as (_fake, client):
        account, tokens = await connect(client)
        base = f"/_fake/accounts/{account['account_id']}"
        code = (await client.post(f"{base}/codes")).json()["code"]
        second = await client.post("/oauth2/access_token", json=code_grant(code))
        expired = (await client.post(f"{base}/expire_tokens")).json()
        call = await client.get("/api/v4/account", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        renewed = await client.post("/oauth2/access_token", json=refresh_grant(tokens["refresh_token"]))
        state = (await client.get(f"{base}/state")).json()
    assert second.status_code == 200
    assert expired == {"expired": 2}
    assert call.status_code == 401
    assert renewed.status_code == 200
    assert state["counters"]["refresh_grants"] == 1


async def test_amocrm_control_request_log_read_and_clear() -> None:
    async with control_client() as (_fake, client):
        account, tokens = await connect(client)
        await client.get("/api/v4/leads", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        log = (await client.get("/_fake/requests")).json()["requests"]
        filtered = (await client.get("/_fake/requests", params={"account_id": 1})).json()["requests"]
        cleared = await client.delete("/_fake/requests")
        after = (await client.get("/_fake/requests")).json()["requests"]
    assert [(r["method"], r["path"], r["status"], r["account_id"]) for r in log] == [
        ("POST", "/oauth2/access_token", 200, account["account_id"]),
        ("GET", "/api/v4/leads", 204, account["account_id"]),
    ]
    assert filtered == []
    assert cleared.status_code == 204
    assert after == []


async def test_amocrm_control_fail_next_and_faults_listing() -> None:
    async with control_client() as (_fake, client):
        account, tokens = await connect(client)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        set_fault = await client.post(
            "/_fake/fail_next", json={"n": 1, "status": 504, "after_apply": True, "path_prefix": "/api/v4/contacts"}
        )
        pending = (await client.get("/_fake/faults")).json()["faults"]
        failed = await client.post("/api/v4/contacts", json=[{"name": "Применён"}], headers=headers)
        state = (await client.get(f"/_fake/accounts/{account['account_id']}/state")).json()
        await client.post("/_fake/fail_next", json={"status": 403})
        await client.delete("/_fake/faults")
        fine = await client.get("/api/v4/account", headers=headers)
    assert set_fault.status_code == 201
    assert pending[0]["status"] == 504 and pending[0]["after_apply"] is True
    assert failed.status_code == 504
    assert [c["name"] for c in state["contacts"]] == ["Применён"]
    assert fine.status_code == 200


async def test_amocrm_control_hang_next() -> None:
    async with control_client() as (_fake, client):
        _account, tokens = await connect(client)
        response = await client.post("/_fake/hang_next", json={"n": 1, "seconds": 0.01})
        slow = await client.get("/api/v4/account", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        bad = await client.post("/_fake/hang_next", json={"n": 1})
    assert response.status_code == 201
    assert response.json()["fault"]["seconds"] == 0.01
    assert slow.status_code == 200
    assert bad.status_code == 400


async def test_amocrm_control_custom_fields_and_rps_limit() -> None:
    clock = FakeClock()
    async with control_client(clock) as (_fake, client):
        account, tokens = await connect(client)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        added = await client.post(
            f"/_fake/accounts/{account['account_id']}/custom_fields",
            json={"entity": "contacts", "fields": [{"name": "ИНН клиента", "type": "text", "code": "INN"}]},
        )
        used = await client.post(
            "/api/v4/contacts",
            json=[{"custom_fields_values": [{"field_code": "INN", "values": [{"value": "7701234567"}]}]}],
            headers=headers,
        )
        limited = await client.put("/_fake/rps_limit", json={"rps_limit": 1})
        clock.advance(5)
        statuses = [(await client.get("/api/v4/account", headers=headers)).status_code for _ in range(3)]
        control_calls = [(await client.get("/_fake/rps_limit")).status_code for _ in range(5)]
        await client.put("/_fake/rps_limit", json={"rps_limit": 0})
        unlimited = {(await client.get("/api/v4/account", headers=headers)).status_code for _ in range(10)}
    assert added.status_code == 201
    assert added.json()["custom_fields"][0]["code"] == "INN"
    assert used.status_code == 200
    assert limited.json() == {"rps_limit": 1}
    assert statuses == [200, 429, 429]
    assert control_calls == [200] * 5, "control endpoints are not rate limited"
    assert unlimited == {200}


async def test_amocrm_control_errors_are_json() -> None:
    async with control_client() as (_fake, client):
        unknown_account = await client.get("/_fake/accounts/1/state")
        unknown_path = await client.get("/_fake/nothing")
        bad_body = await client.post("/_fake/fail_next", content=b"[1, 2]")
        bad_field = await client.post("/_fake/accounts", json={"subdomain": 5})
        log = (await client.get("/_fake/requests")).json()["requests"]
    assert unknown_account.status_code == 404
    assert unknown_path.status_code == 404
    assert bad_body.status_code == 400
    assert bad_field.status_code == 400
    assert unknown_account.headers["content-type"] == "application/json"
    assert log == []
