"""The deal panel of the demo in headless Chromium: documents from the fake 1C, then «Создать заказ в 1С»."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BrowserPage, artifacts_dir, free_port

pytestmark = pytest.mark.browser


@dataclass
class Demo:
    """A running `amo1c demo` and what it printed."""

    amo1c: str
    onec: str
    deal_id: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    ports = {"amo1c": free_port(), "amocrm": free_port(), "onec": free_port()}
    env = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "demo", "--port", str(ports["amo1c"]),
         "--amocrm-port", str(ports["amocrm"]), "--onec-port", str(ports["onec"])],
        cwd=tmp_path_factory.mktemp("demo"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    printed = ""
    for line in process.stdout:
        printed += line
        if "demo deal" in line:
            break
    match = re.search(r"demo deal (\d+) has sample 1C documents", printed)
    assert match, f"the demo did not start: {printed}"
    try:
        yield Demo(f"http://127.0.0.1:{ports['amo1c']}", f"http://127.0.0.1:{ports['onec']}", int(match.group(1)))
    finally:
        process.terminate()
        process.communicate(timeout=30)


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
