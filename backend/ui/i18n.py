"""Interface texts in Russian (default) and English, chosen by the amoCRM user's language, and the glossary: the
one word each language uses for each thing the admin pages speak of."""

from __future__ import annotations

import re
from collections.abc import Callable

from backend.pages import Lang
from backend.ui.settings.texts import SETTINGS_TEXTS

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
    "card.linked": {"ru": "Связано с 1С", "en": "Linked in 1C"},
    "card.not_linked": {"ru": "Пока не связано ни с одним объектом 1С.", "en": "Not linked to any 1C object yet."},
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
    "card.queued_reason": {"ru": "Причина", "en": "Reason"},
    "card.next_attempt": {"ru": "Следующая попытка —", "en": "Next attempt:"},
    "party.in_1c": {"ru": "Контрагент в 1С", "en": "Counterparty in 1C"},
    "party.not_linked": {"ru": "Контрагента в 1С пока нет.", "en": "No counterparty in 1C yet."},
    "party.create": {"ru": "Создать контрагента в 1С", "en": "Create the counterparty in 1C"},
    "party.update": {"ru": "Обновить контрагента в 1С", "en": "Update the counterparty in 1C"},
    "party.done": {"ru": "Контрагент сохранён в 1С.", "en": "The counterparty is saved in 1C."},
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
