"""Interface texts in Russian (default) and English, chosen by the amoCRM user's language, and the glossary: the
one word each language uses for each thing the admin pages speak of."""

from __future__ import annotations

import re
from collections.abc import Callable

from backend.pages import Lang
from backend.ui.settings.texts import SETTINGS_TEXTS

# One sentence per kind of failure (backend.sync.failures.FailureKind): what happened and what to do.
_ERRORS: dict[str, tuple[str, str]] = {
    "more": ("Подробнее", "Details"),
    "log": ("Журнал обмена", "Sync log"),
    "onec_down": ("1С не отвечает. Попробуйте через минуту.", "1C is not answering. Try again in a minute."),
    "onec_web_page": (
        "Вместо 1С ответил веб-сервер (ошибка {status}). Попробуйте через минуту; если не пройдёт — сообщите "
        "администратору 1С.",
        "The web server in front of 1C answered instead of 1C (error {status}). Try again in a minute; if it "
        "persists, tell the 1C administrator.",
    ),
    "onec_refused": ("1С не приняла запрос: {reason}", "1C refused the request: {reason}"),
    "onec_failed": (
        "1С ответила ошибкой {status}. Попробуйте ещё раз; если не пройдёт — сообщите администратору 1С.",
        "1C answered with error {status}. Try again; if it persists, tell the 1C administrator.",
    ),
    "onec_credentials": (
        "1С не приняла логин и пароль базы — их проверяет администратор в настройках amo1c.",
        "1C refused the base's login and password — an administrator checks them in the amo1c settings.",
    ),
    "onec_bad_answer": (
        "1С ответила не то, что ожидалось. Сообщите администратору 1С: возможно, нужно обновить обработчики.",
        "1C answered something unexpected. Tell the 1C administrator: the handlers may need an update.",
    ),
    "onec_address": (
        "Адрес базы 1С не подходит для вызова — его исправляет администратор в настройках amo1c.",
        "The 1C base's address cannot be called — an administrator fixes it in the amo1c settings.",
    ),
    "amocrm_down": (
        "amoCRM сейчас недоступна. Попробуйте через минуту.",
        "amoCRM is unavailable. Try again in a minute.",
    ),
    "amocrm_busy": (
        "amoCRM просит подождать: слишком много запросов. Попробуйте через минуту.",
        "amoCRM asks to wait: too many requests. Try again in a minute.",
    ),
    "amocrm_access": (
        "amo1c потерял доступ к amoCRM — администратору аккаунта нужно установить интеграцию заново.",
        "amo1c lost its access to amoCRM — an account administrator needs to install the integration again.",
    ),
    "amocrm_payment": (
        "Подписка аккаунта amoCRM не оплачена, amoCRM не даёт доступ к данным.",
        "The amoCRM account's subscription is unpaid: amoCRM gives no access to its data.",
    ),
    "amocrm_blocked": (
        "amoCRM запретила доступ amo1c. Попросите администратора проверить аккаунт.",
        "amoCRM denied amo1c access. Ask an administrator to check the account.",
    ),
    "amocrm_refused": (
        "amoCRM отклонила запрос. Попробуйте ещё раз; если не пройдёт — сообщите администратору.",
        "amoCRM refused the request. Try again; if it persists, tell an administrator.",
    ),
    "awaiting_approval": (
        "База 1С ждёт одобрения администратора: до него в неё ничего не отправляется.",
        "The 1C base awaits an administrator's approval: nothing is sent to it until then.",
    ),
    "entity_missing": (
        "amoCRM не знает такой записи: возможно, её удалили.",
        "amoCRM has no such record: it may have been deleted.",
    ),
    "invalid": ("Данные не подходят — см. подробности.", "The data is not valid — see the details."),
    "not_found": (
        "Такой записи нет в этом аккаунте: возможно, её уже удалили. Обновите страницу.",
        "This account has no such record: it may have been deleted. Reload the page.",
    ),
    "conflict": (
        "Это расходится с тем, что уже сохранено, — см. подробности.",
        "This conflicts with what is already stored — see the details.",
    ),
    "sign_in": ("Вход не подтверждён — см. подробности.", "The sign-in was not accepted — see the details."),
    "denied": ("Это действие не разрешено — см. подробности.", "This is not allowed — see the details."),
    "too_many": (
        "Это больше, чем amo1c хранит, — см. подробности.",
        "This is more than amo1c keeps — see the details.",
    ),
    "slow_down": ("Слишком много попыток. Подождите и попробуйте снова.", "Too many attempts. Wait and try again."),
    "session_missing": ("Откройте эту страницу из amoCRM.", "Open this page from amoCRM."),
    "session_expired": ("Сессия истекла — обновите карточку.", "The session has expired — reload the card."),
    "session_reinstalled": (
        "amo1c переустановлен в аккаунте — обновите страницу.",
        "amo1c was reinstalled in this account — reload the page.",
    ),
}

# One term per thing, in both languages. A text names a term as [[key]] ([[Key]] starts it with a capital letter)
# instead of repeating the words, so a page, its tab and its buttons can not drift apart.
GLOSSARY: dict[str, dict[Lang, str]] = {
    "base": {"ru": "база 1С", "en": "1C base"},
    "bases": {"ru": "базы 1С", "en": "1C bases"},
    "base_id": {"ru": "идентификатор базы", "en": "base identifier"},
    "mapping": {"ru": "соответствие полей", "en": "field mapping"},
    "field_list": {"ru": "список полей amoCRM", "en": "amoCRM field list"},
    "event_rules": {"ru": "правила событий 1С", "en": "1C event rules"},
    "handlers": {"ru": "обработчики", "en": "handlers"},
    "handler_package": {"ru": "пакет обработчиков", "en": "handler package"},
    "log": {"ru": "журнал обмена", "en": "sync log"},
    "automation": {"ru": "автоматизация", "en": "automation"},
    "outbox": {"ru": "очередь в 1С", "en": "queue to 1C"},
    "amo_user": {"ru": "пользователь amoCRM", "en": "amoCRM user"},
    "onec_employee": {"ru": "сотрудник 1С", "en": "1C employee"},
    "onec_login": {"ru": "логин 1С", "en": "1C login"},
    "onec_password": {"ru": "пароль 1С", "en": "1C password"},
    "developer": {"ru": "для программиста 1С", "en": "for the 1C developer"},
}

# The words the glossary replaced: no text or template may use them again (tests/ui/test_glossary.py).
DRIFTED: dict[str, tuple[str, ...]] = {
    "log": ("журнал синхронизации", "журнале синхронизации", "exchange log"),
    "event_rules": ("События 1С", "1C events"),
    "field_list": ("таблица соответствия", "таблицу соответствия", "correspondence table", "Отправить таблицу"),
    "mapping": ("сопоставление полей", "field correspondence"),
    "handler_package": ("версии обработчиков", "handler versions"),
}

_TERM = re.compile(r"\[\[(\w+)\]\]")


def with_terms(text: str, lang: Lang) -> str:
    """`text` with each [[term]] replaced by the glossary's word in `lang`; raises KeyError for an unknown term."""

    def word(match: re.Match[str]) -> str:
        key = match.group(1)
        found = GLOSSARY[key[0].lower() + key[1:]][lang]
        capital = key[0].isupper() and not found.startswith("amoCRM")  # a brand keeps its own spelling
        return found[0].upper() + found[1:] if capital else found

    return _TERM.sub(word, text)


_TEXTS: dict[str, dict[Lang, str]] = {
    "app.title": {"ru": "amo1c — интеграция с 1С", "en": "amo1c — 1C integration"},
    "error.title": {"ru": "Не получилось", "en": "Something went wrong"},
    "card.leads": {"ru": "Сделка", "en": "Deal"},
    "card.contacts": {"ru": "Контакт", "en": "Contact"},
    "card.companies": {"ru": "Компания", "en": "Company"},
    "card.open_in_1c": {"ru": "Открыть в 1С", "en": "Open in 1C"},
    "card.base": {"ru": "База", "en": "Base"},
    "card.no_base": {
        "ru": "К аккаунту не подключена ни одна база 1С. Попросите администратора связать базу.",
        "en": "No 1C base is linked to this account yet. Ask an administrator to link one.",
    },
    "documents.title": {"ru": "Документы 1С", "en": "1C documents"},
    "documents.loading": {"ru": "Загружаем документы из 1С…", "en": "Loading documents from 1C…"},
    "documents.empty": {"ru": "В 1С нет документов по этой сделке.", "en": "1C has no documents for this deal."},
    "documents.retry": {"ru": "Повторить", "en": "Retry"},
    "documents.drive": {"ru": "копия в Google Drive", "en": "Google Drive copy"},
    "order.in_1c": {"ru": "Заказ в 1С", "en": "Order in 1C"},
    "order.create": {"ru": "Создать заказ в 1С", "en": "Create the order in 1C"},
    "order.update": {"ru": "Обновить заказ в 1С", "en": "Update the order in 1C"},
    "order.done": {"ru": "Заказ сохранён в 1С.", "en": "The order is saved in 1C."},
    "order.queued": {
        "ru": "Заказ в очереди: 1С сейчас не ответила, amo1c отправит его сам, как только 1С будет доступна.",
        "en": "The order is queued: 1C did not answer now; amo1c will send it by itself once 1C is back.",
    },
    "party.queued": {
        "ru": "Контрагент в очереди: 1С сейчас не ответила, amo1c отправит его сам, как только 1С будет доступна.",
        "en": "The counterparty is queued: 1C did not answer now; amo1c will send it by itself once 1C is back.",
    },
    "card.synced": {"ru": "синхронизировано", "en": "synced"},
    "card.base_silent": {"ru": "не отвечает", "en": "not answering"},
    "deal.unknown": {
        "ru": "В amoCRM нет сделки {id}: возможно, её удалили. Откройте карточку существующей сделки.",
        "en": "amoCRM has no deal {id}: it may have been deleted. Open the card of an existing deal.",
    },
    "documents.not_loaded": {
        "ru": "Документы 1С не загружены.",
        "en": "The 1C documents are not loaded.",
    },
    "documents.show": {"ru": "Показать документы", "en": "Show the documents"},
    "order.number": {"ru": "Заказ № {number}", "en": "Order no. {number}"},
    "party.inn": {"ru": "ИНН", "en": "INN"},
    "party.unnamed": {"ru": "Контрагент 1С", "en": "1C counterparty"},
    "card.next_attempt": {"ru": "Следующая попытка —", "en": "Next attempt:"},
    "party.in_1c": {"ru": "Контрагент в 1С", "en": "Counterparty in 1C"},
    "party.not_linked": {"ru": "Контрагента в 1С пока нет.", "en": "No counterparty in 1C yet."},
    "party.create": {"ru": "Создать контрагента в 1С", "en": "Create the counterparty in 1C"},
    "party.update": {"ru": "Обновить контрагента в 1С", "en": "Update the counterparty in 1C"},
    "party.done": {"ru": "Контрагент сохранён в 1С.", "en": "The counterparty is saved in 1C."},
    **{f"error.{key}": {"ru": ru, "en": en} for key, (ru, en) in _ERRORS.items()},
    "admin_only": {
        "ru": "Эта страница доступна только администраторам аккаунта amoCRM.",
        "en": "Only amoCRM account administrators can open this page.",
    },
    **SETTINGS_TEXTS,
}

TEXTS: dict[str, dict[Lang, str]] = {
    key: {lang: with_terms(text, lang) for lang, text in texts.items()} for key, texts in _TEXTS.items()
}


def translator(lang: Lang) -> Callable[[str], str]:
    """A function giving the text of a key in `lang` (the key itself when a text is missing)."""

    def translate(key: str) -> str:
        texts = TEXTS.get(key)
        return texts[lang] if texts is not None else key

    return translate
