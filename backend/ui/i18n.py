"""Interface texts in Russian (default) and English, chosen by the amoCRM user's language."""

from __future__ import annotations

from collections.abc import Callable

from backend.pages import Lang
from backend.ui.settings.texts import SETTINGS_TEXTS

TEXTS: dict[str, dict[Lang, str]] = {
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


def translator(lang: Lang) -> Callable[[str], str]:
    """A function giving the text of a key in `lang` (the key itself when a text is missing)."""

    def translate(key: str) -> str:
        texts = TEXTS.get(key)
        return texts[lang] if texts is not None else key

    return translate
