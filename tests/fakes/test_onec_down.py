"""FakeOneC going down and coming back on command, as an on-premises base does for its nightly backup."""

from __future__ import annotations

from tests.fakes.onec_helpers import answer_json, call, contact, make_fake, onec_client


async def test_onec_down_answers_every_call_503_html_and_logs_it() -> None:
    fake = make_fake()
    fake.go_down()
    async with onec_client(fake) as client, onec_client(fake, auth=None) as anonymous:
        refused = await call(client, "new_lead", clients={"contact": contact()})
        unauthenticated = await call(anonymous, "get_handlers_version")
        elsewhere = await client.get("/base/hs/other")
    assert [r.status_code for r in (refused, unauthenticated, elsewhere)] == [503, 503, 503]
    assert refused.headers["content-type"].startswith("text/html")
    assert refused.text.startswith("<!DOCTYPE HTML")
    assert "<title>503 Service Unavailable</title>" in refused.text
    assert "temporarily unable to service your" in refused.text
    assert [(e.type, e.status, e.fault) for e in fake.requests] == [
        ("new_lead", 503, "down"),
        ("get_handlers_version", 503, "down"),
        (None, 503, "down"),
    ]
    assert fake.requests[0].body["clients"]["contact"]["id"] == 501
    assert fake.counterparties == {}


async def test_onec_come_back_serves_again_with_the_data_kept() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        await call(client, "new_lead", clients={"contact": contact()})
        fake.go_down()
        down = await call(client, "get_handlers_version")
        fake.come_back()
        up = await call(client, "get_handlers_version")
    assert down.status_code == 503
    assert up.status_code == 200
    assert answer_json(up)["version"] == "1.4.2"
    assert len(fake.counterparties) == 1
    assert [e.status for e in fake.requests] == [200, 503, 200]


async def test_onec_down_and_up_over_control_routes() -> None:
    fake = make_fake()
    async with onec_client(fake, auth=None) as control, onec_client(fake) as client:
        went_down = await control.post("/_fake/down")
        state_down = (await control.get("/_fake/state")).json()
        refused = await call(client, "get_orders", id=7)
        log = (await control.get("/_fake/requests")).json()
        came_back = await control.post("/_fake/up")
        served = await call(client, "get_orders", id=7)
        state_up = (await control.get("/_fake/state")).json()
    assert went_down.json() == {"down": True}
    assert state_down["down"] is True
    assert refused.status_code == 503
    assert [(e["type"], e["status"], e["fault"]) for e in log] == [("get_orders", 503, "down")]
    assert came_back.json() == {"down": False}
    assert served.status_code == 200
    assert state_up["down"] is False


async def test_onec_reset_brings_a_down_base_back() -> None:
    fake = make_fake()
    fake.go_down()
    fake.reset()
    async with onec_client(fake) as client:
        response = await call(client, "get_handlers_version")
    assert response.status_code == 200


async def test_onec_down_with_a_note_says_it_on_the_page_until_it_comes_back() -> None:
    fake = make_fake()
    fake.go_down(note="Намеренный сбой <демо>")
    async with onec_client(fake) as client:
        noted = await call(client, "get_handlers_version")
        fake.come_back()
        fake.go_down()
        plain = await call(client, "get_handlers_version")
    assert noted.status_code == plain.status_code == 503
    assert noted.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Service Unavailable</h1>\n<p>Намеренный сбой &lt;демо&gt;</p>\n<p>The server" in noted.text
    assert "Намеренный" not in plain.text and plain.headers["content-type"] == "text/html; charset=iso-8859-1"
