"""The demo's «Обзор» tab and the sync log in headless Chromium at 1280 px: the overview and its chart render and
fit a 1024 px window, a tab and the log's filters survive a reload, a log row's time stays on one line and a 1C
GUID is never broken (measured)."""

from __future__ import annotations

import base64
import re
import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from backend.demo import DEMO_ID_BASE, DEMO_ONEC_LOGIN, DEMO_ONEC_PASSWORD
from tests.conftest import import_for
from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir
from tests.e2e.test_settings_browser import open_settings, settled

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser

# The widest a page may be beyond its window (a rounding pixel), and how a one-line element's height may vary.
OVERFLOW_SLACK = 1
ONE_LINE_SLACK = 4


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than its window (0: no horizontal scroll bar)."""
    overflow: int = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return overflow


def line_height(page: Page, selector: str) -> float:
    """The computed line height of the first element `selector` matches, in pixels."""
    height: float = page.locator(selector).first.evaluate(
        "element => { const style = getComputedStyle(element);"
        " return style.lineHeight === 'normal' ? parseFloat(style.fontSize) * 1.2 : parseFloat(style.lineHeight); }"
    )
    return height


def text_lines(element: Locator) -> int:
    """How many lines the text of `element` takes."""
    lines: int = element.evaluate(
        "element => { const range = document.createRange(); range.selectNodeContents(element);"
        " return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size; }"
    )
    return lines


def test_the_overview_renders_fits_1024_px_and_links_to_the_filtered_log(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo)  # the settings' root is the overview
    expect(page.locator(".amo1c-tab_active")).to_have_text("Обзор")
    base = page.locator(f'.amo1c-base-status[data-id-base="{DEMO_ID_BASE}"]')
    expect(base).to_have_attribute("data-reachable", "yes")  # asked right after the page came
    expect(base).to_contain_text("на связи")
    charts = page.locator("figure.amo1c-chart svg[role=img]")
    expect(charts).to_have_count(2)
    expect(page.locator("#amo1c-chart-from_1c-title")).to_have_text("1С → amo1c: вызовы по часам за 7 дней")
    assert page.locator("figure.amo1c-chart rect.amo1c-chart__ok").count() > 0
    width = charts.first.bounding_box()
    assert width is not None and width["width"] > 900  # the chart takes the page's width at 1280 px
    page.screenshot(path=str(artifacts_dir() / "settings-overview.png"), full_page=True)
    assert horizontal_overflow(page) <= OVERFLOW_SLACK

    page.set_viewport_size({"width": 1024, "height": 800})
    assert horizontal_overflow(page) <= OVERFLOW_SLACK
    box = charts.first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024
    page.screenshot(path=str(artifacts_dir() / "settings-overview-1024.png"), full_page=True)

    kinds = page.locator(".amo1c-error-kind")
    if kinds.count():  # the demo's failed calls of the day
        operation = kinds.first.get_attribute("data-operation")
        kinds.first.get_by_role("link", name="Открыть в журнале").click()
        expect(page.locator(".amo1c-tab_active")).to_have_text("Журнал обмена")
        expect(page.locator("#amo1c-log-filters select[name=outcome]")).to_have_value("error")
        expect(page.locator("#amo1c-log-filters select[name=operation]")).to_have_value(operation or "")
        assert "outcome=error" in page.url and "token=" in page.url
    assert browser_page.errors == []


def test_a_tab_and_the_log_filters_survive_a_reload(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Журнал обмена")
    expect(page).to_have_url(re.compile(r"/ui/settings/log\?token="))  # the pushed address, with the session
    page.reload()
    expect(page.locator(".amo1c-tab_active")).to_have_text("Журнал обмена")
    expect(page.locator("#amo1c-log-filters")).to_be_visible()

    page.locator("#amo1c-log-filters").get_by_label("Результат").select_option(label="ошибка")
    settled(page)
    expect(page).to_have_url(re.compile(r"/ui/settings/log\?outcome=error&token="))
    page.reload()
    expect(page.locator(".amo1c-tab_active")).to_have_text("Журнал обмена")
    expect(page.locator("#amo1c-log-filters select[name=outcome]")).to_have_value("error")
    entries = page.locator("#amo1c-log-results .amo1c-log-entry")
    expect(entries.first).to_be_visible()
    for outcome in entries.evaluate_all("rows => rows.map(row => row.dataset.outcome)"):
        assert outcome == "error"

    page.go_back()  # the log without the filter, then the overview the settings opened on
    expect(page.locator("#amo1c-log-filters select[name=outcome]")).to_have_value("")
    page.locator(".amo1c-tabs").get_by_role("link", name="Базы 1С").click()
    expect(page.locator(".amo1c-tab_active")).to_have_text("Базы 1С")
    page.reload()
    expect(page.locator(".amo1c-tab_active")).to_have_text("Базы 1С")
    assert browser_page.errors == []


def test_log_times_stay_on_one_line_and_a_guid_is_whole(demo: Demo, browser_page: BrowserPage) -> None:
    guid = str(uuid.uuid4())
    credentials = base64.b64encode(f"{DEMO_ONEC_LOGIN}:{DEMO_ONEC_PASSWORD}".encode()).decode()
    contact = {"key": demo.account_id, "id_base": DEMO_ID_BASE, "id_1c": guid, "name": "Гуидов Иван"}
    sent = httpx.post(f"{demo.amo1c}/sync/clients_contacts", json=contact, timeout=20,
                      headers={"Authorization": f"Basic {credentials}"})  # fmt: skip
    assert sent.status_code == 200, sent.text

    page = browser_page.page
    open_settings(page, demo, "Журнал обмена")
    page.get_by_label("id amoCRM или 1С").fill(guid)
    page.get_by_role("button", name="Найти").click()
    row = page.locator("#amo1c-log-results .amo1c-log-entry")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Контакт из 1С")
    code = row.locator(f'code.amo1c-id[title="{guid}"]')
    expect(code).to_have_text(guid)  # the whole GUID is in the page, whatever is shown
    assert code.evaluate("element => getComputedStyle(element).userSelect") == "all"  # a click takes all of it
    one_line = line_height(page, "#amo1c-log-results code.amo1c-id") + ONE_LINE_SLACK
    box = code.bounding_box()
    assert box is not None and box["height"] <= one_line, box
    time = row.locator("time.amo1c-time")
    expect(time).to_have_attribute("data-local", "")  # shown in the viewer's time zone
    time_box = time.bounding_box()
    assert time_box is not None and time_box["height"] <= line_height(page, "#amo1c-log-results time") + ONE_LINE_SLACK
    assert text_lines(row.locator("td.amo1c-id-base")) == 1  # «demo-trade» not broken at its hyphen
    page.screenshot(path=str(artifacts_dir() / "settings-log-guid.png"), full_page=True)

    page.set_viewport_size({"width": 1024, "height": 800})
    assert horizontal_overflow(page) <= OVERFLOW_SLACK
    box = code.bounding_box()
    time_box = time.bounding_box()
    assert box is not None and box["height"] <= one_line
    assert time_box is not None and time_box["height"] <= line_height(page, "#amo1c-log-results time") + ONE_LINE_SLACK
    assert text_lines(row.locator("td.amo1c-id-base")) == 1
    row.get_by_role("button", name="Подробнее").click()
    expect(page.locator(".amo1c-log-detail code.amo1c-raw-operation")).to_have_text("clients_contacts")
    assert browser_page.errors == []
