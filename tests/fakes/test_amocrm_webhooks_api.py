"""FakeAmoCRM's `/api/v4/webhooks`: subscribing, listing, unsubscribing, in amoCRM's shapes."""

from __future__ import annotations

from backend.fakes.amocrm.responses import PROBLEM_JSON
from tests.fakes.amocrm_helpers import START_WALL, bearer, code_grant, open_session

HOOK_URL = "https://amo1c.example/amocrm/webhooks/s3cr3t"
EVENTS = ["status_lead", "update_lead", "update_contact", "update_company"]


async def test_amocrm_subscribe_answers_the_webhook_object() -> None:
    async with open_session() as s:
        response = await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": EVENTS})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/hal+json"
    webhook = response.json()
    assert webhook == {
        "id": webhook["id"],
        "destination": HOOK_URL,
        "created_at": int(START_WALL),
        "updated_at": int(START_WALL),
        "account_id": s.account.id,
        "created_by": s.account.admin_id,
        "sort": 1,
        "disabled": False,
        "settings": EVENTS,
    }
    assert isinstance(webhook["id"], int)
    assert s.fake.webhooks(s.account.id)[0].destination == HOOK_URL


async def test_amocrm_list_webhooks_filters_by_exact_destination() -> None:
    async with open_session() as s:
        empty = await s.get("/api/v4/webhooks")
        await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": ["status_lead"]})
        await s.post("/api/v4/webhooks", {"destination": "https://other.example/hook", "settings": ["add_task"]})
        listed = await s.get("/api/v4/webhooks")
        filtered = await s.get("/api/v4/webhooks", params={"filter[destination]": HOOK_URL})
        prefix_only = await s.get("/api/v4/webhooks", params={"filter[destination]": "https://amo1c.example"})
    assert empty.status_code == 204
    assert listed.json()["_total_items"] == 2
    assert [w["destination"] for w in listed.json()["_embedded"]["webhooks"]] == [
        HOOK_URL,
        "https://other.example/hook",
    ]
    assert [w["sort"] for w in listed.json()["_embedded"]["webhooks"]] == [1, 2]
    assert [w["settings"] for w in filtered.json()["_embedded"]["webhooks"]] == [["status_lead"]]
    assert prefix_only.status_code == 204


async def test_amocrm_subscribing_a_known_destination_replaces_its_events() -> None:
    async with open_session() as s:
        first = (await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": ["status_lead"]})).json()
        s.clock.advance(60)
        again = (await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": EVENTS})).json()
        listed = (await s.get("/api/v4/webhooks")).json()["_embedded"]["webhooks"]
    assert again["id"] == first["id"]
    assert again["settings"] == EVENTS
    assert again["updated_at"] == first["updated_at"] + 60
    assert len(listed) == 1


async def test_amocrm_unsubscribe_by_destination() -> None:
    async with open_session() as s:
        await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": EVENTS})
        deleted = await s.delete("/api/v4/webhooks", {"destination": HOOK_URL})
        again = await s.delete("/api/v4/webhooks", {"destination": HOOK_URL})
        listed = await s.get("/api/v4/webhooks")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404
    assert again.headers["content-type"] == PROBLEM_JSON
    assert listed.status_code == 204


async def test_amocrm_subscribe_validates_destination_and_events() -> None:
    async with open_session() as s:
        bad_url = await s.post("/api/v4/webhooks", {"destination": "not a url", "settings": EVENTS})
        unknown = await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": ["moved_lead"]})
        missing = await s.post("/api/v4/webhooks", {"settings": EVENTS})
        empty = await s.post("/api/v4/webhooks", {"destination": HOOK_URL, "settings": []})
        listed = await s.get("/api/v4/webhooks")
    for response in (bad_url, unknown, missing, empty):
        assert response.status_code == 400
        assert response.headers["content-type"] == PROBLEM_JSON
    assert bad_url.json()["validation-errors"][0]["errors"][0]["path"] == "destination"
    assert unknown.json()["validation-errors"][0]["errors"][0]["code"] == "NotSupportedChoice"
    assert missing.json()["validation-errors"][0]["errors"][0]["code"] == "FieldMissing"
    assert empty.json()["validation-errors"][0]["errors"][0]["path"] == "settings"
    assert listed.status_code == 204


async def test_amocrm_webhooks_api_is_for_administrators_only() -> None:
    async with open_session() as s:
        manager = next(u for u in s.account.users.values() if not u.is_admin)
        code = s.fake.issue_code(s.account.id, manager.id)
        tokens = (await s.client.post("/oauth2/access_token", json=code_grant(code))).json()
        listed = await s.client.get("/api/v4/webhooks", headers=bearer(tokens))
        added = await s.client.post(
            "/api/v4/webhooks", json={"destination": HOOK_URL, "settings": EVENTS}, headers=bearer(tokens)
        )
    assert (listed.status_code, added.status_code) == (403, 403)
    assert s.fake.webhooks(s.account.id) == []


async def test_amocrm_subscriptions_over_control_routes() -> None:
    async with open_session() as s:
        base = f"/_fake/accounts/{s.account.id}/webhooks"
        added = await s.client.post(base, json={"destination": HOOK_URL, "settings": ["status_lead"]})
        bad = await s.client.post(base, json={"destination": HOOK_URL, "settings": ["nope"]})
        listed = await s.client.get(base)
        unknown = await s.client.get("/_fake/accounts/1/webhooks")
    assert added.status_code == 201
    assert added.json()["created_by"] == s.account.admin_id
    assert bad.status_code == 400
    assert [w["destination"] for w in listed.json()["webhooks"]] == [HOOK_URL]
    assert unknown.status_code == 404
