"""FakeAmoCRM gateway behaviour: rate limit, account isolation, injected faults, the request log."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.amocrm_helpers import authorize, bearer, open_session, refresh_grant


async def test_amocrm_eighth_request_in_a_second_is_429_html_until_window_passes() -> None:
    async with open_session(rps_limit=7) as s:
        statuses = []
        for _ in range(8):
            statuses.append((await s.get("/api/v4/account")).status_code)
            s.clock.mono += 0.1
        refused = await s.get("/api/v4/account")
        s.clock.mono += 0.35  # the first request of the burst is now more than a second old
        after = await s.get("/api/v4/account")
    assert statuses == [200] * 7 + [429]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "429 Too Many Requests" in refused.text
    assert "retry-after" not in refused.headers
    assert after.status_code == 200
    assert s.account.rate_limited == 2
    assert [r.status for r in s.fake.requests if r.path == "/api/v4/account"].count(429) == 2


async def test_amocrm_rate_limit_is_per_account_and_skips_oauth() -> None:
    async with open_session(rps_limit=2) as s:
        other = s.fake.add_account(subdomain="other", name="Другой")
        other_tokens = await authorize(s.client, s.fake, other)
        assert [(await s.get("/api/v4/account")).status_code for _ in range(3)] == [200, 200, 429]
        renewed = await s.client.post("/oauth2/access_token", json=refresh_grant(s.tokens["refresh_token"]))
        other_call = await s.client.get("/api/v4/account", headers=bearer(other_tokens))
    assert renewed.status_code == 200
    assert other_call.status_code == 200
    assert other.rate_limited == 0


async def test_amocrm_rps_limit_zero_is_unlimited() -> None:
    async with open_session(rps_limit=1) as s:
        s.fake.rps_limit = 0
        statuses = {(await s.get("/api/v4/account")).status_code for _ in range(20)}
    assert statuses == {200}


async def test_amocrm_accounts_are_isolated() -> None:
    async with open_session() as s:
        other = s.fake.add_account(subdomain="other", name="Другой")
        other_headers = bearer(await authorize(s.client, s.fake, other))
        (mine,) = await s.create("contacts", {"name": "Секретный клиент"})
        direct = await s.client.get(f"/api/v4/contacts/{mine}", headers=other_headers)
        search = await s.client.get("/api/v4/contacts", params={"query": "Секретный"}, headers=other_headers)
        patch = await s.client.patch(f"/api/v4/contacts/{mine}", json={"name": "X"}, headers=other_headers)
        link = await s.client.post(
            "/api/v4/contacts", json=[{"name": "Их", "_embedded": {"companies": [{"id": mine}]}}], headers=other_headers
        )
        account = (await s.client.get("/api/v4/account", headers=other_headers)).json()
    assert direct.status_code == 204
    assert search.status_code == 204
    assert patch.status_code == 404
    assert link.status_code == 400
    assert account["id"] == other.id
    assert s.account.contacts[mine].name == "Секретный клиент"
    assert other.contacts == {}


@pytest.mark.parametrize(
    ("status", "content_type", "marker"),
    [
        (403, "text/html", "403 Forbidden"),
        (402, "application/problem+json", "Payment Required"),
        (502, "text/html", "502 Bad Gateway"),
        (503, "text/html", "503 Service Temporarily Unavailable"),
        (504, "text/html", "504 Gateway Time-out"),
    ],
)
async def test_amocrm_fail_next_default_bodies(status: int, content_type: str, marker: str) -> None:
    async with open_session() as s:
        s.fake.fail_next(2, status=status)
        first = await s.get("/api/v4/account")
        second = await s.get("/api/v4/account")
        third = await s.get("/api/v4/account")
    assert first.status_code == second.status_code == status
    assert first.headers["content-type"].startswith(content_type)
    assert marker in first.text
    assert third.status_code == 200


async def test_amocrm_fail_next_with_prefix_and_custom_body() -> None:
    async with open_session() as s:
        s.fake.fail_next(1, status=500, body={"detail": "boom"}, path_prefix="/api/v4/leads")
        contacts = await s.get("/api/v4/contacts")
        leads = await s.post("/api/v4/leads", [{"name": "Не будет"}])
        again = await s.post("/api/v4/leads", [{"name": "Будет"}])
    assert contacts.status_code == 204
    assert leads.status_code == 500
    assert leads.json() == {"detail": "boom"}
    assert again.status_code == 200
    assert [lead.name for lead in s.account.leads.values()] == ["Будет"]


async def test_amocrm_fail_next_can_target_the_token_endpoint() -> None:
    async with open_session() as s:
        s.fake.fail_next(1, status=503, path_prefix="/oauth2/")
        failed = await s.client.post("/oauth2/access_token", json=refresh_grant(s.tokens["refresh_token"]))
        retried = await s.client.post("/oauth2/access_token", json=refresh_grant(s.tokens["refresh_token"]))
    assert failed.status_code == 503
    assert retried.status_code == 200, "a failed gateway must not have spent the refresh token"
    assert s.account.refresh_grants == 1


async def test_amocrm_fail_after_apply_stores_the_entity() -> None:
    async with open_session() as s:
        s.fake.fail_next(1, status=504, after_apply=True)
        response = await s.post("/api/v4/contacts", [{"name": "Уже создан", "request_id": "k1"}])
    assert response.status_code == 504
    assert "504 Gateway Time-out" in response.text
    assert [c.name for c in s.account.contacts.values()] == ["Уже создан"]


async def test_amocrm_hang_next_times_out_without_applying() -> None:
    async with open_session() as s:
        s.fake.hang_next(1, seconds=30)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(s.post("/api/v4/contacts", [{"name": "Потерян"}]), timeout=0.05)
        after = await s.post("/api/v4/contacts", [{"name": "Дошёл"}])
    assert after.status_code == 200
    assert [c.name for c in s.account.contacts.values()] == ["Дошёл"]


async def test_amocrm_hang_after_apply_stores_though_client_gave_up() -> None:
    async with open_session() as s:
        s.fake.hang_next(1, seconds=30, after_apply=True)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(s.post("/api/v4/contacts", [{"name": "Создан молча"}]), timeout=0.05)
    assert [c.name for c in s.account.contacts.values()] == ["Создан молча"]


async def test_amocrm_short_hang_answers_normally() -> None:
    async with open_session() as s:
        s.fake.hang_next(1, seconds=0.01)
        response = await s.get("/api/v4/account")
    assert response.status_code == 200


async def test_amocrm_fault_can_target_one_account() -> None:
    async with open_session() as s:
        other = s.fake.add_account(subdomain="other", name="Другой")
        other_headers = bearer(await authorize(s.client, s.fake, other))
        s.fake.fail_next(1, status=403, account_id=other.id)
        mine = await s.get("/api/v4/account")
        theirs = await s.client.get("/api/v4/account", headers=other_headers)
    assert mine.status_code == 200
    assert theirs.status_code == 403


async def test_amocrm_unknown_paths_are_404_problem_json() -> None:
    async with open_session() as s:
        api = await s.get("/api/v4/customers")
        deep = await s.client.delete("/api/v4/contacts/1", headers=s.headers)
        other = await s.client.get("/favicon.ico")
    for response in (api, deep, other):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


async def test_amocrm_request_log_records_calls_but_not_control() -> None:
    async with open_session() as s:
        s.fake.requests.clear()
        await s.get("/api/v4/contacts", params={"query": "x"})
        await s.post("/api/v4/contacts", [{"name": "Лог"}])
        await s.client.get("/_fake/requests")
        await s.client.get("/api/v4/account", headers={"Authorization": "Bearer nope"})
    log = [(r.method, r.path, r.query, r.account_id, r.status) for r in s.fake.requests]
    assert log == [
        ("GET", "/api/v4/contacts", "query=x", s.account.id, 204),
        ("POST", "/api/v4/contacts", "", s.account.id, 200),
        ("GET", "/api/v4/account", "", None, 401),
    ]
    assert s.fake.requests[1].body == [{"name": "Лог"}]
    assert s.fake.requests[0].time == s.clock.wall
