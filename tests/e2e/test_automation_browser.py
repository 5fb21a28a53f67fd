"""The demo's «Автоматизация» tab in headless Chromium: add a stage trigger, move a deal onto that stage in the fake
amoCRM while the fake 1C is down (its webhook reaches amo1c over real HTTP), see the order wait with 1C's error,
bring 1C back, press «Отправить сейчас» and see it delivered; the demo is left as it was."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pytest

from backend.demo import DEMO_ID_BASE
from backend.demo_automation import WAREHOUSE_ID_BASE
from tests.conftest import import_for
from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir
from tests.e2e.test_settings_browser import answer_in_page, open_settings, settled

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser
REFRESH_DEADLINE = 30.0  # seconds for the hook, the read-back and the first attempt, seen by pressing «Обновить»


def lead(demo: Demo, deal_id: int) -> dict[str, int]:
    state = httpx.get(f"{demo.amocrm}/_fake/accounts/{demo.account_id}/state", timeout=10).json()
    found: dict[str, int] = next(item for item in state["leads"] if item["id"] == deal_id)
    return found


def move(demo: Demo, deal_id: int, status_id: int) -> None:
    """Move the deal as a manager would in amoCRM (the fake's control route the demo prints)."""
    path = f"{demo.amocrm}/_fake/accounts/{demo.account_id}/leads/{deal_id}/status"
    httpx.post(path, json={"status_id": status_id}, timeout=10).raise_for_status()


def refreshed_until(page: Page, row: Locator, state: str) -> None:
    """Press «Обновить» until the intent's row is there in `state` (the tab does not poll by itself)."""
    deadline = time.monotonic() + REFRESH_DEADLINE
    while True:
        settled(page)
        page.locator("#amo1c-outbox-filters").get_by_role("button", name="Обновить").click()
        settled(page)
        if row.count() == 1 and row.get_attribute("data-state") == state:
            return
        assert time.monotonic() < deadline, f"the intent did not become {state}: {page.content()}"
        time.sleep(0.5)


def test_a_stage_trigger_waits_while_1c_is_down_and_send_now_delivers(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Автоматизация")
    expect(page.locator("#amo1c-trigger-rows .amo1c-trigger")).to_have_count(1)  # the demo's own stage trigger
    expect(page.locator(f'.amo1c-intent[data-base="{WAREHOUSE_ID_BASE}"]')).to_have_attribute("data-state", "pending")
    expect(page.locator("#amo1c-subscription")).to_contain_text("подписка оформлена")
    form = page.locator("#amo1c-trigger-new")
    form.get_by_label("Этап, на котором заказ уходит в 1С").select_option(label="Переговоры")
    form.get_by_role("button", name="Добавить триггер").click()
    added = page.locator("#amo1c-trigger-rows .amo1c-trigger").filter(has_text="Переговоры")
    expect(added).to_have_count(1)
    stage_id = int(added.get_attribute("data-stage") or 0)
    started_at = lead(demo, demo.deal_id)["status_id"]

    httpx.post(f"{demo.onec}/_fake/down", timeout=10).raise_for_status()
    try:
        move(demo, demo.deal_id, stage_id)
        row = page.locator(f'.amo1c-intent[data-base="{DEMO_ID_BASE}"][data-amo-id="{demo.deal_id}"]')
        refreshed_until(page, row, "pending")
        expect(row.locator(".amo1c-intent-error")).to_contain_text("503")
        expect(row).to_contain_text("следующая —")
        page.screenshot(path=str(artifacts_dir() / "settings-automation-waiting.png"), full_page=True)
    finally:
        httpx.post(f"{demo.onec}/_fake/up", timeout=10).raise_for_status()

    row.get_by_role("button", name="Отправить сейчас").click()
    expect(row).to_have_attribute("data-state", "delivered")
    expect(row.locator(".amo1c-intent-outcome")).to_contain_text("Доставлено: 1С приняла.")
    orders = httpx.get(f"{demo.onec}/_fake/state", timeout=10).json()["orders"]
    assert len([order for order in orders if order["deal_id"] == demo.deal_id]) == 1
    row.get_by_role("button", name="История").click()
    attempts = page.locator(".amo1c-intent-detail .amo1c-attempt")
    expect(attempts).to_have_count(2)
    expect(attempts.first).to_contain_text("доставлено")
    expect(attempts.last).to_contain_text("не дошло — повтор")
    page.screenshot(path=str(artifacts_dir() / "settings-automation.png"), full_page=True)
    page.set_viewport_size({"width": 420, "height": 800})
    page.screenshot(path=str(artifacts_dir() / "settings-automation-narrow.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    added.get_by_role("button", name="Удалить").click()  # leave the demo as it was for the other tests
    answer_in_page(page, "Удалить")
    expect(page.locator("#amo1c-trigger-rows .amo1c-trigger")).to_have_count(1)
    move(demo, demo.deal_id, started_at)
    assert lead(demo, demo.deal_id)["status_id"] == started_at
    assert browser_page.errors == []
