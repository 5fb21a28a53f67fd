"""Settings, «Обзор»: the first tab answers «is everything all right?» from the database (bases' states, handlers
versions, last successes, the day's errors linking to the filtered log, a chart of calls per hour), asks each 1C
right after with a bounded wait; the quiet reads; the operations' names; the tabs' and the log's pushed URLs."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.models import BaseRequest, Direction, HandlerPackage, OneCBase, Outcome, SyncLogEntry
from backend.sync.operations import Operation
from backend.sync.overview import LISTED_BASES, PROBE_SECONDS, hour_floor
from backend.ui.i18n import TEXTS
from tests.factories import base_body, install_account, link_base, seed_lead
from tests.ui.conftest import WEB_ADDRESS, Admin

NOW = datetime.now(UTC)
HOUR = timedelta(hours=1)


async def log_entry(
    admin: Admin,
    ago: timedelta,
    direction: Direction,
    outcome: Outcome,
    operation: str,
    *,
    id_base: str | None = "trade",
    count: int = 1,
) -> None:
    created = await SyncLogEntry.create(
        account_id=admin.account.id, id_base=id_base, direction=direction, operation=operation, outcome=outcome,
        count=count, http_status=200 if outcome == Outcome.OK else 502,
    )  # fmt: skip
    await SyncLogEntry.filter(id=created.id).update(created_at=NOW - ago)


async def seed(admin: Admin) -> None:
    """Two days of calls, oldest first as the log writes them; a base awaiting approval; outdated handlers."""
    await admin.services.sync_log.flush()
    await SyncLogEntry.all().delete()  # linking the base wrote entries "now"
    await log_entry(admin, 50 * HOUR, Direction.TO_1C, Outcome.OK, "new_order")
    await log_entry(admin, 50 * HOUR, Direction.TO_1C, Outcome.ERROR, "new_order")
    await log_entry(admin, 26 * HOUR, Direction.FROM_1C, Outcome.OK, "leads")
    await log_entry(admin, 5 * HOUR, Direction.TO_1C, Outcome.ERROR, "get_orders")
    await log_entry(admin, 2 * HOUR, Direction.FROM_1C, Outcome.OK, "leads")
    await log_entry(admin, 2 * HOUR, Direction.FROM_1C, Outcome.OK, "clients_contacts")
    await log_entry(admin, 2 * HOUR, Direction.FROM_1C, Outcome.ERROR, "process_event", count=4)
    await log_entry(admin, HOUR, Direction.FROM_1C, Outcome.ERROR, "base", id_base=None)
    base = await admin.base()
    for version in (1, 2, 3):
        await HandlerPackage.create(base=base, version=version, handlers_json="{}")
    await OneCBase.filter(id=base.id).update(handlers_version="2")
    asked = await admin.client.post("/sync/base", json=base_body(admin.account.id, "retail"))  # no operator
    assert asked.status_code == 200 and await BaseRequest.filter(id_base="retail").exists()


def numbers(text: str, selector: str) -> list[tuple[str, ...]]:
    return re.findall(selector, text)


async def test_overview_shows_the_seeded_state_and_counts(admin: Admin) -> None:
    await seed(admin)
    page = await admin.page("/ui/settings")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'class="amo1c-tab amo1c-tab_active" href="/ui/settings"' in text  # the root is the overview
    assert re.search(r'data-concern="awaiting">[^<]*1<', text)
    assert re.search(r'data-concern="handlers">[^<]*1<', text)
    assert re.search(r'data-concern="errors">[^<]*6<', text)  # 1 get_orders + 4 process_event + 1 base
    assert 'data-id-base="trade" data-state="approved" data-handlers="outdated"' in text
    assert "в 1С: 2 · последняя: 3" in text
    assert 'data-id-base="retail" data-state="awaiting"' in text
    assert 'hx-get="/ui/settings/overview/bases" hx-trigger="load"' in text  # 1C is asked right after

    charts = dict(
        (direction, (int(ok), int(errors)))
        for direction, ok, errors in numbers(text, r'<figure class="amo1c-chart" data-direction="(\w+)" '
                                                   r'data-ok="(\d+)" data-errors="(\d+)"')
    )  # fmt: skip
    assert charts == {"from_1c": (4, 5), "to_1c": (1, 2)}  # with the retail base's request just now
    hours = {
        (hour, int(ok), int(errors))
        for hour, ok, errors in numbers(text, r"<title>([\d. :]+) UTC: успешно (\d+), ошибок (\d+)</title>")
    }
    assert (f"{hour_floor(NOW - 2 * HOUR):%d.%m %H:%M}", 2, 4) in hours  # both directions' panels: 1C's hour
    assert (f"{hour_floor(NOW - 50 * HOUR):%d.%m %H:%M}", 1, 1) in hours
    assert len(hours) == 6  # every hour with calls, none other
    assert (
        len(re.findall(r'<path class="amo1c-chart__error" d="(?:M[\d.]+ [\d.]+h[\d.]+v[\d.]+h-[\d.]+z)+"', text)) == 2
    )
    assert "<title" in text and "<desc" in text and 'role="img"' in text
    assert "Успешных 4, ошибок 5; больше всего за час — 6." in text
    totals = re.search(r"<tfoot>.*?<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", text, re.S)
    assert totals and totals.groups() == ("4", "5", "1", "2")

    kinds = numbers(text, r'class="amo1c-error-kind" data-operation="(\w+)" data-base="(\w*)" data-count="(\d+)"')
    assert kinds == [("process_event", "trade", "4"), ("base", "", "1"), ("get_orders", "trade", "1")]
    links = [urlsplit(href) for href in re.findall(r'<a href="([^"]+)" hx-get="[^"]+" [^>]*>Открыть в журнале', text)]
    assert [(link.path, parse_qs(link.query)) for link in links] == [
        ("/ui/settings/log", {"operation": ["process_event"], "outcome": ["error"], "base": ["trade"]}),
        ("/ui/settings/log", {"operation": ["base"], "outcome": ["error"]}),
        ("/ui/settings/log", {"operation": ["get_orders"], "outcome": ["error"], "base": ["trade"]}),
    ]
    assert "Событие из 1С" in text and "Документы сделки" in text
    filtered = await admin.get(links[0].path, **{key: value[0] for key, value in parse_qs(links[0].query).items()})
    assert set(re.findall(r'data-operation="(\w+)"', filtered.text)) == {"process_event"}


async def test_overview_of_an_empty_account_says_what_to_do(admin: Admin) -> None:
    other = await install_account(admin.amocrm, admin.settings, subdomain="empty")
    admin.account = other
    page = await admin.page("/ui/settings")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Ни одна база 1С ещё не связана" in text and 'href="/ui/settings/bases"' in text
    assert "За 7 дней вызовов между 1С и amo1c не было." in text and "<svg" not in text
    assert "За последние 24 часа ошибок не было." in text
    assert "нет в журнале" in text and "/ui/settings/overview/bases" not in text
    fragment = await admin.get("/ui/settings/overview/bases")
    assert fragment.status_code == 200 and "Ни одна база 1С ещё не связана" in html.unescape(fragment.text)


async def test_overview_in_english(admin: Admin) -> None:
    await seed(admin)
    admin.lang = "en"
    text = html.unescape((await admin.page("/ui/settings")).text)
    assert "Needs attention:" in text and "1C event" in text and "Open in the log" in text
    assert "1C → amo1c: calls per hour over 7 days" in text


async def test_the_bases_table_asks_each_1c_now(admin: Admin) -> None:
    await admin.services.sync_log.flush()
    before = await SyncLogEntry.filter(operation="get_handlers_version").count()
    answered = await admin.get("/ui/settings/overview/bases")
    text = html.unescape(answered.text)
    assert 'data-state="approved" data-handlers="unknown" data-reachable="yes"' in text and "на связи ·" in text
    assert (await admin.base()).handlers_version == "2.3.1"  # remembered
    admin.onec.fail_next(1, status=503, body="Сервис 1С временно недоступен")
    failed = html.unescape((await admin.get("/ui/settings/overview/bases")).text)
    assert 'data-reachable="no"' in failed and "нет связи" in failed and "503" in failed
    verdict = failed[failed.index('id="amo1c-overview-verdict"') :]
    assert 'hx-swap-oob="true"' in verdict and re.search(r'data-concern="unreachable">[^<]*1<', verdict)
    assert "data-concern" not in text[text.index('id="amo1c-overview-verdict"') :]  # it answered: all right
    await admin.services.sync_log.flush()
    asked = SyncLogEntry.filter(operation="get_handlers_version")
    assert await asked.count() == before + 1 and (await asked.first()).outcome == Outcome.ERROR  # only the failure


async def test_the_bases_table_waits_for_a_hanging_1c_only_briefly_and_asks_bases_at_once(admin: Admin) -> None:
    await link_base(admin.client, admin.account.id, "retail", web_address=WEB_ADDRESS)
    admin.onec.hang_next(2, seconds=30)
    started = time.monotonic()
    answered = html.unescape((await admin.get("/ui/settings/overview/bases")).text)
    took = time.monotonic() - started
    assert answered.count('data-reachable="no"') == 2
    assert PROBE_SECONDS <= took < 2 * PROBE_SECONDS  # bounded, and both bases asked together
    assert answered.count(">1С не отвечает. Попробуйте через минуту.<") == 2  # the plain sentence (ui.errors)


async def test_reads_are_logged_only_when_they_fail(admin: Admin) -> None:
    base = await admin.base()
    await admin.services.sync_log.flush()
    await SyncLogEntry.all().delete()
    seed_lead(admin.amocrm, admin.account.id, 4242)  # a card panel shows only a deal amoCRM has
    assert (await admin.get("/ui/cards/leads/4242/documents", base="trade")).status_code == 200
    assert (await admin.get(f"/ui/settings/bases/{base.id}/live")).status_code == 200
    assert (await admin.post(f"/ui/settings/bases/{base.id}/check")).status_code == 200
    await admin.services.sync_log.flush()
    assert await SyncLogEntry.all().count() == 0
    admin.onec.fail_next(2, status=503, body="Сервис 1С временно недоступен")
    assert (await admin.get("/ui/cards/leads/4242/documents", base="trade")).status_code == 502
    assert (await admin.get(f"/ui/settings/bases/{base.id}/live")).status_code == 502
    await admin.services.sync_log.flush()
    logged = await SyncLogEntry.all().order_by("id").values_list("operation", "outcome", "amo_id")
    assert logged == [("get_orders", Outcome.ERROR, 4242), ("get_handlers_version", Outcome.ERROR, None)]


@pytest.mark.parametrize("operation", list(Operation))
def test_every_operation_has_a_name_in_both_languages(operation: Operation) -> None:
    names = TEXTS.get(f"op.{operation.value}")
    assert names is not None, f"{operation.value} has no name in backend/ui/settings/overview_texts.py"
    assert names["ru"].strip() and names["en"].strip() and operation.value not in (names["ru"], names["en"])


async def test_the_log_shows_names_times_on_one_line_and_whole_ids(admin: Admin) -> None:
    guid = "8f14e45f-ceea-467f-a0e6-7bd3b6f6a1c2"
    await SyncLogEntry.create(
        account_id=admin.account.id, id_base="trade", direction=Direction.FROM_1C,
        operation="clients_companies_save_fields", outcome=Outcome.OK, id_1c=guid, amo_id=4242,
    )  # fmt: skip
    page = html.unescape((await admin.page("/ui/settings/log")).text)
    row = page[page.index('data-operation="clients_companies_save_fields"') :].split("</tr>")[0]
    assert "Компании: поля" in row and ">clients_companies_save_fields<" not in row
    assert f'<code class="amo1c-id" title="{guid}">{guid}</code>' in row  # whole in the DOM
    assert 'class="amo1c-nowrap"><time' in row
    assert '<option value="clients_companies_save_fields">Компании: поля</option>' in page
    entry = await SyncLogEntry.get(id_1c=guid)
    detail = html.unescape((await admin.get(f"/ui/settings/log/{entry.id}")).text)
    assert "Компании: поля" in detail and '<code class="amo1c-raw-operation">clients_companies_save_fields' in detail


async def test_tabs_push_their_url_and_the_log_filters_push_the_log_page(admin: Admin) -> None:
    page = (await admin.page("/ui/settings/bases")).text
    tabs = re.findall(r'<a class="amo1c-tab[^"]*" href="([^"]+)" hx-get="\1" hx-target="#amo1c-section" '
                      r'hx-push-url="true"', page)  # fmt: skip
    assert tabs[0] == "/ui/settings" and "/ui/settings/log" in tabs and len(tabs) == 7
    assert 'amo1c-tab_active" href="/ui/settings/bases"' in page
    filtered = await admin.get("/ui/settings/log/entries", outcome="error", operation="leads", direction="sideways")
    assert filtered.headers["HX-Push-Url"] == "/ui/settings/log?operation=leads&outcome=error"
    everything = await admin.get("/ui/settings/log/entries")
    assert everything.headers["HX-Push-Url"] == "/ui/settings/log"
    more = await admin.get("/ui/settings/log/entries", before="10", outcome="error")
    assert "HX-Push-Url" not in more.headers  # paging is not a new address


async def test_an_account_with_many_bases_shows_the_first_and_says_so(admin: Admin) -> None:
    base = await admin.base()
    for number in range(LISTED_BASES + 2):
        await OneCBase.create(
            account=admin.account, id_base=f"branch-{number:02}", web_address=WEB_ADDRESS,
            url_address="http://1c.test/trade", param1="u", param2_enc=base.param2_enc,
        )  # fmt: skip
    text = html.unescape((await admin.page("/ui/settings")).text)
    assert text.count('class="amo1c-base-status"') == LISTED_BASES
    assert f"Показаны первые {LISTED_BASES} баз из {LISTED_BASES + 3}" in text
