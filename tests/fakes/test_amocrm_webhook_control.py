"""FakeAmoCRM's webhook controls: dropped hooks, the digital-pipeline hook, a manager's moves, the delivery log."""

from __future__ import annotations

from tests.fakes.amocrm_helpers import START_WALL
from tests.fakes.hook_helpers import HOOK_URL, HookReceiver, hooked_session, open_statuses

DP_URL = "https://amo1c.example/amocrm/dp/s3cr3t"


async def test_amocrm_a_dropped_hook_is_logged_never_sent_and_the_change_still_happens() -> None:
    async with hooked_session() as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        target = open_statuses(s)[1]
        s.fake.drop_next_webhooks(1, event="status_lead")
        s.fake.move_lead(s.account.id, lead_id, target)
        s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[2])
        await s.fake.deliveries_done()
    assert [(d.event, d.state, d.dropped, d.status) for d in s.fake.deliveries] == [
        ("status_lead", "dropped", True, None),
        ("update_lead", "delivered", False, 200),
        ("status_lead", "delivered", False, 200),
        ("update_lead", "delivered", False, 200),
    ]
    assert [h.fields.get("leads[status][0][old_status_id]") for h in receiver.received] == [
        None,
        str(target),
        None,
    ]
    assert s.account.leads[lead_id].status_id == open_statuses(s)[2]


async def test_amocrm_drop_next_without_an_event_drops_whatever_comes_next() -> None:
    async with hooked_session() as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.fake.drop_next_webhooks(2)
        s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[1])
        s.fake.touch_entity(s.account.id, "leads", lead_id)
        await s.fake.deliveries_done()
    assert [(d.event, d.dropped) for d in s.fake.deliveries] == [
        ("status_lead", True),
        ("update_lead", True),
        ("update_lead", False),
    ]
    assert len(receiver.received) == 1


async def test_amocrm_dp_hook_posts_what_the_digital_pipeline_action_sends() -> None:
    async with hooked_session(events=["add_task"]) as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.clock.advance(7)
        delivery = s.fake.send_dp_hook(s.account.id, lead_id, DP_URL, {"base": "main"})
        await s.fake.deliveries_done()
    lead = s.account.leads[lead_id]
    (hook,) = receiver.received
    assert hook.path == "/amocrm/dp/s3cr3t"
    assert hook.content_type == "application/x-www-form-urlencoded"
    assert hook.pairs == [
        ("event[type]", "15"),
        ("event[type_code]", "lead_appeared_in_status"),
        ("event[data][id]", str(lead_id)),
        ("event[data][element_type]", "2"),
        ("event[data][status_id]", str(lead.status_id)),
        ("event[data][pipeline_id]", str(lead.pipeline_id)),
        ("event[data][direction_of_movement]", "went_to_trigger"),
        ("event[time]", str(int(START_WALL) + 7)),
        ("action[settings][widget][settings][base]", "main"),
        ("subdomain", "demo"),
        ("account_id", str(s.account.id)),
    ]
    assert (delivery.kind, delivery.event, delivery.state) == (
        "digital_pipeline",
        "lead_appeared_in_status",
        "delivered",
    )


async def test_amocrm_control_routes_move_touch_send_dp_and_drop() -> None:
    async with hooked_session() as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        (company_id,) = await s.create("companies", {"name": "ООО Ромашка"})
        base = f"/_fake/accounts/{s.account.id}"
        target = open_statuses(s)[1]
        drop = await s.client.post("/_fake/webhooks/drop_next", json={"event": "update_lead"})
        rules = (await s.client.get("/_fake/webhooks/drop_next")).json()
        moved = await s.client.post(f"{base}/leads/{lead_id}/status", json={"status_id": target})
        touched = await s.client.post(f"{base}/companies/{company_id}/touch", json={"name": "АО Ромашка"})
        dp = await s.client.post(f"{base}/leads/{lead_id}/dp_hook", json={"url": DP_URL})
        log = (await s.client.get("/_fake/webhooks/deliveries", params={"wait": "1"})).json()["deliveries"]
        unknown_lead = await s.client.post(f"{base}/leads/1/status", json={"status_id": target})
        foreign_status = await s.client.post(f"{base}/leads/{lead_id}/status", json={"status_id": 1})
        bad_url = await s.client.post(f"{base}/leads/{lead_id}/dp_hook", json={"url": "nowhere"})
        cleared = await s.client.delete("/_fake/webhooks/deliveries")
        after = (await s.client.get("/_fake/webhooks/deliveries")).json()["deliveries"]
    assert drop.status_code == 201
    assert rules == {"drops": [{"remaining": 1, "event": "update_lead"}]}
    assert moved.status_code == 200
    assert moved.json()["status_id"] == target
    assert touched.json()["name"] == "АО Ромашка"
    assert dp.status_code == 202
    assert dp.json()["delivery"]["kind"] == "digital_pipeline"
    assert [(d["event"], d["state"], d["dropped"]) for d in log] == [
        ("status_lead", "delivered", False),
        ("update_lead", "dropped", True),
        ("update_company", "delivered", False),
        ("lead_appeared_in_status", "delivered", False),
    ]
    assert log[0]["form"]["leads[status][0][status_id]"] == str(target)
    assert log[0]["destination"] == HOOK_URL
    assert log[0]["entity_ids"] == [lead_id]
    assert sorted(receiver.paths()) == ["/amocrm/dp/s3cr3t", "/amocrm/webhooks/s3cr3t", "/amocrm/webhooks/s3cr3t"]
    assert unknown_lead.status_code == 404
    assert foreign_status.status_code == 400
    assert bad_url.status_code == 400
    assert cleared.status_code == 204
    assert after == []


async def test_amocrm_deliveries_log_filters_by_account() -> None:
    async with hooked_session(HookReceiver(), events=["update_lead"]) as (s, _receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.fake.touch_entity(s.account.id, "leads", lead_id)
        mine = await s.client.get("/_fake/webhooks/deliveries", params={"account_id": s.account.id, "wait": 1})
        other = (await s.client.get("/_fake/webhooks/deliveries", params={"account_id": 1})).json()
    assert [d["event"] for d in mine.json()["deliveries"]] == ["update_lead"]
    assert other == {"deliveries": []}
