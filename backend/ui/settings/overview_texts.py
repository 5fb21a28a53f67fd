"""Texts of the «Обзор» tab and the sync log's names of operations, Russian first, English second; merged into the
settings texts by texts.py.

OPERATION_NAMES holds one name a person reads for every operation the log can hold (tests/ui/test_overview.py
fails for an operation without one); the raw name is shown only in an entry's detail, for the 1C programmer.
"""

from __future__ import annotations

from backend.sync.operations import Operation

OPERATION_NAMES: dict[Operation, tuple[str, str]] = {
    Operation.GET_ORDERS: ("Документы сделки", "Deal documents"),
    Operation.NEW_LEAD: ("Контрагент в 1С", "Counterparty to 1C"),
    Operation.NEW_ORDER: ("Заказ в 1С", "Order to 1C"),
    Operation.GET_HANDLERS_VERSION: ("Версия обработчиков в 1С", "Handlers version in 1C"),
    Operation.CORR_TABLE: ("Список полей amoCRM в 1С", "amoCRM field list to 1C"),
    Operation.CHECK_ACTIVE: ("Проверка связи из 1С", "Connection check from 1C"),
    Operation.BASE: ("Подключение базы", "Base link"),
    Operation.CLIENTS_CONTACTS: ("Контакт из 1С", "Contact from 1C"),
    Operation.CLIENTS_COMPANIES: ("Компания из 1С", "Company from 1C"),
    Operation.LEADS: ("Заказ из 1С", "Order from 1C"),
    Operation.PROCESS_EVENT: ("Событие из 1С", "Event from 1C"),
    Operation.CLIENTS_CONTACTS_SAVE_FIELDS: ("Контакты: поля", "Contacts: fields"),
    Operation.CLIENTS_COMPANIES_SAVE_FIELDS: ("Компании: поля", "Companies: fields"),
    Operation.LEADS_SAVE_FIELDS: ("Сделки: поля", "Deals: fields"),
    Operation.GET_ACTUAL_VERSION: ("Актуальная версия обработчиков", "Latest handlers version"),
    Operation.GET_ACTUAL_HANDLERS: ("Загрузка обработчиков в 1С", "Handlers download to 1C"),
    Operation.SET_HANDLERS: ("Публикация обработчиков", "Handlers upload"),
    Operation.CLIENTS_CONTACTS_BATCH: ("Контакты из 1С пакетом", "Contacts from 1C, batch"),
    Operation.CLIENTS_COMPANIES_BATCH: ("Компании из 1С пакетом", "Companies from 1C, batch"),
    Operation.LEADS_BATCH: ("Заказы из 1С пакетом", "Orders from 1C, batch"),
    Operation.PROCESS_EVENT_BATCH: ("События из 1С пакетом", "Events from 1C, batch"),
}

OVERVIEW_PAIRS: dict[str, tuple[str, str]] = {
    "tab.overview": ("Обзор", "Overview"),
    "overview.all_right": ("Обмен с 1С в порядке.", "The exchange with 1C is all right."),
    "overview.attention": ("Требует внимания:", "Needs attention:"),
    "overview.concern.no_bases": (
        "ни одна база 1С ещё не связана — свяжите базу на вкладке «Базы 1С» или подключите её из самой 1С",
        "no 1C base is linked yet — link one on the «1C bases» tab or connect it from 1C itself",
    ),
    "overview.concern.awaiting": ("баз ждут подтверждения: {count}", "bases awaiting approval: {count}"),
    "overview.concern.unreachable": ("баз не ответили сейчас: {count}", "bases that did not answer now: {count}"),
    "overview.concern.handlers": (
        "обработчики в 1С не совпадают с последней версией: {count}",
        "bases whose 1C handlers are not the latest version: {count}",
    ),
    "overview.concern.errors": ("ошибок за 24 часа: {count}", "errors in the last 24 hours: {count}"),
    "overview.last_ok": ("Последний успешный вызов", "Last successful call"),
    "overview.never": ("нет в журнале", "none in the log"),
    "overview.errors_24h": ("Ошибок за 24 часа", "Errors in 24 hours"),
    "overview.bases": ("Базы 1С", "1C bases"),
    "overview.state": ("Состояние", "State"),
    "overview.state.approved": ("подключена", "approved"),
    "overview.state.awaiting": ("ждёт подтверждения", "awaits approval"),
    "overview.state.awaiting_change": ("ждёт подтверждения изменений", "change awaits approval"),
    "overview.approve_link": ("Подтвердить на вкладке «Базы 1С»", "Approve on the «1C bases» tab"),
    "overview.reachable": ("Связь", "Reachable"),
    "overview.online": ("на связи · {ms} мс", "online · {ms} ms"),
    "overview.not_asked": ("не спрашиваем, пока изменения ждут подтверждения", "not asked while the change awaits"),
    "overview.handlers": ("Обработчики", "Handlers"),
    "overview.handlers.versions": ("в 1С: {reported} · последняя: {latest}", "in 1C: {reported} · latest: {latest}"),
    "overview.handlers.current": ("актуальные", "latest"),
    "overview.handlers.outdated": ("устарели", "outdated"),
    "overview.handlers.different": ("не совпадают", "differ"),
    "overview.handlers.unknown": ("версия неизвестна", "version unknown"),
    "overview.handlers.none_stored": ("пакетов нет", "no packages"),
    "overview.hidden": (
        "Показаны первые {shown} баз из {total}: все — на вкладке «Базы 1С».",
        "The first {shown} of {total} bases are shown: all of them are on the «1C bases» tab.",
    ),
    "overview.errors": ("Ошибки за 24 часа", "Errors in the last 24 hours"),
    "overview.no_errors": ("За последние 24 часа ошибок не было.", "No errors in the last 24 hours."),
    "overview.error_count": ("Ошибок", "Errors"),
    "overview.last_error": ("Последняя", "Latest"),
    "overview.open_log": ("Открыть в журнале", "Open in the log"),
    "overview.more_kinds": (
        "Показаны самые частые ошибки; все — в журнале с фильтром «ошибка».",
        "The most frequent errors are shown; all of them are in the log filtered by «error».",
    ),
    "overview.no_base": ("без базы", "no base"),
    "overview.activity": ("Обмен за 7 дней", "The exchange over 7 days"),
    "overview.activity_intro": (
        "Вызовы по часам (время UTC): зелёным — успешные, красным — ошибки.",
        "Calls per hour (UTC): successes in green, errors in red.",
    ),
    "overview.no_activity": (
        "За 7 дней вызовов между 1С и amo1c не было.",
        "There were no calls between 1C and amo1c in 7 days.",
    ),
    "overview.chart_title": ("{direction}: вызовы по часам за 7 дней", "{direction}: calls per hour over 7 days"),
    "overview.chart_desc": (
        "Успешных {ok}, ошибок {errors}; больше всего за час — {peak}.",
        "{ok} succeeded, {errors} failed; at most {peak} in an hour.",
    ),
    "overview.hour": ("{when} UTC: успешно {ok}, ошибок {errors}", "{when} UTC: {ok} ok, {errors} errors"),
    "overview.ok": ("успешно", "ok"),
    "overview.failed": ("ошибок", "errors"),
    "overview.day": ("День (UTC)", "Day (UTC)"),
    "overview.total": ("Всего", "Total"),
    "overview.summary": ("Те же числа таблицей", "The same numbers as a table"),
}
