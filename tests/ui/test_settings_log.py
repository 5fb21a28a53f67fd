"""Settings, sync log: newest first, filtered, keyset-paged; the detail masked; failed calls into 1C sent again."""

from __future__ import annotations

import html
import json
import logging
import re

import pytest

from backend.models import Direction, EntityKind, EntityLink, Outcome, SyncLogEntry
from backend.sync.log_pages import SHOWN_ERROR_CHARS
from tests.factories import BASE_AUTH, BASE_PASSWORD
from tests.ui.conftest import Admin, sync


def ids_of(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="amo1c-log-(\d+)"', html)]


async def fill(admin: Admin, count: int) -> None:
    await SyncLogEntry.bulk_create(
        [
            SyncLogEntry(
                account_id=admin.account.id,
                id_base="trade" if index % 2 else "other",
                direction=Direction.TO_1C if index % 3 else Direction.FROM_1C,
                operation="get_orders" if index % 3 else "leads",
                amo_id=1000 + index,
                id_1c=f"1c-{index}",
                outcome=Outcome.ERROR if index % 10 == 0 else Outcome.OK,
                http_status=200,
            )
            for index in range(count)
        ]
    )


async def test_log_is_newest_first_and_paged_by_id(admin: Admin) -> None:
    await fill(admin, 120)
    page = await admin.page("/ui/settings/log")
    assert page.status_code == 200 and "Журнал обмена" in page.text
    first = ids_of(page.text)
    assert len(first) == 50 and first == sorted(first, reverse=True)
    more = re.search(r'hx-get="(/ui/settings/log/entries\?before=(\d+))"', page.text)
    assert more and int(more.group(2)) == first[-1]
    second = await admin.get("/ui/settings/log/entries", before=str(first[-1]))
    assert second.status_code == 200 and second.text.lstrip().startswith("<tr")
    following = ids_of(second.text)
    assert len(following) == 50 and max(following) < min(first)
    last = await admin.get("/ui/settings/log/entries", before=str(following[-1]))
    rest = ids_of(last.text)
    assert len(rest) == 121 - 100 and "Показать ещё" not in last.text
    assert len(set(first + following + rest)) == 121  # with the entry of linking the base


async def test_log_filters(admin: Admin) -> None:
    await fill(admin, 60)
    errors = await admin.get("/ui/settings/log/entries", outcome="error")
    assert errors.status_code == 200 and "<table" in errors.text
    assert set(re.findall(r'data-outcome="(\w+)"', errors.text)) == {"error"} and len(ids_of(errors.text)) == 6
    from_1c = await admin.get("/ui/settings/log/entries", direction="from_1c", operation="leads", base="other")
    assert set(re.findall(r'data-operation="(\w+)"', from_1c.text)) == {"leads"}
    assert len(ids_of(from_1c.text)) == 10  # index % 3 == 0 and index % 2 == 0 below 60
    by_amo = await admin.get("/ui/settings/log/entries", q="1007")
    assert len(ids_of(by_amo.text)) == 1 and 'amo <code class="amo1c-id" title="1007"' in by_amo.text
    by_1c = await admin.get("/ui/settings/log/entries", q="1c-8")
    assert len(ids_of(by_1c.text)) == 1 and '1С <code class="amo1c-id" title="1c-8"' in by_1c.text
    nothing = await admin.get("/ui/settings/log/entries", q="нет-такого")
    assert "Записей нет." in nothing.text
    kept = await admin.page("/ui/settings/log", outcome="error", q="1010")
    assert '<option value="error" selected>' in kept.text and 'value="1010"' in kept.text
    paged = await admin.get("/ui/settings/log/entries", outcome="error", direction="sideways")
    assert len(ids_of(paged.text)) == 6  # an unknown direction is ignored


async def test_entry_detail_shows_the_masked_request_and_the_whole_error(admin: Admin) -> None:
    bad = await sync(admin, "/sync/base", {"web_address": "ftp://x", "url_address": "http://1c.test", "param1": "u",
                                           "param2": "секрет-в-запросе"})  # fmt: skip
    assert bad.status_code == 400
    admin.secrets.append("секрет-в-запросе")
    await admin.services.sync_log.flush()
    entry = await SyncLogEntry.filter(operation="base", outcome=Outcome.ERROR).get()
    detail = await admin.get(f"/ui/settings/log/{entry.id}")
    assert detail.status_code == 200 and detail.text.lstrip().startswith("<tr")
    assert '"param2": "***"' in html.unescape(detail.text) and "ftp://x" in detail.text
    assert "должно быть адресом http:// или https://" in detail.text
    assert "повторить его может только 1С" in detail.text and "POST /sync/base" in detail.text
    assert "Отправить в 1С повторно" not in detail.text
    refused = await admin.post(f"/ui/settings/log/{entry.id}/resend")
    assert refused.status_code == 409 and "только 1С" in refused.text


async def test_an_order_on_the_misprinted_path_is_logged_as_leads_saying_where_1c_sent_it(admin: Admin) -> None:
    refused = await sync(admin, "/sync/clients_companies", {"id_1c": "order-9", "budget": "-5"})
    assert refused.status_code == 400
    await admin.services.sync_log.flush()
    entry = await SyncLogEntry.get(operation="leads")  # not "clients_companies": no such entry
    assert not await SyncLogEntry.filter(operation="clients_companies").exists()
    detail = html.unescape((await admin.get(f"/ui/settings/log/{entry.id}")).text)
    assert "заказ пришёл на /sync/clients_companies (адрес 2.5, напечатанный в ТЗ с ошибкой)" in detail
    assert "повторить его может только 1С" in detail and "POST /sync/clients_companies" in detail
    assert '"amo1c: получено по адресу": "/sync/clients_companies"' in detail


async def test_long_errors_are_clipped_in_the_list_and_whole_in_the_detail(admin: Admin) -> None:
    error = "Ошибка 1С: " + "очень длинный текст " * 30 + "КОНЕЦ"
    entry = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.TO_1C, operation="corr_table",
        outcome=Outcome.ERROR, http_status=500, error=error,
    )  # fmt: skip
    page = await admin.get("/ui/settings/log")
    assert "КОНЕЦ" not in page.text and "Ошибка 1С: очень длинный" in page.text
    detail = await admin.get(f"/ui/settings/log/{entry.id}")
    assert "КОНЕЦ" in detail.text


async def test_a_failed_version_call_is_sent_again(admin: Admin) -> None:
    base = await admin.base()
    admin.onec.fail_next(1, status=503, body="Сервис временно недоступен")
    assert (await admin.post(f"/ui/settings/bases/{base.id}/check")).status_code == 502
    await admin.services.sync_log.flush()
    failed = await SyncLogEntry.get(operation="get_handlers_version", outcome=Outcome.ERROR)
    detail = await admin.get(f"/ui/settings/log/{failed.id}")
    assert "Отправить в 1С повторно" in detail.text and "из текущих данных amoCRM" in detail.text
    resent = await admin.post(f"/ui/settings/log/{failed.id}/resend")
    assert resent.status_code == 200 and "версия обработчиков 2.3.1" in resent.text
    await admin.services.sync_log.flush()
    assert await SyncLogEntry.filter(operation="get_handlers_version", outcome=Outcome.OK).count() == 0  # quiet read
    assert (await admin.base()).handlers_version == "2.3.1"


async def test_a_resend_1c_refuses_again_is_502_with_its_words(admin: Admin) -> None:
    failed = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.TO_1C, operation="get_handlers_version",
        outcome=Outcome.ERROR,
    )  # fmt: skip
    admin.onec.fail_next(1, status=503, body="Сервис временно недоступен")
    resent = await admin.post(f"/ui/settings/log/{failed.id}/resend")
    assert resent.status_code == 502 and "<html" not in resent.text
    assert "Повтор не удался" in resent.text and "Сервис временно недоступен" in resent.text


async def test_credentials_1c_echoes_reach_no_page_no_sync_log_entry_and_no_server_log(
    admin: Admin, caplog: pytest.LogCaptureFixture
) -> None:
    header = BASE_AUTH["Authorization"]
    credential = header.split()[1]
    admin.secrets.append(credential)  # every answer the admin reads is checked for it, as for the password
    admin.onec.fail_next(1, status=500, body=f"Ошибка. Заголовки: Authorization: {header}; пароль {BASE_PASSWORD}")
    base = await admin.base()
    with caplog.at_level(logging.INFO):
        check = await admin.post(f"/ui/settings/bases/{base.id}/check")
        assert admin.onec.requests[-1].auth_ok  # what 1C echoed is exactly the header amo1c sent
        assert check.status_code == 502 and "Authorization: Basic ***; пароль ***" in html.unescape(check.text)
        await admin.services.sync_log.flush()
        entry = await SyncLogEntry.get(operation="get_handlers_version", outcome=Outcome.ERROR)
        stored = f"{entry.error} {json.dumps(entry.request_summary, ensure_ascii=False)}"
        assert credential not in stored and BASE_PASSWORD not in stored and "Basic ***" in stored
        assert (await admin.page("/ui/settings/log")).status_code == 200
        assert (await admin.get(f"/ui/settings/log/{entry.id}")).status_code == 200
    assert "1C get_handlers_version failed" in caplog.text
    assert credential not in caplog.text and BASE_PASSWORD not in caplog.text


async def test_errors_stored_before_masking_are_masked_on_the_pages(admin: Admin) -> None:
    credential = BASE_AUTH["Authorization"].split()[1]
    admin.secrets.append(credential)
    entry = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.TO_1C, operation="get_orders",
        outcome=Outcome.ERROR, http_status=500, error=f"1С ответила ошибкой 500: Authorization: Basic {credential}",
    )  # fmt: skip
    listed = await admin.get("/ui/settings/log")
    detail = await admin.get(f"/ui/settings/log/{entry.id}")
    assert "Authorization: Basic ***" in html.unescape(listed.text)
    assert "Authorization: Basic ***" in html.unescape(detail.text)


async def test_a_failed_counterparty_call_is_rebuilt_and_sent_again(admin: Admin) -> None:
    contact_id = (
        await sync(admin, "/sync/clients_contacts", {"id_1c": "c-1", "name": "Анна", "phone": "+79120000001"})
    ).json()["data"]
    await EntityLink.filter(kind=EntityKind.CONTACT).delete()
    admin.onec.fail_next(1, status=400, body="Не записан контрагент")
    press = await admin.client.post(
        f"/ui/cards/contacts/{contact_id}/counterparty", data={"base": "trade"}, headers=admin.htmx()
    )
    assert press.status_code == 502
    await admin.services.sync_log.flush()
    failed = await SyncLogEntry.get(operation="new_lead", outcome=Outcome.ERROR)
    assert failed.amo_id == contact_id
    confirm = await admin.get(f"/ui/settings/log/{failed.id}")
    assert 'hx-confirm="Отправить запрос в 1С ещё раз?"' in confirm.text
    resent = await admin.post(f"/ui/settings/log/{failed.id}/resend")
    assert resent.status_code == 200, resent.text
    link = await EntityLink.get(kind=EntityKind.CONTACT, amo_id=contact_id)
    assert link.link in resent.text and "Контрагент сохранён в 1С" in resent.text
    sent = [record.body["clients"] for record in admin.onec.requests if record.type == "new_lead"]
    assert list(sent[-1]) == ["contact"] and sent[-1]["contact"]["name"] == "Анна"


async def test_what_cannot_be_sent_again(admin: Admin) -> None:
    ok = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.TO_1C, operation="corr_table",
        outcome=Outcome.OK,
    )  # fmt: skip
    assert (await admin.post(f"/ui/settings/log/{ok.id}/resend")).status_code == 409
    no_id = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.TO_1C, operation="get_orders",
        outcome=Outcome.ERROR,
    )  # fmt: skip
    detail = await admin.get(f"/ui/settings/log/{no_id.id}")
    assert "в записи нет id объекта amoCRM" in detail.text and "Отправить в 1С повторно" not in detail.text
    gone = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="unlinked", direction=Direction.TO_1C, operation="get_orders",
        amo_id=5, outcome=Outcome.ERROR,
    )  # fmt: skip
    refused = await admin.post(f"/ui/settings/log/{gone.id}/resend")
    assert refused.status_code == 409 and "база уже отвязана" in refused.text
    assert (await admin.get("/ui/settings/log/987654")).status_code == 404
    assert (await admin.post("/ui/settings/log/987654/resend")).status_code == 404


async def test_log_page_in_english(admin: Admin) -> None:
    admin.lang = "en"
    page = await admin.page("/ui/settings/log")
    assert "Sync log" in page.text and "amoCRM or 1C id" in page.text and "Show more" not in page.text


async def test_a_huge_stored_error_keeps_the_list_and_the_detail_small(admin: Admin) -> None:
    """Issue 10: an error of any length in the log (a request's text echoed back) never makes a large page."""
    entry = await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.FROM_1C, operation="leads",
        outcome=Outcome.ERROR, http_status=400, error="Ошибка: " + "я" * 3_000_000 + "КОНЕЦ",
    )  # fmt: skip
    page = await admin.page("/ui/settings/log")
    assert page.status_code == 200 and len(page.content) < 100_000 and "Ошибка: яяя" in page.text
    detail = await admin.get(f"/ui/settings/log/{entry.id}")
    assert detail.status_code == 200 and len(detail.content) < 1_000_000
    assert "КОНЕЦ" not in detail.text and f"показаны первые {SHOWN_ERROR_CHARS} символов" in detail.text


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 40])
async def test_log_filters_and_paging_by_what_is_no_id_answer_not_a_500(admin: Admin, value: str) -> None:
    # "²".isdigit() holds and int("²") raises: both once made a 500
    await fill(admin, 3)
    found = await admin.get("/ui/settings/log/entries", q=value)
    assert found.status_code == 200 and ids_of(found.text) == []
    paged = await admin.get("/ui/settings/log/entries", before=value)
    assert paged.status_code == 200 and len(ids_of(paged.text)) == 4  # "before" ignored: the newest page
