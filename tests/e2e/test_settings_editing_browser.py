"""The demo's settings pages in headless Chromium, as an admin edits them (issue 15): changing a correspondence row's
amoCRM field, Enter and Escape in edit rows, the page's own confirm dialog, sub-tab URLs that survive a reload,
columns that stay put, and no sideways scrolling in a 1024 px settings frame."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest

from backend.demo import DEMO_ID_BASE
from tests.conftest import import_for
from tests.e2e.conftest import BrowserPage, Demo, artifacts_dir
from tests.e2e.test_settings_browser import answer_in_page, open_settings, settled

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser
MAPPING = "Соответствие полей"


def stored_rows(demo: Demo, kind: str = "contact") -> dict[str, tuple[int, str, bool]]:
    """What amo1c stored for the demo base's `kind` table: 1C field → (amoCRM field id, its name, enabled)."""
    with closing(sqlite3.connect(f"file:{demo.database}?mode=ro", uri=True)) as database:
        rows = database.execute(
            "SELECT m.onec_field, m.amo_field_id, m.amo_field_name, m.enabled FROM field_mapping m"
            " JOIN onec_base b ON b.id = m.base_id WHERE b.id_base = ? AND m.kind = ?",
            (DEMO_ID_BASE, kind),
        ).fetchall()
    return {onec: (int(amo_id), name, bool(enabled)) for onec, amo_id, name, enabled in rows}


def focused(page: Page) -> str:
    """What has the focus: the tag, then its name or text (never "BODY" after a swap)."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.tagName + ':' + (e.getAttribute('name') || e.textContent.trim()).slice(0, 60); }"
        )
    )


def widths(cells: Locator) -> list[float]:
    """The rendered widths of `cells` (getBoundingClientRect), rounded to a tenth of a pixel."""
    return [round(width, 1) for width in cells.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")]


def sideways_overflow(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_edit_a_correspondence_row_to_another_amocrm_field(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, MAPPING)
    rows = page.locator("#amo1c-mapping-rows .amo1c-mapping-row")
    expect(rows).to_have_count(2)  # the demo's 1C saved Должность and Email
    position_id = int(page.locator("#amo1c-mapping-new option", has_text="Должность").get_attribute("value") or 0)
    before = stored_rows(demo)
    assert before["Должность"][0] == position_id  # 1C mapped its Должность to amoCRM's Должность
    offered = page.locator("#amo1c-mapping-new select[name=amo_field_id] option:not([value=''])")
    add_form_choices = offered.all_text_contents()
    assert "Телефон" in add_form_choices and len(add_form_choices) >= 3

    rows.filter(has_text="Должность").get_by_role("button", name="Изменить").click()
    editing = page.locator("tr.amo1c-editing")
    select = editing.get_by_label("Поле amoCRM")
    expect(select).to_be_focused()  # the swap gives the edit row the focus
    assert editing.locator("option").all_text_contents() == add_form_choices  # the same choices as the add form
    expect(select.locator("option:checked")).to_have_text("Должность")
    expect(select.locator("option", has_text="Email")).to_be_disabled()  # another row maps it
    select.select_option(label="Телефон")
    phone_id = int(select.input_value())
    editing.get_by_role("button", name="Сохранить").click()
    changed = rows.filter(has_text="id " + str(phone_id))
    expect(changed).to_contain_text("Телефон")
    expect(page.locator("tr.amo1c-editing")).to_have_count(0)
    assert stored_rows(demo)["Должность"] == (phone_id, "Телефон", before["Должность"][2])
    page.screenshot(path=str(artifacts_dir() / "settings-mapping-edited-field.png"), full_page=True)

    page.locator(".amo1c-subtabs").get_by_role("link", name="Контакт").click()  # its URL goes into the history
    expect(page).to_have_url(re.compile(r"/ui/settings/mapping\?.*kind=contact"))
    page.reload()  # the stored row, read anew
    expect(page.locator(".amo1c-subtab_active")).to_have_text("Контакт")
    row = page.locator("#amo1c-mapping-rows .amo1c-mapping-row").filter(has_text="Должность")
    expect(row.locator("td").first).to_contain_text("Телефон")
    expect(row.locator("td").first).to_contain_text(f"id {phone_id}")
    assert browser_page.errors == []


def test_enter_saves_and_escape_cancels_an_edit_row(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, MAPPING)
    row = page.locator(f"#{page.locator('.amo1c-mapping-row', has_text='Email').get_attribute('id')}")  # view or edit
    email_id = int(page.locator("#amo1c-mapping-new option", has_text="Email").get_attribute("value") or 0)
    onec_before = next(onec for onec, (amo_id, _, _) in stored_rows(demo).items() if amo_id == email_id)

    row.get_by_role("button", name="Изменить").click()
    editing = page.locator("tr.amo1c-editing")
    editing.get_by_label("Поле 1С").fill("ПочтаЧерезEscape")
    editing.get_by_label("Поле 1С").press("Escape")
    expect(page.locator("tr.amo1c-editing")).to_have_count(0)
    expect(row).to_contain_text(onec_before)
    settled(page)
    assert focused(page) == "BUTTON:Изменить"  # back on the row, not on <body>
    assert onec_before in stored_rows(demo) and "ПочтаЧерезEscape" not in stored_rows(demo)

    row.get_by_role("button", name="Изменить").click()
    editing.get_by_label("Поле 1С").fill("ПочтаЧерезEnter")
    editing.get_by_role("checkbox").uncheck()
    editing.get_by_label("Поле 1С").press("Enter")
    expect(row).to_contain_text("ПочтаЧерезEnter")
    expect(row.locator(".amo1c-badge")).to_have_text("выкл.")
    expect(page.locator("tr.amo1c-editing")).to_have_count(0)
    stored = stored_rows(demo)
    assert onec_before not in stored and stored["ПочтаЧерезEnter"][0] == email_id and not stored["ПочтаЧерезEnter"][2]
    settled(page)
    assert focused(page) == "BUTTON:Изменить"

    # Enter on the amoCRM field's select saves too, Escape there cancels
    row.get_by_role("button", name="Изменить").click()
    editing.get_by_label("Поле 1С").fill(onec_before)
    editing.get_by_role("checkbox").check()
    editing.get_by_label("Поле amoCRM").press("Enter")
    expect(row.locator(".amo1c-badge")).to_have_text("вкл.")
    expect(page.locator("tr.amo1c-editing")).to_have_count(0)
    assert stored_rows(demo)[onec_before][0] == email_id and stored_rows(demo)[onec_before][2]

    # the base card's edit form: Escape puts the card back unchanged
    page.locator(".amo1c-tabs").get_by_role("link", name="Базы 1С").click()
    card = page.locator(f'.amo1c-card[data-id-base="{DEMO_ID_BASE}"]')
    card.get_by_role("button", name="Изменить").click()
    form = page.locator("form.amo1c-card_editing")
    expect(form.get_by_label("Адрес обработчиков")).to_be_focused()
    form.get_by_label("Логин 1С").fill("не-сохранять")
    form.get_by_label("Логин 1С").press("Escape")
    expect(page.locator("form.amo1c-card_editing")).to_have_count(0)
    expect(card).not_to_contain_text("не-сохранять")
    assert browser_page.errors == []


def test_delete_asks_in_the_page_and_only_the_confirm_deletes(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, MAPPING)
    form = page.locator("#amo1c-mapping-new")
    free = form.locator("select[name=amo_field_id] option:not([disabled]):not([value=''])").first.text_content()
    assert free
    form.get_by_label("Поле amoCRM").select_option(label=free)
    form.get_by_label("Поле 1С").fill("АдресДоставки")
    form.get_by_role("button", name="Добавить строку").click()
    row = page.locator("#amo1c-mapping-rows .amo1c-mapping-row").filter(has_text="АдресДоставки")
    expect(row).to_have_count(1)
    dialog = page.locator("dialog#amo1c-confirm")

    row.get_by_role("button", name="Удалить").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Удалить строку «{free}» ↔ «АдресДоставки»?")
    expect(dialog.get_by_role("button", name="Отмена")).to_be_focused()  # the safe answer first
    page.screenshot(path=str(artifacts_dir() / "settings-confirm-dialog.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(1)
    assert "АдресДоставки" in stored_rows(demo)

    row.get_by_role("button", name="Удалить").click()
    answer_in_page(page, "Отмена")
    expect(row).to_have_count(1)
    assert "АдресДоставки" in stored_rows(demo)

    row.get_by_role("button", name="Удалить").click()
    answer_in_page(page, "Удалить")
    expect(row).to_have_count(0)
    assert "АдресДоставки" not in stored_rows(demo)
    settled(page)
    assert not focused(page).startswith("BODY")
    assert browser_page.native_dialogs == []  # no window.confirm ever opened
    assert browser_page.errors == []


def test_a_sub_tab_and_the_chosen_base_survive_a_reload(demo: Demo, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_settings(page, demo, MAPPING)
    page.locator(".amo1c-subtabs").get_by_role("link", name="Сотрудник").click()
    expect(page.locator(".amo1c-subtab_active")).to_have_text("Сотрудник")
    expect(page).to_have_url(re.compile(r"/ui/settings/mapping\?.*kind=user"))
    settled(page)
    assert focused(page) == "A:Сотрудник"  # the sub-tab just opened keeps the focus
    page.reload()
    expect(page.locator(".amo1c-subtab_active")).to_have_text("Сотрудник")
    expect(page.locator("#amo1c-mapping-new").get_by_label("Пользователь amoCRM")).to_contain_text("Иван Петров")
    expect(page.locator("#amo1c-mapping-new")).to_contain_text("Сотрудник 1С")
    expect(page.locator("#amo1c-section")).not_to_contain_text("Поле 1С")

    page.locator(".amo1c-base-selector select").select_option(label="demo-warehouse")
    expect(page).to_have_url(re.compile(r"/ui/settings/mapping\?(?=.*kind=user)(?=.*base=\d+)"))
    settled(page)
    page.reload()
    expect(page.locator(".amo1c-base-selector select option:checked")).to_have_text("demo-warehouse")
    expect(page.locator(".amo1c-subtab_active")).to_have_text("Сотрудник")
    page.screenshot(path=str(artifacts_dir() / "settings-mapping-subtab-reloaded.png"), full_page=True)
    assert browser_page.errors == []


def test_columns_stay_put_between_entity_tabs_view_and_edit_rows_and_saved_marks(
    demo: Demo, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    open_settings(page, demo, MAPPING)
    heads = page.locator("table.amo1c-mapping thead th")
    contact = widths(heads)
    row = page.locator("#amo1c-mapping-rows .amo1c-mapping-row").first
    viewed = widths(row.locator("td"))
    row.get_by_role("button", name="Изменить").click()
    editing = page.locator("tr.amo1c-editing")
    expect(editing).to_have_count(1)
    assert widths(editing.locator("td")) == viewed
    assert widths(heads) == contact
    page.screenshot(path=str(artifacts_dir() / "settings-mapping-edit-row.png"), full_page=True)
    for entity in ("Компания", "Сделка", "Сотрудник"):
        page.locator(".amo1c-subtabs").get_by_role("link", name=entity).click()
        expect(page.locator(".amo1c-subtab_active")).to_have_text(entity)
        assert widths(heads) == contact, entity

    page.locator(".amo1c-tabs").get_by_role("link", name="Правила событий 1С").click()
    expect(page.locator(".amo1c-tab_active")).to_have_text("Правила событий 1С")
    table = page.locator(".amo1c-pipeline").first.locator("table")
    columns = widths(table.locator("thead th"))
    rule = table.locator('tr[data-event="shipment"]')
    rule.get_by_role("checkbox").uncheck()
    expect(rule).to_contain_text("Сохранено")
    assert widths(table.locator("thead th")) == columns  # «Сохранено» has its reserved room
    rule.get_by_role("checkbox").check()  # as the demo had it
    expect(rule.get_by_role("checkbox")).to_be_checked()
    settled(page)
    assert focused(page) == "INPUT:add_note"  # the redrawn rule row keeps the control in focus
    page.screenshot(path=str(artifacts_dir() / "settings-rules-saved.png"), full_page=True)
    assert browser_page.errors == []


def test_no_sideways_scrolling_in_a_1024_px_frame_and_base_cards_use_the_width(
    demo: Demo, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 1024, "height": 800})
    open_settings(page, demo, "Базы 1С")
    cards = page.locator("#amo1c-bases .amo1c-card")
    expect(page.locator("#amo1c-bases .amo1c-badge_wait")).to_have_count(0)  # every card asked 1C
    main = page.locator(".amo1c-settings__main").evaluate("e => e.clientWidth")
    card_widths = widths(cards)
    assert len(card_widths) >= 2 and min(card_widths) > 420, card_widths  # not the old ~345 px with room to spare
    assert sum(card_widths) > main * 0.9
    unlink = cards.first.get_by_role("button", name="Отвязать")
    assert unlink.evaluate("b => b.getBoundingClientRect().height") <= 34  # one line, not wrapped
    assert sideways_overflow(page) == 0
    page.screenshot(path=str(artifacts_dir() / "settings-bases-1024.png"), full_page=True)
    for tab in ("Соответствие полей", "Правила событий 1С", "Автоматизация", "Обработчики"):
        page.locator(".amo1c-tabs").get_by_role("link", name=tab).click()
        expect(page.locator(".amo1c-tab_active")).to_have_text(tab)
        settled(page)
        assert sideways_overflow(page) == 0, tab
        page.screenshot(path=str(artifacts_dir() / f"settings-1024-{tab.split()[0].lower()}.png"), full_page=True)
    page.locator(".amo1c-tabs").get_by_role("link", name="Соответствие полей").click()
    page.locator("#amo1c-mapping-rows .amo1c-mapping-row").first.get_by_role("button", name="Изменить").click()
    expect(page.locator("tr.amo1c-editing")).to_have_count(1)
    assert sideways_overflow(page) == 0
    page.screenshot(path=str(artifacts_dir() / "settings-1024-mapping-edit.png"), full_page=True)
    assert browser_page.errors == []
