"""Settings, 1C bases: the list with live versions, link, edit, unlink, connection check — never the password."""

from __future__ import annotations

import pytest

from backend.crypto import SecretBox
from backend.models import FieldMapping, MappingKind, OneCBase
from backend.sync.handlers import store_package
from backend.ui.settings.common import LISTED_BASES
from tests.api.test_bases import BAD_ADDRESSES
from tests.factories import BASE_PASSWORD
from tests.ui.conftest import WEB_ADDRESS, Admin

NEW_BASE = {
    "id_base": "retail",
    "web_address": "http://1c.test/retail/hs/amo1c/handler",
    "url_address": "http://1c.test/retail",
    "param1": "Розница",
    "param2": "новый-пароль-розницы",
}


async def test_bases_page_lists_the_base_with_addresses_and_versions(admin: Admin) -> None:
    base = await admin.base()
    await store_package(base, {"module": "v1"})
    await store_package(base, {"module": "v2"})
    page = await admin.page("/ui/settings/bases")
    assert page.status_code == 200
    html = page.text
    assert html.startswith("<!doctype html>") and 'class="amo1c-settings"' in html
    assert "Базы 1С" in html and "trade" in html and WEB_ADDRESS in html and "http://1c.test/trade" in html
    assert f'hx-get="/ui/settings/bases/{base.id}/live" hx-trigger="load"' in html
    assert "версия 2 (последняя загруженная)" in html
    assert "Связать базу 1С" in html and 'name="param2" value=""' in html
    fragment = await admin.get("/ui/settings/bases")
    assert fragment.status_code == 200 and "<html" not in fragment.text and "trade" in fragment.text
    assert fragment.headers["vary"] == "HX-Request"


async def test_live_version_is_asked_from_1c_and_remembered(admin: Admin) -> None:
    base = await admin.base()
    live = await admin.get(f"/ui/settings/bases/{base.id}/live")
    assert live.status_code == 200
    assert "на связи" in live.text and "2.3.1" in live.text
    assert [record.type for record in admin.onec.requests] == ["get_handlers_version"]
    assert (await admin.base()).handlers_version == "2.3.1"
    page = await admin.page("/ui/settings/bases")
    assert "2.3.1" in page.text  # shown from the database until 1C answers again


async def test_live_version_shows_1c_error_in_words(admin: Admin) -> None:
    base = await admin.base()
    admin.onec.fail_next(1, status=500, body="Ошибка при вызове метода контекста (Выполнить)")
    live = await admin.get(f"/ui/settings/bases/{base.id}/live")
    assert live.status_code == 502
    assert "нет связи" in live.text and "Ошибка при вызове метода контекста" in live.text


async def test_check_connection_reports_success_and_refusal(admin: Admin) -> None:
    base = await admin.base()
    ok = await admin.post(f"/ui/settings/bases/{base.id}/check")
    assert ok.status_code == 200
    assert "Соединение в порядке" in ok.text and "2.3.1" in ok.text
    admin.secrets.append("неверный-пароль")
    changed = await admin.put(
        f"/ui/settings/bases/{base.id}",
        {"web_address": WEB_ADDRESS, "url_address": "http://1c.test/trade", "param1": "Обмен1С",
         "param2": "неверный-пароль"},
    )  # fmt: skip
    assert changed.status_code == 200
    refused = await admin.post(f"/ui/settings/bases/{base.id}/check")
    assert refused.status_code == 502
    assert "нет связи" in refused.text and "1С" in refused.text and "401" in refused.text


async def test_link_a_base_from_the_page(admin: Admin) -> None:
    admin.secrets.append(NEW_BASE["param2"])
    response = await admin.post("/ui/settings/bases", NEW_BASE)
    assert response.status_code == 200, response.text
    assert 'id="amo1c-base-' in response.text and "retail" in response.text and "Розница" in response.text
    base = await admin.base("retail")
    assert base.last_seen_at is None and base.param1 == "Розница"
    assert SecretBox(admin.settings.secret_key).decrypt(base.param2_enc) == NEW_BASE["param2"]
    page = await admin.page("/ui/settings/bases")
    assert page.text.count('class="amo1c-card"') == 2


async def test_linking_refuses_bad_input_with_422_and_keeps_the_password_out(admin: Admin) -> None:
    admin.secrets.append(NEW_BASE["param2"])
    taken = await admin.post("/ui/settings/bases", {**NEW_BASE, "id_base": "trade"})
    assert taken.status_code == 422
    assert taken.headers["hx-retarget"] == "#amo1c-base-new" and taken.headers["hx-reswap"] == "outerHTML"
    assert "Такая база уже связана" in taken.text and 'value="trade"' in taken.text
    bad = await admin.post(
        "/ui/settings/bases", {**NEW_BASE, "web_address": "ftp://1c.test/x", "url_address": "", "param2": ""}
    )
    assert bad.status_code == 422
    assert bad.text.count("Нужен адрес http:// или https://") == 2
    assert "Укажите пароль пользователя 1С" in bad.text
    no_id = await admin.post("/ui/settings/bases", {**NEW_BASE, "id_base": "  "})
    assert no_id.status_code == 422 and "Укажите идентификатор базы" in no_id.text
    assert await OneCBase.filter(account_id=admin.account.id).count() == 1


@pytest.mark.parametrize("address", BAD_ADDRESSES)
async def test_linking_and_editing_refuse_what_the_sync_api_refuses(admin: Admin, address: str) -> None:
    linked = await admin.post("/ui/settings/bases", {**NEW_BASE, "web_address": address})
    assert linked.status_code == 422 and "Нужен адрес http:// или https://" in linked.text
    base = await admin.base()
    edited = await admin.put(
        f"/ui/settings/bases/{base.id}", {"web_address": WEB_ADDRESS, "url_address": address, "param1": "Обмен1С"}
    )
    assert edited.status_code == 422 and "Нужен адрес http:// или https://" in edited.text
    assert await OneCBase.filter(account_id=admin.account.id).count() == 1
    assert (await admin.base()).url_address == base.url_address


async def test_edit_keeps_the_password_when_left_empty(admin: Admin) -> None:
    base = await admin.base()
    form = await admin.get(f"/ui/settings/bases/{base.id}/edit")
    assert form.status_code == 200
    assert 'name="param2" value=""' in form.text and "не менять" in form.text
    assert f'value="{WEB_ADDRESS}"' in form.text
    saved = await admin.put(
        f"/ui/settings/bases/{base.id}",
        {"web_address": WEB_ADDRESS, "url_address": "http://1c.test/trade-new", "param1": "Обмен1С", "param2": ""},
    )
    assert saved.status_code == 200 and "http://1c.test/trade-new" in saved.text
    stored = await admin.base()
    assert stored.url_address == "http://1c.test/trade-new"
    assert SecretBox(admin.settings.secret_key).decrypt(stored.param2_enc) == BASE_PASSWORD
    assert (await admin.post(f"/ui/settings/bases/{base.id}/check")).status_code == 200


async def test_edit_with_bad_input_is_422_with_the_form(admin: Admin) -> None:
    base = await admin.base()
    response = await admin.put(
        f"/ui/settings/bases/{base.id}",
        {"web_address": "not an address", "url_address": "http://1c.test/trade", "param1": ""},
    )
    assert response.status_code == 422
    assert (
        "Нужен адрес" in response.text
        and "Укажите логин" in response.text
        and 'value="not an address"' in response.text
    )
    assert (await admin.base()).web_address == WEB_ADDRESS
    cancel = await admin.get(f"/ui/settings/bases/{base.id}")
    assert cancel.status_code == 200 and 'class="amo1c-card"' in cancel.text


async def test_unlink_deletes_the_base_and_its_rows(admin: Admin) -> None:
    base = await admin.base()
    await FieldMapping.create(base=base, kind=MappingKind.CONTACT, amo_field_id=1, onec_field="ИНН")
    page = await admin.page("/ui/settings/bases")
    assert 'hx-confirm="Отвязать базу «trade»?' in page.text
    response = await admin.delete(f"/ui/settings/bases/{base.id}")
    assert response.status_code == 200 and response.text == ""
    assert not await OneCBase.filter(id=base.id).exists()
    assert not await FieldMapping.filter(base_id=base.id).exists()
    assert (await admin.delete(f"/ui/settings/bases/{base.id}")).status_code == 404


async def test_unknown_base_is_404(admin: Admin) -> None:
    for response in (
        await admin.get("/ui/settings/bases/999999"),
        await admin.get("/ui/settings/bases/999999/edit"),
        await admin.get("/ui/settings/bases/999999/live"),
        await admin.post("/ui/settings/bases/999999/check"),
        await admin.put("/ui/settings/bases/999999", {"web_address": WEB_ADDRESS}),
    ):
        assert response.status_code == 404
        assert "Такой записи нет в этом аккаунте" in response.text


async def test_bases_page_in_english(admin: Admin) -> None:
    admin.lang = "en"
    page = await admin.page("/ui/settings/bases")
    assert '<html lang="en">' in page.text
    assert "1C bases" in page.text and "Check the connection" in page.text and "Link a 1C base" in page.text
    assert "Проверить соединение" not in page.text


async def test_an_account_with_very_many_bases_lists_only_the_first(admin: Admin) -> None:
    """Issue 10: 1C links bases by the account id alone, so their number is not up to the admin; pages stay small."""
    await OneCBase.bulk_create(
        [
            OneCBase(account_id=admin.account.id, id_base=f"z-{n:04d}", web_address=WEB_ADDRESS,
                     url_address="http://1c.test", param1="x", param2_enc="-")
            for n in range(LISTED_BASES + 20)
        ]
    )  # fmt: skip
    page = await admin.page("/ui/settings/bases")
    assert page.status_code == 200
    assert page.text.count('class="amo1c-card"') == LISTED_BASES and "ещё 21 не показаны" in page.text
    last = await admin.base(f"z-{LISTED_BASES + 19:04d}")
    mapping = await admin.get("/ui/settings/mapping", base=str(last.id))
    assert mapping.status_code == 200 and f'<option value="{last.id}" selected>{last.id_base}</option>' in mapping.text
    assert mapping.text.count("<option value=") < LISTED_BASES + 50  # the base selector and the amoCRM fields
