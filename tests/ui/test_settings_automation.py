"""Settings, «Автоматизация»: stage triggers chosen from the account's real pipelines (one per base and stage), the
three "changed" triggers, the webhook subscription's health and «Восстановить подписку» — each checked in the
database and at the fakes afterwards."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Awaitable, Callable

import httpx

from backend.fakes.amocrm.state import Pipeline
from backend.models import Intent, IntentState, Subscription, Trigger, TriggerKind
from tests.ui.conftest import Admin, sync


def pipelines(admin: Admin) -> tuple[Pipeline, Pipeline]:
    account = admin.amocrm.account(admin.account.id)
    main = next(p for p in account.pipelines.values() if p.is_main)
    other = next(p for p in account.pipelines.values() if not p.is_main)
    return main, other


def stage_of(pipeline: Pipeline, name: str) -> int:
    return next(status.id for status in pipeline.statuses if status.name == name)


async def add_trigger(admin: Admin, pipeline_id: int, status_id: int) -> httpx.Response:
    base = await admin.base()
    return await admin.post(
        "/ui/settings/automation/triggers", {"base": str(base.id), "stage": f"{pipeline_id}:{status_id}"}
    )


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Wait for the background task (or the fakes' deliveries) until `check` holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_automation_tab_shows_triggers_subscription_and_outbox(admin: Admin) -> None:
    page = await admin.page("/ui/settings/automation")
    assert page.status_code == 200
    assert 'aria-current="page">Автоматизация</a>' in page.text
    for text in ("Триггеры базы", "Подписка на события amoCRM", "Очередь в 1С", "подписки нет", "Воронка"):
        assert text in page.text
    assert "Переговоры" in page.text and "Оптовые продажи" in page.text
    assert "Неразобранное" not in page.text  # a deal never "enters" unsorted from amo1c's point of view
    assert "/amocrm/webhooks/…" in page.text
    fragment = await admin.get("/ui/settings/automation")
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Очередь в 1С" in fragment.text


async def test_a_stage_trigger_is_added_once_per_stage(admin: Admin) -> None:
    main, other = pipelines(admin)
    talks = stage_of(main, "Переговоры")
    added = await add_trigger(admin, main.id, talks)
    assert added.status_code == 200, added.text
    assert added.text.lstrip().startswith("<tr") and "Переговоры" in added.text and "Воронка" in added.text
    trigger = await Trigger.get(base_id=(await admin.base()).id, kind=TriggerKind.STAGE)
    assert (trigger.pipeline_id, trigger.status_id, trigger.enabled) == (main.id, talks, True)
    again = await add_trigger(admin, main.id, talks)
    assert again.status_code == 422
    assert again.headers["hx-retarget"] == "#amo1c-trigger-new"
    assert "Для этого этапа у базы уже есть триггер" in again.text and "selected>Переговоры</option>" in again.text
    won = await add_trigger(admin, other.id, 142)  # "won" of another pipeline is another place
    assert won.status_code == 200
    assert await Trigger.filter(kind=TriggerKind.STAGE).count() == 2
    page = await admin.get("/ui/settings/automation")
    assert page.text.count('class="amo1c-trigger"') == 2


async def test_a_stage_amocrm_does_not_have_is_422(admin: Admin) -> None:
    main, other = pipelines(admin)
    for stage in (
        f"{main.id}:{stage_of(other, 'Отгрузка')}",  # a stage of another pipeline
        f"{main.id}:{main.statuses[0].id}",  # unsorted
        f"{main.id}:abc",
        "999999:142",
        "",
    ):
        base = await admin.base()
        response = await admin.post("/ui/settings/automation/triggers", {"base": str(base.id), "stage": stage})
        assert response.status_code == 422, stage
        assert "такого этапа нет в amoCRM" in response.text
    assert not await Trigger.exists()


async def test_a_trigger_is_removed(admin: Admin) -> None:
    main, _ = pipelines(admin)
    await add_trigger(admin, main.id, stage_of(main, "Переговоры"))
    trigger = await Trigger.get(kind=TriggerKind.STAGE)
    removed = await admin.delete(f"/ui/settings/automation/triggers/{trigger.id}")
    assert removed.status_code == 200 and removed.text == ""
    assert not await Trigger.exists()
    assert (await admin.delete(f"/ui/settings/automation/triggers/{trigger.id}")).status_code == 404


async def test_changed_triggers_are_toggled(admin: Admin) -> None:
    base = await admin.base()
    on = await admin.put("/ui/settings/automation/changed/company_changed", {"base": str(base.id), "enabled": "1"})
    assert on.status_code == 200 and "Сохранено" in on.text and "checked" in on.text
    assert (await Trigger.get(base_id=base.id, kind=TriggerKind.COMPANY_CHANGED)).enabled
    off = await admin.put("/ui/settings/automation/changed/company_changed", {"base": str(base.id)})
    assert off.status_code == 200 and "checked" not in off.text
    assert not (await Trigger.get(base_id=base.id, kind=TriggerKind.COMPANY_CHANGED)).enabled
    assert await Trigger.filter(kind=TriggerKind.COMPANY_CHANGED).count() == 1
    page = await admin.get("/ui/settings/automation")
    assert page.text.count('name="enabled" value="1" checked') == 0
    await admin.put("/ui/settings/automation/changed/deal_changed", {"base": str(base.id), "enabled": "1"})
    page = await admin.get("/ui/settings/automation")
    assert page.text.count('name="enabled" value="1" checked') == 1
    assert (await admin.put("/ui/settings/automation/changed/stage", {"base": str(base.id)})).status_code == 404
    assert (await admin.put("/ui/settings/automation/changed/nonsense", {"base": str(base.id)})).status_code == 404


async def test_restoring_the_subscription_subscribes_the_account_at_amocrm(admin: Admin) -> None:
    restored = await admin.post("/ui/settings/automation/subscription")
    assert restored.status_code == 200, restored.text
    assert "Подписка восстановлена" in restored.text and "подписка оформлена" in restored.text
    subscription = await Subscription.get(account_id=admin.account.id)
    assert subscription.subscribed_at is not None and subscription.last_error is None
    (webhook,) = admin.amocrm.webhooks(admin.account.id)
    assert webhook.destination == f"{admin.settings.public_url}/amocrm/webhooks/{subscription.secret}"
    assert set(webhook.settings) == {"status_lead", "update_lead", "update_contact", "update_company"}
    assert subscription.secret not in restored.text  # the page never shows the destination's secret
    again = await admin.post("/ui/settings/automation/subscription")
    assert again.status_code == 200 and len(admin.amocrm.webhooks(admin.account.id)) == 1


async def test_a_refused_subscription_is_502_with_amocrms_words(admin: Admin) -> None:
    admin.amocrm.fail_next(1, status=403, path_prefix="/api/v4/webhooks")
    refused = await admin.post("/ui/settings/automation/subscription")
    assert refused.status_code == 502
    assert "amoCRM отказал" in refused.text and "Ошибка amoCRM" in refused.text
    subscription = await Subscription.get(account_id=admin.account.id)
    assert subscription.last_error and subscription.subscribed_at is None
    assert admin.amocrm.webhooks(admin.account.id) == []
    fixed = await admin.post("/ui/settings/automation/subscription")
    assert fixed.status_code == 200 and "Ошибка amoCRM" not in fixed.text
    assert (await Subscription.get(account_id=admin.account.id)).last_error is None


async def test_a_deal_entering_the_trigger_stage_reaches_1c_once_and_the_tab_shows_it(admin: Admin) -> None:
    main, _ = pipelines(admin)
    talks = stage_of(main, "Переговоры")
    assert (await add_trigger(admin, main.id, talks)).status_code == 200
    assert (await admin.post("/ui/settings/automation/subscription")).status_code == 200
    assert admin.app is not None
    admin.amocrm.webhook_transport = httpx.ASGITransport(app=admin.app)
    order = await sync(admin, "/sync/leads", {"id_1c": "order-1", "name": "Заказ", "budget": "100"})
    deal_id = order.json()["data"]
    admin.amocrm.move_lead(admin.account.id, deal_id, talks)
    await admin.amocrm.deliveries_done()

    async def delivered() -> bool:
        return await Intent.filter(amo_id=deal_id, state=IntentState.DELIVERED).exists()

    await until(delivered)
    sent = [r for r in admin.onec.requests if r.type == "new_order" and r.body.get("id") == deal_id]
    assert len(sent) == 1 and sent[0].status == 200
    intent = await Intent.get(amo_id=deal_id)
    assert (intent.attempts, intent.cause) == (1, f"сделка перешла на этап {talks} (вебхук amoCRM)")
    subscription = await Subscription.get(account_id=admin.account.id)
    assert subscription.last_hook_at is not None
    page = html.unescape((await admin.get("/ui/settings/automation")).text)
    assert f'data-amo-id="{deal_id}"' in page and 'data-state="delivered"' in page
    assert "доставлено: <strong>1</strong>" in page and "попыток: 1" in page
    assert "Последний вебхук</dt><dd>ещё не было" not in page
    admin.amocrm.move_lead(admin.account.id, deal_id, stage_of(main, "Принимают решение"))
    await admin.amocrm.deliveries_done()
    await asyncio.sleep(0.3)
    assert await Intent.filter(amo_id=deal_id).count() == 1  # leaving the stage sends nothing


async def test_pipelines_amocrm_cannot_give_leave_the_rest_of_the_tab(admin: Admin) -> None:
    main, _ = pipelines(admin)
    await add_trigger(admin, main.id, stage_of(main, "Переговоры"))
    admin.amocrm.fail_next(1, status=403, path_prefix="/api/v4/leads/pipelines")
    page = await admin.page("/ui/settings/automation")
    assert page.status_code == 200
    assert "Не удалось прочитать воронки из amoCRM" in page.text
    assert 'class="amo1c-trigger"' in page.text and "Очередь в 1С" in page.text
    assert 'id="amo1c-trigger-new"' not in page.text
    admin.amocrm.fail_next(1, status=403, path_prefix="/api/v4/leads/pipelines")
    assert (await add_trigger(admin, main.id, stage_of(main, "Принимают решение"))).status_code == 502


async def test_automation_tab_in_english(admin: Admin) -> None:
    admin.lang = "en"
    page = html.unescape((await admin.page("/ui/settings/automation")).text)
    for text in ("The base's triggers", "amoCRM event subscription", "Queue to 1C", "Restore the subscription"):
        assert text in page
