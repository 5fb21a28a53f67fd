"""Settings, field correspondence: rows per base and entity from the account's real fields, edited in place."""

from __future__ import annotations

import re

import httpx

from backend.models import FieldMapping, MappingKind
from backend.sync.mapping import MAX_MAPPING_ROWS, RowProblem
from backend.sync.workspace.mapping import Choice
from backend.ui.i18n import TEXTS
from backend.ui.settings.mapping import FieldOption, field_options
from tests.factories import store_mapping_rows
from tests.ui.conftest import Admin, sync


async def add(
    admin: Admin, field_id: int | str, onec_field: str, kind: str = "contact", **extra: str
) -> httpx.Response:
    base = await admin.base()
    data = {"base": str(base.id), "kind": kind, "amo_field_id": str(field_id), "onec_field": onec_field, **extra}
    return await admin.post("/ui/settings/mapping/rows", data)


async def test_mapping_page_offers_the_accounts_real_fields(admin: Admin) -> None:
    position = admin.fields("contacts")["Должность"]
    page = await admin.page("/ui/settings/mapping")
    assert page.status_code == 200 and page.text.startswith("<!doctype html>")
    assert "Соответствие полей" in page.text and "Строк пока нет." in page.text
    assert f'<option value="{position}">Должность</option>' in page.text
    for entity in ("Контакт", "Компания", "Сделка", "Сотрудник"):
        assert entity in page.text
    companies = await admin.get("/ui/settings/mapping", kind="company")
    assert companies.status_code == 200 and "<html" not in companies.text
    assert f'<option value="{admin.fields("companies")["ИНН"]}">ИНН</option>' in companies.text
    users = await admin.get("/ui/settings/mapping", kind="user")
    assert "Пользователь amoCRM" in users.text and "Иван Петров" in users.text
    assert (await admin.get("/ui/settings/mapping", kind="deal")).status_code == 404


async def test_add_a_row_then_edit_it_in_place_then_delete_it(admin: Admin) -> None:
    position = admin.fields("contacts")["Должность"]
    added = await add(admin, position, "Должность", enabled="1")
    assert added.status_code == 200, added.text
    assert added.text.lstrip().startswith("<tr") and "Должность" in added.text and "вкл." in added.text
    row = await FieldMapping.get(amo_field_id=position)
    assert (row.kind, row.onec_field, row.amo_field_name, row.enabled) == (
        MappingKind.CONTACT, "Должность", "Должность", True,
    )  # fmt: skip
    edit = await admin.get(f"/ui/settings/mapping/rows/{row.id}/edit")
    assert edit.status_code == 200
    assert f'<option value="{position}" selected>Должность</option>' in edit.text
    assert 'hx-include="closest tr"' in edit.text
    saved = await admin.put(
        f"/ui/settings/mapping/rows/{row.id}", {"amo_field_id": str(position), "onec_field": "ДолжностьКонтакта"}
    )
    assert saved.status_code == 200 and "ДолжностьКонтакта" in saved.text and "выкл." in saved.text
    assert (await FieldMapping.get(id=row.id)).enabled is False
    cancel = await admin.get(f"/ui/settings/mapping/rows/{row.id}")
    assert cancel.status_code == 200 and "ДолжностьКонтакта" in cancel.text
    deleted = await admin.delete(f"/ui/settings/mapping/rows/{row.id}")
    assert deleted.status_code == 200 and deleted.text == ""
    assert not await FieldMapping.filter(id=row.id).exists()
    assert (await admin.delete(f"/ui/settings/mapping/rows/{row.id}")).status_code == 404


async def test_invalid_rows_are_422_with_the_row_rerendered(admin: Admin) -> None:
    position = admin.fields("contacts")["Должность"]
    unknown = await add(admin, 987654321, "Что-то")
    assert unknown.status_code == 422
    assert unknown.headers["hx-retarget"] == "#amo1c-mapping-new"
    assert "такого поля нет в amoCRM" in unknown.text and 'value="Что-то"' in unknown.text
    assert (await add(admin, "p_12", "x")).status_code == 422
    empty = await add(admin, position, "   ")
    assert empty.status_code == 422 and "Укажите поле 1С" in empty.text
    assert (await add(admin, position, "Должность")).status_code == 200
    duplicate = await add(admin, position, "ЕщёРаз")
    assert duplicate.status_code == 422 and "строка уже есть" in duplicate.text
    email = admin.fields("contacts")["Email"]
    assert (await add(admin, email, "Почта")).status_code == 200
    row = await FieldMapping.get(amo_field_id=email)
    clash = await admin.put(f"/ui/settings/mapping/rows/{row.id}", {"amo_field_id": str(position), "onec_field": "x"})
    assert clash.status_code == 422 and clash.text.lstrip().startswith("<tr") and "строка уже есть" in clash.text
    bogus = await admin.put(f"/ui/settings/mapping/rows/{row.id}", {"amo_field_id": "5", "onec_field": "x"})
    assert bogus.status_code == 422 and "такого поля нет в amoCRM" in bogus.text
    assert (await FieldMapping.get(id=row.id)).onec_field == "Почта"
    assert await FieldMapping.all().count() == 2


async def test_employee_rows_take_users(admin: Admin) -> None:
    user = next(iter(admin.amocrm.account(admin.account.id).users.values()))
    added = await add(admin, user.id, "Менеджер", kind="user", enabled="1")
    assert added.status_code == 200 and user.name in added.text
    assert (await add(admin, admin.fields("contacts")["Должность"], "x", kind="user")).status_code == 422


async def test_the_employee_tab_speaks_of_users_and_employees_not_of_fields(admin: Admin) -> None:
    user = next(iter(admin.amocrm.account(admin.account.id).users.values()))
    assert (await add(admin, user.id, "Петров", kind="user")).status_code == 200
    row = await FieldMapping.get(kind=MappingKind.USER)
    page = await admin.get("/ui/settings/mapping", kind="user")
    edit = await admin.get(f"/ui/settings/mapping/rows/{row.id}/edit")
    for html in (page.text, edit.text):
        assert "Пользователь amoCRM" in html and "Сотрудник 1С" in html
        assert "Поле 1С" not in html and "Поле amoCRM" not in html and "ИНН" not in html
    assert "— выберите пользователя —" in page.text and "например, Петров Иван" in page.text


async def test_rows_1c_saved_are_the_rows_shown(admin: Admin) -> None:
    inn, address = admin.fields("companies")["ИНН"], admin.fields("companies")["Адрес"]
    saved = await sync(admin, "/sync/clients_companies_save_fields", {f"p_{inn}": "ИНН", f"p_{address}": "Адрес"})
    assert saved.status_code == 200
    # a row stored before 1C's ids were checked, or whose field was deleted in amoCRM since
    await FieldMapping.create(
        base=await admin.base(), kind=MappingKind.COMPANY, amo_field_id=424242, onec_field="Старое"
    )
    page = await admin.get("/ui/settings/mapping", kind="company")
    assert page.text.count('class="amo1c-mapping-row"') == 3
    assert "нет в amoCRM" in page.text  # 424242 is not a field of the account


async def test_send_the_table_to_1c(admin: Admin) -> None:
    base = await admin.base()
    sent = await admin.post("/ui/settings/mapping/send", {"base": str(base.id)})
    assert sent.status_code == 200, sent.text
    assert "Список полей amoCRM отправлен в 1С" in sent.text and "2.3.1" in sent.text
    tables = admin.onec.corr_tables
    assert {row.amo_name for row in tables["Контакт"]} >= {"Телефон", "Email", "Должность"}
    assert {row.amo_name for row in tables["Сотрудник"]} >= {"Иван Петров"}
    assert admin.onec.corr_table_user_id == 7001
    admin.onec.fail_next(1, status=500, body="Таблица не записана: блокировка")
    failed = await admin.post("/ui/settings/mapping/send", {"base": str(base.id)})
    assert failed.status_code == 502 and "Таблица не записана: блокировка" in failed.text


async def test_reload_forgets_the_cached_fields(admin: Admin) -> None:
    await admin.get("/ui/settings/mapping")
    admin.amocrm.add_custom_fields(admin.account.id, "contacts", [{"name": "Источник", "type": "text"}])
    cached = await admin.get("/ui/settings/mapping")
    assert "Источник" not in cached.text
    base = await admin.base()
    reloaded = await admin.post("/ui/settings/mapping/reload", {"base": str(base.id), "kind": "contact"})
    assert reloaded.status_code == 200 and "Источник" in reloaded.text


async def test_amocrm_failing_keeps_rows_visible_and_refuses_adding(admin: Admin) -> None:
    position = admin.fields("contacts")["Должность"]
    assert (await add(admin, position, "Должность")).status_code == 200
    admin.services.field_directory.forget(admin.account.id)
    admin.amocrm.fail_next(10, status=403, path_prefix="/api/v4/contacts/custom_fields")
    page = await admin.get("/ui/settings/mapping")
    assert page.status_code == 200
    assert "Не удалось загрузить поля из amoCRM" in page.text and "Должность" in page.text
    refused = await add(admin, position, "Должность2")
    assert refused.status_code == 502 and "Не удалось загрузить поля из amoCRM" in refused.text
    row = await FieldMapping.get(amo_field_id=position)
    edit = await admin.get(f"/ui/settings/mapping/rows/{row.id}/edit")
    assert edit.status_code == 502 and re.search(rf'<option value="{position}" selected>', edit.text)
    kept = await admin.put(f"/ui/settings/mapping/rows/{row.id}", {"amo_field_id": str(position), "onec_field": "Пост"})
    assert kept.status_code == 200 and (await FieldMapping.get(id=row.id)).onec_field == "Пост"


async def test_mapping_page_in_english(admin: Admin) -> None:
    admin.lang = "en"
    page = await admin.page("/ui/settings/mapping")
    assert "Field mapping" in page.text and "Send the amoCRM field list to 1C" in page.text and "Employee" in page.text


async def test_adding_a_row_past_the_limit_is_422_and_stores_nothing(admin: Admin) -> None:
    await store_mapping_rows(await admin.base(), MAX_MAPPING_ROWS, first_id=10_000_000)
    position = admin.fields("contacts")["Должность"]
    refused = await add(admin, position, "Должность")
    assert refused.status_code == 422, refused.text
    assert refused.headers["hx-retarget"] == "#amo1c-mapping-new"
    assert f"не бывает больше {MAX_MAPPING_ROWS} строк" in refused.text and 'value="Должность"' in refused.text
    assert not await FieldMapping.filter(amo_field_id=position).exists()
    assert await FieldMapping.filter(kind=MappingKind.CONTACT).count() == MAX_MAPPING_ROWS
    inn = admin.fields("companies")["ИНН"]
    assert (await add(admin, inn, "ИНН", kind="company")).status_code == 200  # another entity's table has room


async def test_a_huge_stored_table_renders_only_the_limit_and_says_how_many_more(admin: Admin) -> None:
    """The attack of issue 10: 40,000 rows stored before the limit existed; the page stays small."""
    await store_mapping_rows(await admin.base(), 40_000, first_id=10_000_000)
    page = await admin.page("/ui/settings/mapping")
    assert page.status_code == 200
    assert len(page.content) < 1_000_000
    assert page.text.count('class="amo1c-mapping-row"') == MAX_MAPPING_ROWS
    assert f"Ещё {40_000 - MAX_MAPPING_ROWS} строк не показаны" in page.text
    section = await admin.get("/ui/settings/mapping")
    assert section.status_code == 200 and len(section.content) < 1_000_000


async def test_an_amocrm_field_that_is_no_number_is_422_not_a_500(admin: Admin) -> None:
    added = await add(admin, "²", "Склад")  # "²".isdigit() holds and int("²") raises: once a 500
    assert added.status_code == 422
    assert not await FieldMapping.exists()


def test_every_problem_of_a_row_has_words_in_both_languages() -> None:
    # the rule is sync's (sync.mapping.checked_row); the page only says it, under the field it names
    for problem in set(RowProblem) - {RowProblem.FIELDS_UNREAD}:  # said with amoCRM's own failure instead
        assert set(TEXTS[f"mapping.error.{problem.value}"]) == {"ru", "en"}, problem


def option_values(html: str) -> list[str]:
    """The values of the amoCRM side's <option>s, in order (the add form's empty «choose» left out)."""
    return [value for value in re.findall(r'<option value="([^"]*)"', html) if value]


async def test_the_edit_row_offers_every_field_the_add_form_offers_and_saving_another_changes_the_row(
    admin: Admin,
) -> None:
    """Issue 15: the edit row showed only the row's own field id, so the amoCRM side could not be changed."""
    contacts = admin.fields("contacts")
    position, email, phone = contacts["Должность"], contacts["Email"], contacts["Телефон"]
    assert (await add(admin, position, "Должность")).status_code == 200
    assert (await add(admin, email, "Почта")).status_code == 200
    row = await FieldMapping.get(amo_field_id=position)
    page = await admin.get("/ui/settings/mapping")
    add_form = page.text[page.text.index('id="amo1c-mapping-new"') :]
    edit = await admin.get(f"/ui/settings/mapping/rows/{row.id}/edit")
    assert edit.status_code == 200
    assert option_values(edit.text) == option_values(add_form) and len(option_values(edit.text)) >= 3
    assert f'<option value="{position}" selected>Должность</option>' in edit.text
    assert f'<option value="{email}" disabled>Email</option>' in edit.text  # another row maps it
    assert f'<option value="{phone}">Телефон</option>' in edit.text
    saved = await admin.put(f"/ui/settings/mapping/rows/{row.id}", {"amo_field_id": str(phone), "onec_field": "Тел"})
    assert saved.status_code == 200 and "Телефон" in saved.text
    stored = await FieldMapping.get(id=row.id)
    assert (stored.amo_field_id, stored.amo_field_name, stored.onec_field) == (phone, "Телефон", "Тел")
    again = await admin.get(f"/ui/settings/mapping/rows/{row.id}/edit")
    assert f'<option value="{phone}" selected>Телефон</option>' in again.text
    assert f'<option value="{position}">Должность</option>' in again.text  # free again


def test_field_options_are_one_list_for_the_add_form_and_the_edit_row() -> None:
    choices = [Choice(1, "Телефон"), Choice(2, "Email"), Choice(3, "Должность")]
    added = field_options(choices, None, {2})
    assert [(o.value, o.selected, o.disabled) for o in added] == [
        ("1", False, False),
        ("2", False, True),
        ("3", False, False),
    ]
    stored = FieldMapping(id=9, amo_field_id=3, amo_field_name="Должность", onec_field="x")
    edited = field_options(choices, 3, {2}, kept=stored)
    assert [(o.value, o.selected, o.disabled) for o in edited] == [
        ("1", False, False),
        ("2", False, True),
        ("3", True, False),
    ]
    gone = FieldMapping(id=9, amo_field_id=77, amo_field_name="Удалённое", onec_field="x")
    kept = field_options(choices, "77", set(), kept=gone)
    assert kept[-1] == FieldOption("77", "Удалённое", selected=True)  # a field gone from amoCRM stays choosable
    assert field_options([], 77, set(), kept=gone) == [FieldOption("77", "Удалённое", selected=True)]  # list unread
