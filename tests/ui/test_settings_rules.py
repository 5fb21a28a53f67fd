"""Settings, event rules: per pipeline and event, a real stage (or "keep") and the note, saved row by row."""

from __future__ import annotations

from backend.fakes.amocrm.state import Pipeline
from backend.models import EventName, EventRule
from tests.ui.conftest import Admin, sync


def pipelines(admin: Admin) -> tuple[Pipeline, Pipeline]:
    account = admin.amocrm.account(admin.account.id)
    main = next(p for p in account.pipelines.values() if p.is_main)
    other = next(p for p in account.pipelines.values() if not p.is_main)
    return main, other


async def test_rules_page_shows_every_event_for_every_pipeline(admin: Admin) -> None:
    page = await admin.page("/ui/settings/rules")
    assert page.status_code == 200
    for title in ("Заказ аннулирован", "Оплата", "Частичная оплата", "Отгрузка", "Частичная отгрузка"):
        assert page.text.count(f'<td data-label="Событие 1С">{title}</td>') == 2
    assert "Воронка" in page.text and "Оптовые продажи" in page.text
    assert "Переговоры" in page.text and "Успешно реализовано" in page.text
    assert "Неразобранное" not in page.text  # a deal is never moved back to unsorted
    assert page.text.count('<option value="">не менять</option>') == 10
    fragment = await admin.get("/ui/settings/rules")
    assert fragment.status_code == 200 and "<html" not in fragment.text


async def test_a_rule_is_saved_and_moves_the_deal_on_that_event(admin: Admin) -> None:
    main, _ = pipelines(admin)
    stage = next(s for s in main.statuses if s.name == "Переговоры")
    response = await admin.put(f"/ui/settings/rules/payment/{main.id}", {"status_id": str(stage.id)})
    assert response.status_code == 200
    assert "Сохранено" in response.text and f'<option value="{stage.id}" selected>' in response.text
    assert 'name="add_note" value="1">' in response.text  # unchecked: no note
    rule = await EventRule.get(account_id=admin.account.id, event_name=EventName.PAYMENT, pipeline_id=main.id)
    assert (rule.status_id, rule.add_note) == (stage.id, False)
    order = await sync(admin, "/sync/leads", {"id_1c": "order-1", "name": "Заказ", "budget": "100"})
    deal_id = order.json()["data"]
    event = await sync(admin, "/sync/process_event", {"id": deal_id, "event_name": "payment", "sum": "100"})
    assert event.status_code == 200, event.text
    lead = admin.amocrm.account(admin.account.id).leads[deal_id]
    assert lead.status_id == stage.id
    page = await admin.get("/ui/settings/rules")
    assert f'<option value="{stage.id}" selected>Переговоры</option>' in page.text
    kept = await admin.put(f"/ui/settings/rules/payment/{main.id}", {"status_id": "", "add_note": "1"})
    assert kept.status_code == 200
    rule = await EventRule.get(id=rule.id)
    assert (rule.status_id, rule.add_note) == (None, True)


async def test_a_stage_of_another_pipeline_is_422(admin: Admin) -> None:
    main, other = pipelines(admin)
    foreign = other.statuses[1]
    response = await admin.put(f"/ui/settings/rules/shipment/{main.id}", {"status_id": str(foreign.id)})
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<tr") and "Такого этапа нет в этой воронке" in response.text
    unsorted = main.statuses[0]
    assert (
        await admin.put(f"/ui/settings/rules/shipment/{main.id}", {"status_id": str(unsorted.id)})
    ).status_code == 422
    assert (await admin.put(f"/ui/settings/rules/shipment/{main.id}", {"status_id": "abc"})).status_code == 422
    assert not await EventRule.exists()


async def test_unknown_event_or_pipeline_is_404(admin: Admin) -> None:
    main, _ = pipelines(admin)
    assert (await admin.put(f"/ui/settings/rules/refund/{main.id}", {"status_id": ""})).status_code == 404
    assert (await admin.put("/ui/settings/rules/payment/999999", {"status_id": ""})).status_code == 404


async def test_amocrm_failing_is_502_with_words(admin: Admin) -> None:
    admin.amocrm.fail_next(1, status=403, path_prefix="/api/v4/leads/pipelines")
    page = await admin.page("/ui/settings/rules")
    assert page.status_code == 502
    assert "amoCRM запретила доступ amo1c" in page.text and "Правила событий 1С" in page.text
    main, _ = pipelines(admin)
    admin.amocrm.fail_next(1, status=403, path_prefix="/api/v4/leads/pipelines")
    saved = await admin.put(f"/ui/settings/rules/payment/{main.id}", {"status_id": ""})
    assert saved.status_code == 502 and "amoCRM запретила доступ amo1c" in saved.text


async def test_rules_page_in_english(admin: Admin) -> None:
    admin.lang = "en"
    page = await admin.page("/ui/settings/rules")
    assert "Partial shipment" in page.text and "keep the stage" in page.text
