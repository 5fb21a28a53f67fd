"""FakeAmoCRM delivering account webhooks: what a change sends, where, in which shape, and what never blocks."""

from __future__ import annotations

import asyncio
import socket
import time

from tests.fakes.amocrm_helpers import START_WALL, Session, open_session, phone
from tests.fakes.hook_helpers import HookReceiver, hooked_session, open_statuses
from tests.fakes.servers import serving


async def test_amocrm_deal_moved_through_the_api_sends_status_then_update_hook() -> None:
    async with hooked_session() as (s, receiver):
        first, second = open_statuses(s)[:2]
        (lead_id,) = await s.create("leads", {"name": "Заказ", "price": 1500})
        s.clock.advance(30)
        response = await s.patch(f"/api/v4/leads/{lead_id}", {"status_id": second})
        await s.fake.deliveries_done()
    admin, pipeline = str(s.account.admin_id), str(s.account.main_pipeline().id)
    created, changed = str(int(START_WALL)), str(int(START_WALL) + 30)
    assert response.status_code == 200
    status_hook, update_hook = receiver.received
    assert status_hook.path == "/amocrm/webhooks/s3cr3t"
    assert status_hook.content_type == "application/x-www-form-urlencoded"
    assert status_hook.pairs == [
        ("leads[status][0][id]", str(lead_id)),
        ("leads[status][0][name]", "Заказ"),
        ("leads[status][0][status_id]", str(second)),
        ("leads[status][0][old_status_id]", str(first)),
        ("leads[status][0][price]", "1500"),
        ("leads[status][0][responsible_user_id]", admin),
        ("leads[status][0][last_modified]", changed),
        ("leads[status][0][modified_user_id]", admin),
        ("leads[status][0][created_user_id]", admin),
        ("leads[status][0][date_create]", created),
        ("leads[status][0][pipeline_id]", pipeline),
        ("leads[status][0][old_pipeline_id]", pipeline),
        ("leads[status][0][account_id]", str(s.account.id)),
        ("leads[status][0][created_at]", created),
        ("leads[status][0][updated_at]", changed),
        ("account[subdomain]", "demo"),
        ("account[id]", str(s.account.id)),
        ("account[_links][self]", "https://demo.amocrm.ru"),
    ]
    assert update_hook.fields["leads[update][0][status_id]"] == str(second)
    assert "leads[update][0][old_status_id]" not in update_hook.fields
    assert [(d.event, d.state, d.status, d.dropped) for d in s.fake.deliveries] == [
        ("status_lead", "delivered", 200, False),
        ("update_lead", "delivered", 200, False),
    ]


async def test_amocrm_move_lead_to_another_pipeline_names_the_old_one() -> None:
    async with hooked_session(events=["status_lead"]) as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        old_status = s.account.leads[lead_id].status_id
        other = next(p for p in s.account.pipelines.values() if not p.is_main)
        target = other.first_open_status().id
        s.clock.advance(5)
        lead = s.fake.move_lead(s.account.id, lead_id, target, other.id)
        await s.fake.deliveries_done()
    (hook,) = receiver.received
    assert (lead.status_id, lead.pipeline_id, lead.updated_at) == (target, other.id, int(START_WALL) + 5)
    assert hook.fields["leads[status][0][status_id]"] == str(target)
    assert hook.fields["leads[status][0][pipeline_id]"] == str(other.id)
    assert hook.fields["leads[status][0][old_status_id]"] == str(old_status)
    assert hook.fields["leads[status][0][old_pipeline_id]"] == str(s.account.main_pipeline().id)


async def test_amocrm_contact_and_company_updates_arrive_under_contacts_with_their_type() -> None:
    async with hooked_session() as (s, receiver):
        (contact_id,) = await s.create("contacts", {"name": "Анна", "custom_fields_values": [phone("+79991234567")]})
        (company_id,) = await s.create("companies", {"name": "ООО Ромашка"})
        await s.patch(f"/api/v4/contacts/{contact_id}", {"name": "Анна Петрова"})
        s.fake.touch_entity(s.account.id, "companies", company_id, name="АО Ромашка")
        await s.fake.deliveries_done()
    contact_hook, company_hook = receiver.received
    phone_field = s.account.field_by_code("contacts", "PHONE")
    assert phone_field is not None
    work = phone_field.enum_by_code("WORK")
    assert work is not None
    assert contact_hook.fields["contacts[update][0][id]"] == str(contact_id)
    assert contact_hook.fields["contacts[update][0][name]"] == "Анна Петрова"
    assert contact_hook.fields["contacts[update][0][type]"] == "contact"
    assert contact_hook.fields["contacts[update][0][custom_fields][0][id]"] == str(phone_field.id)
    assert contact_hook.fields["contacts[update][0][custom_fields][0][code]"] == "PHONE"
    assert contact_hook.fields["contacts[update][0][custom_fields][0][values][0][value]"] == "+79991234567"
    assert contact_hook.fields["contacts[update][0][custom_fields][0][values][0][enum]"] == str(work.id)
    assert not any(key.startswith(("leads", "companies")) for key in contact_hook.fields)
    assert company_hook.fields["contacts[update][0][id]"] == str(company_id)
    assert company_hook.fields["contacts[update][0][name]"] == "АО Ромашка"
    assert company_hook.fields["contacts[update][0][type]"] == "company"
    assert [d.event for d in s.fake.deliveries] == ["update_contact", "update_company"]


async def test_amocrm_creation_raises_add_hooks_and_one_call_sends_its_entities_together() -> None:
    async with hooked_session(events=["add_lead", "add_company", "update_lead"]) as (s, receiver):
        first, second = await s.create("leads", {"name": "Первая"}, {"name": "Вторая"})
        await s.create("companies", {"name": "ООО Ромашка"})
        await s.patch("/api/v4/leads", [{"id": first, "price": 10}, {"id": second, "price": 20}])
        await s.fake.deliveries_done()
    added, company, updated = receiver.received
    assert [added.fields[f"leads[add][{n}][name]"] for n in (0, 1)] == ["Первая", "Вторая"]
    assert company.fields["contacts[add][0][type]"] == "company"
    assert [updated.fields[f"leads[update][{n}][price]"] for n in (0, 1)] == ["10", "20"]
    assert [(d.event, d.entity_ids) for d in s.fake.deliveries] == [
        ("add_lead", [first, second]),
        ("add_company", [s.account.companies[max(s.account.companies)].id]),
        ("update_lead", [first, second]),
    ]


async def test_amocrm_hooks_go_only_to_subscriptions_wanting_the_event() -> None:
    async with hooked_session(events=["update_contact"]) as (s, receiver):
        s.fake.add_webhook(s.account.id, "https://other.example/leads", ["status_lead"])
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[1])
        await s.delete("/api/v4/webhooks", {"destination": "https://other.example/leads"})
        s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[2])
        await s.fake.deliveries_done()
    assert receiver.paths() == ["/leads"]
    assert [(d.destination, d.event) for d in s.fake.deliveries] == [("https://other.example/leads", "status_lead")]


async def test_amocrm_slow_receiver_never_holds_up_the_api_answer() -> None:
    async with hooked_session(HookReceiver(delay=0.5), webhook_timeout=0.1) as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        started = time.monotonic()
        response = await s.patch(f"/api/v4/leads/{lead_id}", {"price": 5})
        answered_in = time.monotonic() - started
        sent_before_answer = list(receiver.received)
        await s.fake.deliveries_done()
    assert response.status_code == 200
    assert answered_in < 0.4
    assert sent_before_answer == []
    assert len(receiver.received) == 1
    (delivery,) = s.fake.deliveries
    assert (delivery.state, delivery.status, delivery.error) == ("failed", None, "no answer within 0.1 s")


async def test_amocrm_a_refusing_receiver_is_logged_not_raised() -> None:
    async with hooked_session(HookReceiver(status=500), events=["update_lead"]) as (s, receiver):
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        response = await s.patch(f"/api/v4/leads/{lead_id}", {"price": 5})
        await s.fake.deliveries_done()
    assert response.status_code == 200
    assert len(receiver.received) == 1
    (refused,) = s.fake.deliveries
    assert (refused.state, refused.status, refused.error) == ("failed", 500, "answered 500")


async def test_amocrm_an_unreachable_receiver_is_logged_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with open_session() as s:
        s.fake.add_webhook(s.account.id, f"http://127.0.0.1:{closed_port}/hook", ["update_lead"])
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        response = await s.patch(f"/api/v4/leads/{lead_id}", {"price": 5})
        await s.fake.deliveries_done()
    assert response.status_code == 200
    (unreachable,) = s.fake.deliveries
    assert (unreachable.state, unreachable.status) == ("failed", None)
    assert unreachable.error is not None and unreachable.error.startswith("ConnectError")


async def test_amocrm_hooks_reach_a_real_server_without_a_transport() -> None:
    receiver = HookReceiver()
    async with serving(receiver) as receiver_url, open_session() as s:
        s.fake.add_webhook(s.account.id, f"{receiver_url}/amocrm/webhooks/live", ["status_lead"])
        (lead_id,) = await s.create("leads", {"name": "Заказ"})
        s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[1])
        await s.fake.deliveries_done()
    (hook,) = receiver.received
    assert hook.path == "/amocrm/webhooks/live"
    assert hook.fields["leads[status][0][id]"] == str(lead_id)
    assert s.fake.deliveries[0].state == "delivered"


def test_amocrm_a_change_made_outside_an_event_loop_is_sent_at_the_next_wait() -> None:
    async def setup() -> tuple[Session, HookReceiver, int]:
        async with hooked_session() as (s, receiver):
            (lead_id,) = await s.create("leads", {"name": "Заказ"})
            return s, receiver, lead_id

    s, receiver, lead_id = asyncio.run(setup())
    s.fake.move_lead(s.account.id, lead_id, open_statuses(s)[1])
    assert [d.state for d in s.fake.deliveries] == ["queued", "queued"]
    asyncio.run(s.fake.deliveries_done())
    assert [d.state for d in s.fake.deliveries] == ["delivered", "delivered"]
    assert len(receiver.received) == 2
