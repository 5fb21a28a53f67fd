"""Settings, «Автоматизация», the outbox: counts by state and the next attempt, pages of intents with their
attempts, «Отправить сейчас» (1C back up → delivered; a refusal → sent again) and «Отменить» — checked in the
database and at the fake 1C afterwards."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from backend.models import EntityKind, Intent, IntentAttempt, IntentKind, IntentState, OneCBase
from backend.sync.outbox import enqueue
from tests.ui.conftest import Admin, sync
from tests.ui.test_settings_automation import until


async def new_deal(admin: Admin, id_1c: str = "order-1") -> int:
    """A deal made by 1C's own order through the sync API (nothing is sent into 1C)."""
    response = await sync(admin, "/sync/leads", {"id_1c": id_1c, "name": "Заказ", "budget": "100"})
    assert response.status_code == 200, response.text
    return int(response.json()["data"])


async def queued(admin: Admin, deal_id: int) -> Intent:
    """An order intent for the deal, as a trigger queues it; the background task sends it at once."""
    return await enqueue(
        await admin.base(), IntentKind.NEW_ORDER, entity_kind=EntityKind.LEAD, amo_id=deal_id, cause="тест"
    )


async def settled(intent_id: int, *states: IntentState) -> Intent:
    async def there() -> bool:
        intent = await Intent.get(id=intent_id)
        return intent.state in states and intent.attempts > 0

    await until(there)
    return await Intent.get(id=intent_id)


def orders_of(admin: Admin, deal_id: int) -> list[int | None]:
    """The statuses the fake 1C answered new_order calls for the deal with."""
    return [r.status for r in admin.onec.requests if r.type == "new_order" and r.body.get("id") == deal_id]


async def following(admin: Admin, link: str) -> str:
    """The rows a "Показать ещё" link brings."""
    url = httpx.URL(link)
    return html.unescape((await admin.get(url.path, **dict(url.params))).text)


async def test_an_intent_waits_while_1c_is_down_and_send_now_delivers_it(admin: Admin) -> None:
    deal_id = await new_deal(admin)
    admin.onec.go_down()
    intent = await settled((await queued(admin, deal_id)).id, IntentState.PENDING)
    assert intent.attempts == 1 and intent.last_error
    page = html.unescape((await admin.get("/ui/settings/automation/outbox")).text)
    row = re.search(rf'<tr class="amo1c-intent[^"]*" id="amo1c-intent-{intent.id}".*?</tr>', page, re.S)
    assert row is not None
    assert 'data-state="pending"' in row.group() and "ждёт" in row.group() and "следующая —" in row.group()
    assert "503" in row.group(), "1C's maintenance answer is shown"
    assert "ждёт: <strong>1</strong>" in page and "Следующая попытка: <time" in page
    admin.onec.come_back()
    sent = await admin.post(f"/ui/settings/automation/intents/{intent.id}/send")
    assert sent.status_code == 200, sent.text
    assert sent.text.lstrip().startswith("<tr") and "Доставлено: 1С приняла" in sent.text
    assert 'data-state="delivered"' in sent.text
    intent = await Intent.get(id=intent.id)
    assert (intent.state, intent.attempts, intent.last_error) == (IntentState.DELIVERED, 2, None)
    assert intent.result.startswith("http://1c.test/trade")
    outcomes = await IntentAttempt.filter(intent_id=intent.id).order_by("id").values_list("outcome", flat=True)
    assert outcomes == ["retry", "delivered"]
    assert orders_of(admin, deal_id) == [503, 200]
    history = html.unescape((await admin.get(f"/ui/settings/automation/intents/{intent.id}")).text)
    assert history.count('class="amo1c-attempt"') == 2 and "не дошло — повтор" in history and "503" in history
    again = await admin.post(f"/ui/settings/automation/intents/{intent.id}/send")
    assert again.status_code == 409 and "уже отправляется или доставлено" in again.text
    assert (await admin.post(f"/ui/settings/automation/intents/{intent.id}/cancel")).status_code == 409
    assert orders_of(admin, deal_id) == [503, 200]


async def test_a_refusal_is_not_retried_until_send_now(admin: Admin) -> None:
    deal_id = await new_deal(admin)
    admin.onec.fail_next(1, status=400, body="Не заполнено обязательное поле Склад", type="new_order")
    intent = await settled((await queued(admin, deal_id)).id, IntentState.FAILED)
    await asyncio.sleep(1.5)  # a background round or two: a refusal is not tried again by itself
    assert (await Intent.get(id=intent.id)).attempts == 1 and orders_of(admin, deal_id) == [400]
    page = html.unescape((await admin.get("/ui/settings/automation/outbox", state="failed")).text)
    assert "Не заполнено обязательное поле Склад" in page and "отказ 1С: <strong>1</strong>" in page
    sent = await admin.post(f"/ui/settings/automation/intents/{intent.id}/send")
    assert sent.status_code == 200 and "Доставлено" in sent.text
    assert (await Intent.get(id=intent.id)).state == IntentState.DELIVERED
    assert orders_of(admin, deal_id) == [400, 200]


async def test_a_refusal_again_says_so(admin: Admin) -> None:
    deal_id = await new_deal(admin)
    admin.onec.fail_next(2, status=400, body="Не заполнено обязательное поле Склад", type="new_order")
    intent = await settled((await queued(admin, deal_id)).id, IntentState.FAILED)
    sent = await admin.post(f"/ui/settings/automation/intents/{intent.id}/send")
    assert sent.status_code == 200 and "1С отказала" in html.unescape(sent.text)
    assert (await Intent.get(id=intent.id)).state == IntentState.FAILED
    assert orders_of(admin, deal_id) == [400, 400]


async def test_cancel_discards_a_waiting_intent(admin: Admin) -> None:
    deal_id = await new_deal(admin)
    admin.onec.go_down()
    intent = await settled((await queued(admin, deal_id)).id, IntentState.PENDING)
    cancelled = await admin.post(f"/ui/settings/automation/intents/{intent.id}/cancel")
    assert cancelled.status_code == 200 and "Отправка отменена" in cancelled.text
    assert 'data-state="cancelled"' in cancelled.text and "Отправить сейчас" not in cancelled.text
    assert (await Intent.get(id=intent.id)).state == IntentState.CANCELLED
    admin.onec.come_back()
    await Intent.filter(id=intent.id).update(next_attempt_at=datetime.now(UTC))  # would be due now
    await asyncio.sleep(1.5)
    assert orders_of(admin, deal_id) == [503]
    refused = await admin.post(f"/ui/settings/automation/intents/{intent.id}/send")
    assert refused.status_code == 409 and "намерение отменено" in refused.text


async def test_the_outbox_is_counted_by_state_and_paged(admin: Admin) -> None:
    base = await admin.base()
    other = await OneCBase.create(
        account_id=admin.account.id, id_base="retail", web_address="http://1c.test/r", url_address="http://1c.test",
        param1="u", param2_enc=admin.services.secrets.encrypt("p"),
    )  # fmt: skip
    later = datetime.now(UTC) + timedelta(hours=1)
    states = [IntentState.DELIVERED] * 100 + [IntentState.FAILED] * 15 + [IntentState.PENDING] * 5
    await Intent.bulk_create(
        [
            Intent(
                base_id=other.id if n % 10 == 0 else base.id, account_id=admin.account.id,
                kind=IntentKind.NEW_ORDER, entity_kind=EntityKind.LEAD, amo_id=90000 + n, state=state,
                next_attempt_at=later + timedelta(minutes=n), attempts=1, cause=f"тест {n}",
            )
            for n, state in enumerate(states)
        ]
    )  # fmt: skip
    page = html.unescape((await admin.get("/ui/settings/automation/outbox")).text)
    for count in ("ждёт: <strong>5</strong>", "доставлено: <strong>100</strong>", "отказ 1С: <strong>15</strong>"):
        assert count in page
    assert page.count('class="amo1c-intent ') == 50
    assert "тест 119" in page and "тест 69" not in page  # newest first
    more = re.search(r'hx-get="(/ui/settings/automation/intents\?before=\d+)"', page)
    assert more is not None
    second = await following(admin, more.group(1))
    assert second.count('class="amo1c-intent ') == 50 and "тест 69" in second and "тест 19" not in second
    last = re.search(r'hx-get="(/ui/settings/automation/intents\?before=\d+)"', second)
    assert last is not None
    third = await following(admin, last.group(1))
    assert third.count('class="amo1c-intent ') == 20 and "Показать ещё" not in third
    failed = html.unescape((await admin.get("/ui/settings/automation/outbox", state="failed")).text)
    assert failed.count('class="amo1c-intent ') == 15 and 'data-state="delivered"' not in failed
    retail = html.unescape((await admin.get("/ui/settings/automation/outbox", base=str(other.id))).text)
    assert retail.count('class="amo1c-intent ') == 12 and 'data-base="trade"' not in retail
    nearest = later + timedelta(minutes=115)  # the earliest waiting intent's
    assert f'Следующая попытка: <time class="amo1c-time" datetime="{nearest.isoformat()}' in page
