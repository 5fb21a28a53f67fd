"""The deal panel of the demo in headless Chromium: documents from the fake 1C, then «Создать заказ в 1С»."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir

pytestmark = pytest.mark.browser


def test_demo_deal_panel_shows_documents_and_creates_the_order(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 320, "height": 640})  # the width of amoCRM's right column
    page.goto(f"{demo.amo1c}/ui/demo/login?to=/ui/cards/leads/{demo.deal_id}")
    documents = page.locator(".amo1c-tree .amo1c-doc")
    expect(documents).to_have_count(3)
    expect(page.get_by_role("link", name="Заказ клиента № 00000042 от 28.11.2026")).to_be_visible()
    expect(page.locator(".amo1c-tree ul .amo1c-doc")).to_have_count(2)  # the invoice and payment under the order
    page.get_by_role("button", name="Создать заказ в 1С").click()
    opened = page.get_by_role("link", name="Открыть в 1С")
    expect(opened).to_be_visible()
    expect(page.get_by_role("button", name="Обновить заказ в 1С")).to_be_visible()
    orders = httpx.get(f"{demo.onec}/_fake/state").json()["orders"]
    assert [order["link"] for order in orders if order["deal_id"] == demo.deal_id] == [opened.get_attribute("href")]
    page.screenshot(path=str(artifacts_dir() / "card-panel.png"), full_page=True)
    assert browser_page.errors == []


def test_demo_panel_without_a_session_says_so(demo: Demo, browser_page: BrowserPage) -> None:
    browser_page.page.goto(f"{demo.amo1c}/ui/cards/leads/{demo.deal_id}")
    expect(browser_page.page.locator(".amo1c-error")).to_contain_text("нет токена сессии")
