"""The built widget in headless Chromium, inside a page imitating amoCRM, against a running amo1c.

Each test opens a page of the imitation (tests/e2e/harness.py): the widget's script.js is loaded by RequireJS,
trades a real signed widget JWT for a UI token at amo1c's POST /ui/session (cross-origin, with CORS) and frames
amo1c's page, or shows the error text from widget/i18n.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from backend.widget import SOURCE_ROOT
from tests.e2e.conftest import BrowserPage, Stack, artifacts_dir

pytestmark = pytest.mark.browser

LEAD_ID = 4242
CONTACT_ID = 5151
UNKNOWN_ACCOUNT_ID = 987_654_321
RU = json.loads((SOURCE_ROOT / "widget" / "i18n" / "ru.json").read_text(encoding="utf-8"))
CARD_FRAME = ".amo1c-panel_card iframe.amo1c-frame.amo1c-frame_card"
SETTINGS_FRAME = "#work-area-amo1c .amo1c-panel_settings iframe.amo1c-frame.amo1c-frame_settings"


def harness_url(stack: Stack, path: str, **params: Any) -> str:
    query = {"account_id": stack.account_id, "user_id": 7001, "is_admin": "1", "build": "live", "lang": "ru"}
    query.update(params)
    return f"{stack.harness_url}{path}?{urlencode(query)}"


def starts_with(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix))


def harness_state(opened: BrowserPage) -> dict[str, Any]:
    state: dict[str, Any] = opened.page.evaluate("window.AMO1C_HARNESS_STATE")
    return state


def assert_widget_ran(opened: BrowserPage, *callbacks: str) -> None:
    """The widget loaded, every callback amoCRM ran returned true and no JavaScript error escaped."""
    opened.page.wait_for_function("window.AMO1C_HARNESS_STATE.ready || window.AMO1C_HARNESS_STATE.error")
    state = harness_state(opened)
    assert state["error"] is None
    assert state["callbacks"] == dict.fromkeys(callbacks, True)
    assert opened.errors == []


def test_lead_card_frames_amo1c_card_page(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, f"/card/leads/{LEAD_ID}"))
    frame = page.locator(CARD_FRAME)
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", starts_with(f"{stack.amo1c_url}/ui/cards/leads/{LEAD_ID}?token="))
    expect(frame).to_have_attribute("src", re.compile(r"&lang=ru$"))
    expect(frame).to_have_attribute("title", RU["panel"]["frame_title"])
    card = page.frame_locator(CARD_FRAME).locator('html[lang="ru"] section.amo1c-panel[data-entity="leads"]')
    expect(card).to_have_attribute("data-id", str(LEAD_ID))
    assert_widget_ran(browser_page, "render", "init", "bind_actions")
    calls = harness_state(browser_page)["authorizedAjax"]
    assert calls == [{"url": f"{stack.amo1c_url}/ui/session?lang=ru", "method": "POST"}]
    assert browser_page.console_errors == []
    page.screenshot(path=str(artifacts_dir() / "widget-card.png"), full_page=True)


def test_contact_card_in_english_until_destroyed(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, f"/card/contacts/{CONTACT_ID}", lang="en"))
    frame = page.locator(CARD_FRAME)
    expect(frame).to_have_attribute("src", starts_with(f"{stack.amo1c_url}/ui/cards/contacts/{CONTACT_ID}?token="))
    expect(frame).to_have_attribute("src", re.compile(r"&lang=en$"))
    card = page.frame_locator(CARD_FRAME).locator('html[lang="en"] section.amo1c-panel[data-entity="contacts"]')
    expect(card).to_have_attribute("data-id", str(CONTACT_ID))
    assert_widget_ran(browser_page, "render", "init", "bind_actions")
    page.evaluate("window.AMO1C_WIDGET.callbacks.destroy()")  # amoCRM leaves the card or disables the widget
    expect(page.locator(".amo1c-panel")).to_have_count(0)


def test_account_without_amo1c_shows_not_installed(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, f"/card/leads/{LEAD_ID}", account_id=UNKNOWN_ACCOUNT_ID))
    panel = page.locator(".amo1c-panel_card")
    expect(panel.locator(".amo1c-message_error")).to_have_text(RU["errors"]["not_installed"])
    expect(panel.locator("a.amo1c-retry")).to_have_text(RU["panel"]["retry"])
    expect(panel.locator("iframe")).to_have_count(0)
    assert_widget_ran(browser_page, "render", "init", "bind_actions")


def test_a_token_amo1c_refuses_says_so_rather_than_not_installed(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, f"/card/leads/{LEAD_ID}", forged="1"))
    panel = page.locator(".amo1c-panel_card")
    expect(panel.locator(".amo1c-message_error")).to_have_text(RU["errors"]["session_refused"])
    expect(panel.locator("iframe")).to_have_count(0)


def test_unreachable_amo1c_shows_unreachable_and_retries(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, f"/card/leads/{LEAD_ID}", build="down"))
    panel = page.locator(".amo1c-panel_card")
    expect(panel.locator(".amo1c-message_error")).to_have_text(RU["errors"]["unreachable"])
    panel.locator("a.amo1c-retry").click()
    page.wait_for_function("window.AMO1C_HARNESS_STATE.authorizedAjax.length === 2")  # the retry asked again
    expect(panel.locator(".amo1c-message_error")).to_have_text(RU["errors"]["unreachable"])
    assert_widget_ran(browser_page, "render", "init", "bind_actions")


def test_unsaved_card_asks_to_save_it_first(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, "/card/leads/0"))
    expect(page.locator(".amo1c-panel_card .amo1c-message")).to_have_text(RU["panel"]["unsaved"])
    assert_widget_ran(browser_page, "render", "init", "bind_actions")
    assert harness_state(browser_page)["authorizedAjax"] == []


def test_advanced_settings_page_frames_amo1c_settings(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, "/advanced-settings"))
    frame = page.locator(SETTINGS_FRAME)
    expect(frame).to_have_attribute("src", starts_with(f"{stack.amo1c_url}/ui/settings?token="))
    expect(page.frame_locator(SETTINGS_FRAME).locator('html[lang="ru"] body.amo1c-settings')).to_have_count(1)
    expect(page.locator("#widgets_block")).to_have_count(0)
    assert_widget_ran(browser_page, "render", "init", "bind_actions", "advancedSettings")


def test_settings_frame_refuses_a_user_who_is_not_an_admin(browser_page: BrowserPage, stack: Stack) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.goto(harness_url(stack, "/advanced-settings", is_admin="0"))
    error = page.frame_locator(SETTINGS_FRAME).locator(".amo1c-error")
    expect(error).to_have_attribute("data-status", "403")
    expect(error.locator(".amo1c-error__text")).to_have_text(
        "Эта страница доступна только администраторам аккаунта amoCRM."
    )
    assert_widget_ran(browser_page, "render", "init", "bind_actions", "advancedSettings")


def test_the_overview_of_an_account_with_nothing_linked_says_what_to_do(
    browser_page: BrowserPage, stack: Stack
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(harness_url(stack, "/advanced-settings"))
    frame = page.frame_locator(SETTINGS_FRAME)
    expect(frame.locator(".amo1c-tab_active")).to_have_text("Обзор")  # the settings open on the overview
    expect(frame.locator(".amo1c-verdict")).to_contain_text("ни одна база 1С ещё не связана")
    expect(frame.locator("main")).to_contain_text("За 7 дней вызовов между 1С и amo1c не было.")
    expect(frame.locator("svg")).to_have_count(0)  # no empty chart
    page.screenshot(path=str(artifacts_dir() / "settings-overview-empty.png"), full_page=True)
    frame.locator('main a[href^="/ui/settings/bases"]').first.click()  # the advice leads to the bases tab
    expect(frame.locator(".amo1c-tab_active")).to_have_text("Базы 1С")
    assert browser_page.errors == []
