"""amoCRM → 1C without a button: a deal moved into a trigger's stage reaches 1C once, whichever of the webhook, the
digital pipeline and the reconciliation announce it; the outbox retries while 1C is down, fails a refusal, keeps one
delivery with the latest data; forged hooks cost at most a read.

amo1c runs without its background task: each test runs the rounds itself, on a clock it moves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from backend.amocrm import LeadDraft
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.models import (
    EntityKind,
    EntityLink,
    Intent,
    IntentAttempt,
    IntentState,
    OneCBase,
    Subscription,
    Trigger,
    TriggerKind,
)
from backend.settings import Settings
from backend.sync.domain import Domain
from backend.sync.outbox import Outbox
from backend.sync.subscriptions import subscribe
from tests.conftest import amo1c_over_fakes, client_of
from tests.factories import BASE_LOGIN, BASE_PASSWORD, install_account, link_base

HANDLER = "/trade/hs/amo1c/handler"


class Clock:
    """The outbox's clock: real time plus what a test moved it by."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, seconds: float) -> None:
        self.shift += timedelta(seconds=seconds)


@dataclass
class Rig:
    app: Starlette
    client: httpx.AsyncClient
    amocrm: FakeAmoCRM
    onec: FakeOneC
    account_id: int
    base: OneCBase
    clock: Clock

    @property
    def domain(self) -> Domain:
        domain: Domain = self.app.state.domain
        return domain

    async def settle(self) -> None:
        """Let the fake's webhooks arrive, read the hints back and send what is due (one round each)."""
        await self.amocrm.deliveries_done()
        await self.domain.automation.read_hints()
        await self.domain.outbox.deliver_due()

    def orders_for(self, deal_id: int) -> list[dict[str, object]]:
        return [r.body for r in self.onec.requests_of("new_order") if r.status == 200 and r.body.get("id") == deal_id]

    async def new_deal(self, name: str = "Поставка мебели") -> int:
        amo = self.domain.amocrm.for_account(await self.base.account)
        return await amo.create_lead(LeadDraft(name=name, price=1000))


@pytest.fixture
async def rig(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Rig]:
    fake_onec = FakeOneC(login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER, url_address="http://1c.test/trade")
    async with amo1c_over_fakes(settings, fake_amocrm, fake_onec, background=False) as app, client_of(app) as client:
        fake_amocrm.webhook_transport = httpx.ASGITransport(app=app)
        account = await install_account(fake_amocrm, settings)
        await link_base(client, account.id, web_address=f"http://1c.test{HANDLER}")
        base = await OneCBase.get(account_id=account.id, id_base="trade")
        domain: Domain = app.state.domain
        await subscribe(domain.amocrm.for_account(account), settings.public_url)
        clock = Clock()
        domain.outbox = Outbox(domain, domain.claims, clock=clock, chance=lambda: 0.5)  # no jitter
        yield Rig(app, client, fake_amocrm, fake_onec, account.id, base, clock)


async def stage_trigger(rig: Rig) -> tuple[int, int]:
    """A trigger on an open stage of the main pipeline that new deals do not start in; (pipeline id, stage id)."""
    pipeline = rig.amocrm.account(rig.account_id).main_pipeline()
    stage = [status.id for status in pipeline.statuses if status.id not in (142, 143)][-1]
    await Trigger.create(base=rig.base, kind=TriggerKind.STAGE, pipeline_id=pipeline.id, status_id=stage)
    return pipeline.id, stage


async def test_a_deal_moved_into_the_stage_reaches_1c_once_by_the_webhook(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    await rig.settle()
    assert len(rig.orders_for(deal)) == 1
    assert (await Subscription.get(account_id=rig.account_id)).last_hook_at is not None
    rig.amocrm.touch_entity(rig.account_id, "leads", deal, name="Поставка мебели (изм.)")  # still in the stage
    await rig.settle()
    assert len(rig.orders_for(deal)) == 1, "a change inside the stage is not entering it again"


async def test_a_deal_moved_into_the_stage_reaches_1c_once_by_the_digital_pipeline(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    for event in ("status_lead", "update_lead"):  # amoCRM's own hooks lost: only the action's hook arrives
        rig.amocrm.drop_next_webhooks(event=event)
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    rig.amocrm.send_dp_hook(rig.account_id, deal, "http://amo1c.test/amocrm/dp")
    await rig.settle()
    assert len(rig.orders_for(deal)) == 1


async def test_a_lost_webhook_is_caught_by_the_reconciliation(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.amocrm.drop_next_webhooks(n=10)
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    await rig.settle()
    assert rig.orders_for(deal) == []
    assert await rig.domain.automation.reconcile_due() == 1
    await rig.domain.outbox.deliver_due()
    assert len(rig.orders_for(deal)) == 1
    assert (await Subscription.get(account_id=rig.account_id)).caught == 1


async def test_webhook_digital_pipeline_and_reconciliation_together_send_once(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    rig.amocrm.send_dp_hook(rig.account_id, deal, "http://amo1c.test/amocrm/dp")
    await rig.amocrm.deliveries_done()
    await rig.domain.automation.read_hints()
    await rig.domain.automation.reconcile_due()
    await rig.domain.outbox.deliver_due()
    await rig.domain.outbox.deliver_due()
    assert len(rig.orders_for(deal)) == 1
    assert await Intent.filter(amo_id=deal).count() == 1
    assert (await Subscription.get(account_id=rig.account_id)).caught == 0


async def test_1c_down_for_two_attempts_then_up_delivers_once_with_each_attempt_recorded(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.onec.go_down()
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    await rig.settle()
    intent = await Intent.get(amo_id=deal)
    assert intent.state == IntentState.PENDING and intent.attempts == 1 and "503" in (intent.last_error or "")
    assert await rig.domain.outbox.deliver_due() == 0, "not due before its next attempt"
    rig.clock.advance(31)
    assert await rig.domain.outbox.deliver_due() == 1
    rig.onec.come_back()
    rig.clock.advance(61)  # the second retry waits twice as long
    assert await rig.domain.outbox.deliver_due() == 1
    await intent.refresh_from_db()
    assert intent.state == IntentState.DELIVERED and intent.attempts == 3 and intent.result
    history = await IntentAttempt.filter(intent_id=intent.id).order_by("id").values_list("outcome", flat=True)
    assert history == ["retry", "retry", "delivered"]
    assert len(rig.orders_for(deal)) == 1


async def test_a_refusal_of_1c_fails_the_intent_and_is_not_retried_until_asked(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.onec.fail_next(1, status=400, body="Не заполнен склад")
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    await rig.settle()
    intent = await Intent.get(amo_id=deal)
    assert intent.state == IntentState.FAILED and "Не заполнен склад" in (intent.last_error or "")
    rig.clock.advance(7200)
    assert await rig.domain.outbox.deliver_due() == 0
    await rig.domain.outbox.retry(intent)
    assert await rig.domain.outbox.deliver_due() == 1
    await intent.refresh_from_db()
    assert intent.state == IntentState.DELIVERED and len(rig.orders_for(deal)) == 1


async def test_after_48_hours_of_1c_down_the_intent_is_dead(rig: Rig) -> None:
    pipeline, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    rig.onec.go_down()
    rig.amocrm.move_lead(rig.account_id, deal, stage, pipeline)
    await rig.settle()
    rig.clock.advance(48 * 3600 + 1)
    await rig.domain.outbox.deliver_due()
    intent = await Intent.get(amo_id=deal)
    assert intent.state == IntentState.DEAD and rig.orders_for(deal) == []


async def test_two_changes_to_a_linked_deal_while_1c_is_down_are_one_delivery_of_the_latest(rig: Rig) -> None:
    deal = await rig.new_deal("Заказ 1С №7")
    await EntityLink.create(base=rig.base, kind=EntityKind.LEAD, amo_id=deal, id_1c="order-7", link="")
    await EntityLink.filter(amo_id=deal).update(updated_at=datetime.now(UTC) - timedelta(minutes=5))  # an old write
    await Trigger.create(base=rig.base, kind=TriggerKind.DEAL_CHANGED)
    rig.onec.go_down()
    rig.amocrm.touch_entity(rig.account_id, "leads", deal, name="Заказ 1С №7, первая правка")
    await rig.settle()
    rig.amocrm.touch_entity(rig.account_id, "leads", deal, name="Заказ 1С №7, вторая правка")
    await rig.amocrm.deliveries_done()
    await rig.domain.automation.read_hints()
    rig.onec.come_back()
    rig.clock.advance(31)
    await rig.domain.outbox.deliver_due()
    await rig.domain.outbox.deliver_due()
    orders = rig.orders_for(deal)
    assert [order["name"] for order in orders] == ["Заказ 1С №7, вторая правка"]


async def test_amo1c_own_write_of_a_linked_deal_does_not_echo_back_to_1c(rig: Rig) -> None:
    await Trigger.create(base=rig.base, kind=TriggerKind.DEAL_CHANGED)
    order = {"key": rig.account_id, "id_base": "trade", "id_1c": "order-8", "order_number": "8", "budget": "100"}
    synced = await rig.client.post("/sync/leads", json=order, auth=(BASE_LOGIN, BASE_PASSWORD))
    assert synced.status_code == 200, synced.text
    changed = {**order, "budget": "200"}
    assert (await rig.client.post("/sync/leads", json=changed, auth=(BASE_LOGIN, BASE_PASSWORD))).status_code == 200
    await rig.settle()
    assert await Intent.all().count() == 0 and rig.onec.requests_of("new_order") == []


async def test_a_forged_webhook_costs_at_most_a_read(rig: Rig) -> None:
    _, stage = await stage_trigger(rig)
    deal = await rig.new_deal()
    form = {"leads[status][0][id]": str(deal), "leads[status][0][status_id]": str(stage), "account[id]": "1"}
    wrong = await rig.client.post("/amocrm/webhooks/not-the-secret", data=form)
    assert wrong.status_code == 404
    secret = (await Subscription.get(account_id=rig.account_id)).secret
    right = await rig.client.post(f"/amocrm/webhooks/{secret}", data=form)  # says it moved; amoCRM says it did not
    assert right.status_code == 200
    calls = len(rig.amocrm.requests)
    await rig.settle()
    assert [i.cause for i in await Intent.all()] == [] and rig.onec.requests_of("new_order") == []
    assert len(rig.amocrm.requests) - calls == 1, "one read of the deal, nothing else"
    dp = await rig.client.post("/amocrm/dp", data={"event[data][id]": str(deal), "account_id": "999"})
    assert dp.status_code == 404, "a digital pipeline hook of no installed account"
