"""Texts of the «Автоматизация» tab (triggers, the webhook subscription, the outbox), Russian first, English second;
merged into the settings texts by texts.py."""

from __future__ import annotations

AUTOMATION_PAIRS: dict[str, tuple[str, str]] = {
    "automation.intro": (
        "Что amo1c отправляет в 1С сам, без кнопки: по триггерам этапов и изменений. Каждый вызов 1С ждёт в очереди, "
        "пока 1С его не примет, — недоступность 1С ничего не теряет.",
        "What amo1c sends to 1C by itself, without a button: on stage and change triggers. Every call into 1C waits "
        "in the queue until 1C takes it — 1C being down loses nothing.",
    ),
    "triggers.title": ("Триггеры базы", "The base's triggers"),
    "triggers.intro": (
        "Сделка попала на этап — её заказ уходит в эту базу 1С.",
        "A deal enters a stage — its order goes to this [[base]].",
    ),
    "triggers.pipeline": ("Воронка", "Pipeline"),
    "triggers.stage": ("Этап", "Stage"),
    "triggers.none": ("Триггеров этапов пока нет.", "No stage triggers yet."),
    "triggers.choose_stage": ("Этап, на котором заказ уходит в 1С", "The stage that sends the order to 1C"),
    "triggers.choose": ("— выберите этап —", "— choose a stage —"),
    "triggers.add": ("Добавить триггер", "Add the trigger"),
    "triggers.remove_confirm": (
        "Больше не отправлять заказ в 1С, когда сделка попадает на этап «{stage}»?",
        "Stop sending the order to 1C when a deal enters «{stage}»?",
    ),
    "triggers.gone": ("нет в amoCRM", "not in amoCRM"),
    "triggers.pipelines_failed": (
        "Не удалось прочитать воронки из amoCRM: {error}. Триггеры видны, но новый сейчас не добавить.",
        "Could not read the pipelines from amoCRM: {error}. The triggers are shown, but none can be added now.",
    ),
    "triggers.error.stage": (
        "Выберите этап из списка: такого этапа нет в amoCRM.",
        "Choose a stage from the list: amoCRM has no such stage.",
    ),
    "triggers.error.duplicate": (
        "Для этого этапа у базы уже есть триггер.",
        "The base has a trigger for this stage already.",
    ),
    "triggers.changed_title": ("Изменения в amoCRM", "Changes in amoCRM"),
    "triggers.changed_intro": (
        "Отправлять в 1С заново то, что уже связано с этой базой, когда это изменили в amoCRM (но не записи самой 1С).",
        "Send again to 1C what is linked to this base when it is changed in amoCRM (not 1C's own writes).",
    ),
    "triggers.kind.contact_changed": ("Контакт изменён → контрагент", "Contact changed → counterparty"),
    "triggers.kind.company_changed": ("Компания изменена → контрагент", "Company changed → counterparty"),
    "triggers.kind.deal_changed": ("Сделка заказа изменена → заказ", "Deal of an order changed → order"),
    "triggers.on": ("включено", "on"),
    "subscription.title": ("Подписка на события amoCRM", "amoCRM event subscription"),
    "subscription.intro": (
        "amoCRM сообщает amo1c о переходах сделок и изменениях карточек вебхуками. Вебхуки теряются, поэтому раз в 3 "
        "минуты amo1c сверяется с amoCRM сам и ловит пропущенное.",
        "amoCRM tells amo1c about deals moving and cards changing with webhooks. Webhooks get lost, so every 3 "
        "minutes amo1c reconciles with amoCRM by itself and catches what was missed.",
    ),
    "subscription.destination": ("Адрес", "Address"),
    "subscription.events": ("События", "Events"),
    "subscription.ok": ("подписка оформлена", "subscribed"),
    "subscription.failed": ("amoCRM отказал", "amoCRM refused"),
    "subscription.never": ("подписки нет", "not subscribed"),
    "subscription.subscribed_at": ("Оформлена", "Subscribed"),
    "subscription.error": ("Ошибка amoCRM", "amoCRM's error"),
    "subscription.last_hook": ("Последний вебхук", "Last webhook"),
    "subscription.last_reconciled": ("Последняя сверка", "Last reconciliation"),
    "subscription.caught": ("Поймано сверкой", "Caught by reconciliation"),
    "subscription.caught_hint": (
        "изменений, о которых amoCRM не прислал вебхук",
        "changes amoCRM sent no webhook about",
    ),
    "subscription.not_yet": ("ещё не было", "none yet"),
    "subscription.idle": (
        "сверка идёт, только пока включён хотя бы один триггер",
        "reconciliation runs only while a trigger is on",
    ),
    "subscription.restore": ("Восстановить подписку", "Restore the subscription"),
    "subscription.restored": ("Подписка восстановлена.", "The subscription is restored."),
    "outbox.title": ("[[Outbox]]", "[[Outbox]]"),
    "outbox.intro": (
        "Недоступную 1С amo1c пробует снова: через 30 секунд, затем всё реже, до раза в час, 48 часов. Отказ 1С "
        "не повторяется: разберите его и нажмите «Отправить сейчас» или «Отменить».",
        "When 1C cannot be reached amo1c tries again: after 30 seconds, then less and less often, up to once an hour, "
        "for 48 hours. A refusal of 1C is not retried: look at it, then press «Send now» or «Cancel».",
    ),
    "outbox.state": ("Состояние", "State"),
    "outbox.state.pending": ("ждёт", "waiting"),
    "outbox.state.sending": ("отправляется", "sending"),
    "outbox.state.delivered": ("доставлено", "delivered"),
    "outbox.state.failed": ("отказ 1С", "refused by 1C"),
    "outbox.state.dead": ("не доставлено за 48 ч", "undelivered for 48 h"),
    "outbox.state.cancelled": ("отменено", "cancelled"),
    "outbox.next_attempt": ("Следующая попытка", "Next attempt"),
    "outbox.nothing_waits": ("ничего не ждёт", "nothing waits"),
    "outbox.refresh": ("Обновить", "Refresh"),
    "outbox.created": ("Записано", "Queued"),
    "outbox.call": ("Вызов", "Call"),
    "outbox.kind.new_order": ("заказ", "order"),
    "outbox.kind.new_lead": ("контрагент", "counterparty"),
    "outbox.kind.corr_table": ("[[field_list]]", "[[field_list]]"),
    "outbox.cause": ("Причина", "Cause"),
    "outbox.attempts": ("попыток: {count}", "attempts: {count}"),
    "outbox.next": ("следующая —", "next:"),
    "outbox.none": ("В очереди ничего нет.", "The queue is empty."),
    "outbox.history": ("История", "History"),
    "outbox.history_none": ("Попыток ещё не было.", "No attempt yet."),
    "outbox.history_cut": ("Показаны последние {shown} попыток из {total}.", "The last {shown} of {total} attempts."),
    "outbox.attempt.delivered": ("доставлено", "delivered"),
    "outbox.attempt.retry": ("не дошло — повтор", "not through — retried"),
    "outbox.attempt.failed": ("отказ 1С", "refused"),
    "outbox.attempt.dead": ("не дошло — больше не пробуем", "not through — given up"),
    "outbox.send": ("Отправить сейчас", "Send now"),
    "outbox.cancel": ("Отменить", "Cancel"),
    "outbox.cancel_confirm": (
        "Отменить отправку в 1С? Это намерение больше не будет отправлено.",
        "Cancel sending to 1C? This intent will not be sent any more.",
    ),
    "outbox.sent.delivered": ("Доставлено: 1С приняла.", "Delivered: 1C took it."),
    "outbox.sent.pending": ("1С не ответила, попробуем снова:", "1C did not answer; trying again:"),
    "outbox.sent.failed": ("1С отказала: разберите ошибку.", "1C refused: look at the error."),
    "outbox.sent.cancelled": ("Отправка отменена.", "Sending is cancelled."),
    "outbox.answer": ("ответ 1С:", "1C answered:"),
}
