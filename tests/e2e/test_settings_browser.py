"""The demo's settings pages in headless Chromium: bases, field correspondence, event rules and the sync log."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import httpx
import pytest

from backend.demo import DEMO_ID_BASE, DEMO_ONEC_LOGIN, DEMO_ONEC_PASSWORD
from tests.conftest import import_for
from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser
SECRETS = (DEMO_ONEC_PASSWORD, "пароль-розницы")


def open_settings(page: Page, demo: Demo, tab: str | None = None) -> None:
    """Sign in as the demo admin, open the settings, then (like a person) click a tab."""
    page.goto(f"{demo.amo1c}/ui/demo/login?to=/ui/settings")
    expect(page.locator("h1")).to_have_text("Настройки amo1c")
    if tab is not None:
        page.locator(".amo1c-tabs").get_by_role("link", name=tab).click()
        expect(page.locator(".amo1c-tab_active")).to_have_text(tab)


def answer_in_page(page: Page, button: str) -> None:
    """Answer the page's own confirm dialog (hx-confirm) by pressing `button` in it («Отмена» or the action's name)."""
    dialog = page.locator("dialog#amo1c-confirm")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_hidden()


def settled(page: Page) -> None:
    """Wait until no htmx request is in flight (htmx marks the requesting element with .htmx-request)."""
    # a function, not an expression: Playwright evals a bare expression in the page, which the CSP refuses
    page.wait_for_function("() => document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling') === null")


def assert_no_secret(page: Page) -> None:
    html = page.content()
    for secret in SECRETS:
        assert secret not in html


def test_link_a_base_and_check_its_connection(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Базы 1С")
    card = page.locator(f'.amo1c-card[data-id-base="{DEMO_ID_BASE}"]')
    expect(card.locator(".amo1c-live")).to_contain_text("на связи")
    expect(card.locator(".amo1c-live__version strong")).to_have_text("2")
    card.get_by_role("button", name="Проверить соединение").click()
    expect(card.locator(".amo1c-live")).to_contain_text("Соединение в порядке: 1С ответила за")
    page.locator("summary").filter(has_text="Связать базу 1С").click()
    form = page.locator("#amo1c-base-new")
    form.get_by_label("Идентификатор базы").fill("retail")
    form.get_by_label("Адрес обработчиков").fill(f"{demo.onec}/demo/hs/amo1c/handler")
    form.get_by_label("Адрес базы").fill(f"{demo.onec}/demo")
    form.get_by_label("Логин 1С").fill(DEMO_ONEC_LOGIN)
    form.get_by_label("Пароль 1С").fill("пароль-розницы")
    form.get_by_role("button", name="Связать базу").click()
    retail = page.locator('.amo1c-card[data-id-base="retail"]')
    expect(retail).to_be_visible()
    expect(form.get_by_label("Идентификатор базы")).to_have_value("")  # the form is ready for another
    expect(retail.locator(".amo1c-live")).to_contain_text("нет связи")  # the password is not the fake 1C's
    retail.get_by_role("button", name="Проверить соединение").click()
    expect(retail.locator(".amo1c-flash_error")).to_contain_text("1С не приняла логин и пароль базы")
    retail.get_by_role("button", name="Изменить").click()
    expect(page.locator("form.amo1c-card_editing").get_by_label("Пароль 1С")).to_have_value("")
    page.locator("form.amo1c-card_editing").get_by_label("Пароль 1С").fill(DEMO_ONEC_PASSWORD)
    page.locator("form.amo1c-card_editing").get_by_role("button", name="Сохранить").click()
    retail.get_by_role("button", name="Проверить соединение").click()
    expect(retail.locator(".amo1c-live")).to_contain_text("Соединение в порядке")  # the edited password works
    assert_no_secret(page)
    page.screenshot(path=str(artifacts_dir() / "settings-bases.png"), full_page=True)
    page.set_viewport_size({"width": 420, "height": 800})  # the settings area of amoCRM on a narrow screen
    page.screenshot(path=str(artifacts_dir() / "settings-bases-narrow.png"), full_page=True)
    retail.get_by_role("button", name="Отвязать").click()
    answer_in_page(page, "Отвязать")
    expect(retail).to_have_count(0)
    assert browser_page.errors == []


def test_add_edit_and_delete_a_correspondence_row(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Соответствие полей")
    rows = page.locator("#amo1c-mapping-rows .amo1c-mapping-row")
    expect(rows).to_have_count(2)  # the demo's 1C saved Должность and Email
    form = page.locator("#amo1c-mapping-new")
    form.get_by_label("Поле amoCRM").select_option(label="Телефон")
    form.get_by_label("Поле 1С").fill("Телефон1С")
    form.get_by_role("button", name="Добавить строку").click()
    expect(rows).to_have_count(3)
    added = rows.filter(has_text="Телефон1С")
    expect(added).to_contain_text("вкл.")
    expect(form.get_by_label("Поле 1С")).to_have_value("")
    added.get_by_role("button", name="Изменить").click()
    editing = page.locator("tr.amo1c-editing")
    editing.get_by_label("Поле 1С").fill("ТелефонКонтакта")
    editing.get_by_role("checkbox").uncheck()
    editing.get_by_role("button", name="Сохранить").click()
    changed = rows.filter(has_text="ТелефонКонтакта")
    expect(changed).to_contain_text("выкл.")
    expect(page.locator("tr.amo1c-editing")).to_have_count(0)
    page.get_by_role("button", name="Отправить список полей amoCRM в 1С").click()
    expect(page.locator("#amo1c-mapping-sent")).to_contain_text("Список полей amoCRM отправлен в 1С")
    page.screenshot(path=str(artifacts_dir() / "settings-mapping.png"), full_page=True)
    page.set_viewport_size({"width": 420, "height": 800})
    page.screenshot(path=str(artifacts_dir() / "settings-mapping-narrow.png"), full_page=True)
    changed.get_by_role("button", name="Удалить").click()
    answer_in_page(page, "Удалить")
    expect(rows).to_have_count(2)
    page.locator(".amo1c-subtabs").get_by_role("link", name="Сотрудник").click()
    expect(page.locator("#amo1c-mapping-new").get_by_label("Пользователь amoCRM")).to_contain_text("Иван Петров")
    tables = httpx.get(f"{demo.onec}/_fake/state").json()["corr_tables"]
    assert {"Контакт", "Компания", "Сделка", "Сотрудник"} <= set(tables)
    assert browser_page.errors == []


def test_an_event_rule_moves_the_deal_on_a_payment(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Правила событий 1С")
    main = page.locator(".amo1c-pipeline").filter(has_text="основная воронка")
    row = main.locator('tr[data-event="payment"]')
    row.get_by_role("combobox").select_option(label="Переговоры")
    expect(row).to_contain_text("Сохранено")
    stage_id = int(row.get_by_role("combobox").input_value())
    page.screenshot(path=str(artifacts_dir() / "settings-rules.png"), full_page=True)
    token = base64.b64encode(f"{DEMO_ONEC_LOGIN}:{DEMO_ONEC_PASSWORD}".encode()).decode()
    event = httpx.post(
        f"{demo.amo1c}/sync/process_event",
        json={"key": demo.account_id, "id_base": DEMO_ID_BASE, "id": demo.order_deal_id, "event_name": "payment",
              "sum": "5 000,00", "debt_sum": "0", "document_name": "Выписка № 305 (браузерный тест)"},
        headers={"Authorization": f"Basic {token}"},
        timeout=30,
    )  # fmt: skip
    assert event.status_code == 200, event.text
    state = httpx.get(f"{demo.amocrm}/_fake/accounts/{demo.account_id}/state").json()
    lead = next(lead for lead in state["leads"] if lead["id"] == demo.order_deal_id)
    assert lead["status_id"] == stage_id
    assert browser_page.errors == []


def test_filter_the_sync_log_and_send_a_failed_call_again(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, "Журнал обмена")
    entries = page.locator("#amo1c-log-results .amo1c-log-entry")
    expect(entries.first).to_be_visible()
    page.locator("#amo1c-log-filters").get_by_label("База").select_option(DEMO_ID_BASE)  # not the other tests' base
    page.get_by_label("Результат").select_option(label="ошибка")
    expect(entries).to_have_count(2)  # the demo's refused get_orders and its event for an unknown order
    for outcome in entries.evaluate_all("rows => rows.map(row => row.dataset.outcome)"):
        assert outcome == "error"
    page.get_by_label("Направление").select_option(label="amo1c → 1С")
    expect(entries).to_have_count(1)
    failed = entries.first
    expect(failed).to_have_attribute("data-operation", "get_orders")
    expect(failed).to_contain_text("Документы сделки")  # the operation's name; its raw name is in the detail
    settled(page)
    failed.get_by_role("button", name="Подробнее").click()
    detail = page.locator(".amo1c-log-detail")
    expect(detail).to_contain_text("Сервис 1С временно недоступен")
    detail.get_by_role("button", name="Отправить в 1С повторно").click()
    expect(detail).to_contain_text("1С ответила: документов — 3.")
    page.screenshot(path=str(artifacts_dir() / "settings-log-detail.png"), full_page=True)
    page.get_by_label("Результат").select_option(label="все")
    page.get_by_label("id amoCRM или 1С").fill(str(demo.deal_id))
    page.get_by_role("button", name="Найти").click()
    expect(entries).to_have_count(1)  # the failed call: the one sent again is a read that succeeded, not logged
    expect(entries.first).to_contain_text("ошибка")
    page.screenshot(path=str(artifacts_dir() / "settings-log.png"), full_page=True)
    page.get_by_label("id amoCRM или 1С").fill("")
    page.get_by_label("Результат").select_option(label="ошибка")
    page.get_by_label("Направление").select_option(label="1С → amo1c")
    expect(entries).to_have_count(1)
    expect(entries.first).to_have_attribute("data-operation", "process_event")
    settled(page)
    entries.first.get_by_role("button", name="Подробнее").click()
    expect(page.locator(".amo1c-log-detail")).to_contain_text("POST /sync/process_event")
    assert_no_secret(page)
    assert browser_page.errors == []
