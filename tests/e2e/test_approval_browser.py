"""A 1C base links itself through the sync API, waits for the account admin, who approves it in the settings page
in headless Chromium; a card panel then shows the deal's documents from it."""

from __future__ import annotations

import base64

import httpx
import pytest

from backend.demo import DEMO_AWAITING_BASE, DEMO_ONEC_LOGIN, DEMO_ONEC_PASSWORD
from tests.conftest import import_for
from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir
from tests.e2e.test_settings_browser import answer_in_page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser
ID_BASE = "e2e-branch"


def test_a_base_linked_from_1c_waits_for_the_admin_then_serves_the_card_panel(
    demo: Demo, browser_page: BrowserPage
) -> None:
    credentials = base64.b64encode(f"{DEMO_ONEC_LOGIN}:{DEMO_ONEC_PASSWORD}".encode()).decode()
    auth = {"Authorization": f"Basic {credentials}"}
    link = {
        "key": demo.account_id,
        "id_base": ID_BASE,
        "web_address": f"{demo.onec}/demo/hs/amo1c/handler",
        "url_address": f"{demo.onec}/demo",
        "param1": DEMO_ONEC_LOGIN,
        "param2": DEMO_ONEC_PASSWORD,
    }
    linked = httpx.post(f"{demo.amo1c}/sync/base", json=link, timeout=10)  # as 1C does it: no operator
    assert linked.json() == {"success": True, "data": None, "error": None}
    version = {"key": demo.account_id, "id_base": ID_BASE}
    waiting = httpx.post(f"{demo.amo1c}/update_handlers/get_actual_version", json=version, headers=auth, timeout=10)
    assert waiting.status_code == 403 and "ожидает подтверждения" in waiting.json()["error"]

    page = browser_page.page
    page.goto(f"{demo.amo1c}/ui/demo/login?to=/ui/settings/bases")
    requests = page.locator(".amo1c-requests")
    expect(requests.locator(f'[data-id-base="{DEMO_AWAITING_BASE}"]')).to_be_visible()  # the demo's own
    request = requests.locator(f'.amo1c-card[data-id-base="{ID_BASE}"]')
    expect(request).to_contain_text(f"{demo.onec}/demo/hs/amo1c/handler")
    expect(request).to_contain_text(DEMO_ONEC_LOGIN)
    expect(request).to_contain_text("127.0.0.1")
    page.screenshot(path=str(artifacts_dir() / "settings-requests.png"), full_page=True)
    request.get_by_role("button", name="Подключить").click()
    # by its words: the other cards' live checks may put their own flashes next to it
    expect(page.locator(".amo1c-flash", has_text=f"База «{ID_BASE}» подключена")).to_be_visible()
    approved = page.locator(f'#amo1c-bases .amo1c-card[data-id-base="{ID_BASE}"]')
    expect(approved.locator(".amo1c-live")).to_contain_text("на связи")
    expect(requests.locator(f'[data-id-base="{ID_BASE}"]')).to_have_count(0)
    answered = httpx.post(f"{demo.amo1c}/update_handlers/get_actual_version", json=version, headers=auth, timeout=10)
    assert answered.status_code == 200

    page.goto(f"{demo.amo1c}/ui/demo/login?to=/ui/cards/leads/{demo.deal_id}?base={ID_BASE}")
    expect(page.locator("select[name=base] option:checked")).to_have_text(ID_BASE)
    expect(page.locator(".amo1c-tree .amo1c-doc")).to_have_count(3)
    expect(page.locator("select[name=base] option")).not_to_contain_text([DEMO_AWAITING_BASE])

    page.goto(f"{demo.amo1c}/ui/demo/login?to=/ui/settings/bases")  # leave the demo as it was for the other tests
    page.locator(f'.amo1c-card[data-id-base="{ID_BASE}"]').get_by_role("button", name="Отвязать").click()
    answer_in_page(page, "Отвязать")
    expect(page.locator(f'.amo1c-card[data-id-base="{ID_BASE}"]')).to_have_count(0)
    assert browser_page.errors == []
