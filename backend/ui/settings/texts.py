"""Texts of the settings pages, Russian first, English second (merged into `backend.ui.i18n.TEXTS`); the
«Автоматизация» tab's are in automation_texts.py, the «Обзор» tab's and the operations' names in
overview_texts.py."""

from __future__ import annotations

from backend.pages import Lang
from backend.ui.settings.automation_texts import AUTOMATION_PAIRS
from backend.ui.settings.overview_texts import OPERATION_NAMES, OVERVIEW_PAIRS

_PAIRS: dict[str, tuple[str, str]] = {
    "settings.title": ("Настройки amo1c", "amo1c settings"),
    "settings.no_bases": (
        "Ни одна [[base]] ещё не связана: свяжите базу на вкладке «[[Bases]]» или дождитесь, пока 1С свяжет её сама.",
        "No [[base]] is linked yet: link one on the «[[Bases]]» tab, or wait for 1C to link one itself.",
    ),
    "settings.not_found": (
        "Такой записи нет в этом аккаунте: возможно, её уже удалили. Обновите страницу.",
        "This account has no such record: it may have been deleted. Reload the page.",
    ),
    "settings.amocrm_failed": ("amoCRM не ответил: {error}", "amoCRM did not answer: {error}"),
    "tab.bases": ("[[Bases]]", "[[Bases]]"),
    "tab.mapping": ("[[Mapping]]", "[[Mapping]]"),
    "tab.rules": ("[[Event_rules]]", "[[Event_rules]]"),
    "tab.handlers": ("[[Handlers]]", "[[Handlers]]"),
    "tab.log": ("[[Log]]", "[[Log]]"),
    "tab.automation": ("[[Automation]]", "[[Automation]]"),
    "action.edit": ("Изменить", "Edit"),
    "action.delete": ("Удалить", "Delete"),
    "action.save": ("Сохранить", "Save"),
    "action.cancel": ("Отмена", "Cancel"),
    # 1C bases
    "bases.intro": (
        "[[Bases]], с которыми обменивается этот аккаунт. Обычно 1С связывает базу сама, но её можно связать и здесь.",
        "The [[bases]] this account exchanges data with. 1C usually links a base itself, but you can link one here.",
    ),
    "bases.none": ("Ни одна база 1С ещё не связана.", "No 1C base is linked yet."),
    "bases.awaiting_change": ("ждёт подтверждения изменений", "change awaits approval"),
    "requests.title": ("Ожидают подтверждения", "Awaiting approval"),
    "requests.intro": (
        "1С просит связать базу или изменить адрес или логин связанной. Пока вы не подключите её, база ничего не "
        "может: ни писать в amoCRM, ни получать данные. Подключайте только базы, которые вы узнаёте.",
        "1C asks to link a base, or to change a linked base's address or login. Until you approve it, the base can "
        "do nothing: neither write into amoCRM nor receive data. Approve only bases you recognise.",
    ),
    "requests.new": ("новая база", "new base"),
    "requests.change": ("изменение адреса или логина", "address or login change"),
    "requests.asked": ("Запрос получен", "Asked"),
    "requests.from": ("С адреса", "From address"),
    "requests.approve": ("Подключить", "Approve"),
    "requests.reject": ("Отклонить", "Reject"),
    "requests.reject_confirm": (
        "Отклонить запрос базы «{id_base}»? 1С сможет прислать его снова.",
        "Reject the request of base «{id_base}»? 1C may send it again.",
    ),
    "requests.replaced": (
        "Пока вы смотрели, 1С прислала запрос заново с другими данными. Проверьте их и подключите снова.",
        "1C sent the request again with other data while you were looking. Check it and approve again.",
    ),
    "requests.approved": ("База «{id_base}» подключена.", "Base «{id_base}» is approved."),
    "requests.rejected": ("Запрос отклонён.", "The request is rejected."),
    "requests.gone": (
        "Этого запроса уже нет: его рассмотрели или он устарел (запрос живёт 7 дней).",
        "This request is gone: it was decided or expired (a request lives 7 days).",
    ),
    "bases.hidden": (
        "Показаны первые {shown} баз по идентификатору; ещё {hidden} не показаны. Отвяжите базы, которые не нужны.",
        "The first {shown} bases by identifier are shown; {hidden} more are not. Unlink the bases you do not need.",
    ),
    "bases.asking": ("спрашиваем 1С…", "asking 1C…"),
    "bases.id_base": ("[[Base_id]]", "[[Base_id]]"),
    "bases.web_address": ("Адрес обработчиков", "Handlers address"),
    "bases.url_address": ("Адрес базы", "Base address"),
    "bases.param1": ("[[Onec_login]]", "[[Onec_login]]"),
    "bases.login": ("[[Onec_login]]", "[[Onec_login]]"),
    "bases.param2": ("[[Onec_password]]", "[[Onec_password]]"),
    "bases.last_seen": ("1С обращалась", "Last heard from 1C"),
    "bases.never": ("ещё не обращалась", "never"),
    "bases.in_1c": ("обработчики в 1С", "handlers in 1C"),
    "bases.last_known": ("последняя известная версия {version}", "last known version {version}"),
    "bases.package": ("Пакет в amo1c", "Package in amo1c"),
    "bases.package_version": ("версия {version} (последняя загруженная)", "version {version} (the latest stored)"),
    "bases.no_packages": ("не загружался", "none stored"),
    "bases.check": ("Проверить соединение", "Check the connection"),
    "bases.unlink": ("Отвязать", "Unlink"),
    "bases.unlink_confirm": (
        "Отвязать базу «{id_base}»? [[Mapping]], пакеты обработчиков и связи объектов этой базы будут удалены.",
        "Unlink the base «{id_base}»? Its field mapping, handler packages and object links will be deleted.",
    ),
    "bases.online": ("на связи", "online"),
    "bases.offline": ("нет связи", "offline"),
    "bases.check_ok": (
        "Соединение в порядке: 1С ответила за {ms} мс, версия обработчиков {version}.",
        "The connection works: 1C answered in {ms} ms, handlers version {version}.",
    ),
    "bases.hint.id_base": ("Так, как базу называет сама 1С.", "As 1C itself names the base."),
    "bases.hint.web_address": (
        "HTTP-сервис обработчиков amo1c в 1С, например https://1c.example.ru/trade/hs/amo1c/handler",
        "amo1c's HTTP service in 1C, e.g. https://1c.example.ru/trade/hs/amo1c/handler",
    ),
    "bases.hint.url_address": (
        "Адрес веб-клиента базы: из него строятся ссылки на документы.",
        "The base's web client address: links to documents start with it.",
    ),
    "bases.link_title": ("Связать базу 1С", "Link a [[base]]"),
    "bases.link": ("Связать базу", "Link the base"),
    "bases.password_keep": ("не менять", "unchanged"),
    "bases.password_keep_hint": (
        "Оставьте пустым, чтобы сохранить прежний пароль.",
        "Leave empty to keep the current password.",
    ),
    "bases.error.id_base": (
        "Укажите идентификатор базы (до 100 символов).",
        "Enter the base identifier (up to 100 characters).",
    ),
    "bases.error.password": ("Укажите пароль пользователя 1С.", "Enter the 1C user's password."),
    "bases.error.taken": ("Такая база уже связана с этим аккаунтом.", "This base is already linked to the account."),
    "bases.error.address": (
        "Нужен адрес http:// или https:// с именем сервера, без пробелов и без логина и пароля в нём (до 2000 "
        "символов).",
        "Enter an http:// or https:// address with a server name, no spaces and no login or password in it (up to "
        "2000 characters).",
    ),
    "bases.error.login": (
        "Укажите логин пользователя 1С (до 255 символов).",
        "Enter the 1C login (up to 255 characters).",
    ),
    # field mapping
    "entity.contact": ("Контакт", "Contact"),
    "entity.company": ("Компания", "Company"),
    "entity.lead": ("Сделка", "Deal"),
    "entity.user": ("Сотрудник", "Employee"),
    "mapping.entities": ("Сущности", "Entities"),
    "mapping.intro": (
        "Какое поле amoCRM соответствует какому полю 1С. 1С может записать эти же строки и сама.",
        "Which amoCRM field matches which 1C field. 1C can write these same rows itself too.",
    ),
    "mapping.intro_user": (
        "Какой пользователь amoCRM соответствует какому сотруднику 1С.",
        "Which amoCRM user matches which 1C employee.",
    ),
    "mapping.reload": ("Обновить поля из amoCRM", "Reload fields from amoCRM"),
    "mapping.reload_user": ("Обновить пользователей из amoCRM", "Reload users from amoCRM"),
    "mapping.fields_failed": (
        "Не удалось загрузить поля из amoCRM: {error}. Строки видны, но поле amoCRM сейчас не выбрать.",
        "Could not load the fields from amoCRM: {error}. The rows are shown, but no amoCRM field can be chosen now.",
    ),
    "mapping.amo_side": ("Поле amoCRM", "amoCRM field"),
    "mapping.amo_side_user": ("[[Amo_user]]", "[[Amo_user]]"),
    "mapping.onec_side": ("Поле 1С", "1C field"),
    "mapping.onec_side_user": ("[[Onec_employee]]", "[[Onec_employee]]"),
    "mapping.enabled": ("Включено", "Enabled"),
    "mapping.actions": ("Действия", "Actions"),
    "mapping.none": ("Строк пока нет.", "No rows yet."),
    "mapping.gone": ("нет в amoCRM", "not in amoCRM"),
    "mapping.on": ("вкл.", "on"),
    "mapping.off": ("выкл.", "off"),
    "mapping.delete_confirm": ("Удалить строку «{amo}» ↔ «{onec}»?", "Delete the row «{amo}» ↔ «{onec}»?"),
    "mapping.choose": ("— выберите поле —", "— choose a field —"),
    "mapping.choose_user": ("— выберите пользователя —", "— choose a user —"),
    "mapping.onec_placeholder": ("например, ИНН", "e.g. INN"),
    "mapping.onec_placeholder_user": ("например, Петров Иван", "e.g. Ivan Petrov"),
    "mapping.add": ("Добавить строку", "Add the row"),
    "mapping.send": ("Отправить [[field_list]] в 1С", "Send the [[field_list]] to 1C"),
    "mapping.send_hint": (
        "1С получит все поля и всех пользователей аккаунта, чтобы сопоставить их у себя.",
        "1C receives every field and user of the account to match them on its side.",
    ),
    "mapping.sent": (
        "[[Field_list]] отправлен в 1С (полей и пользователей: {count}). 1С ответила, версия обработчиков {version}.",
        "The [[field_list]] was sent to 1C ({count} fields and users). 1C answered, handlers version {version}.",
    ),
    "mapping.send_failed": ("1С не приняла [[field_list]]: {error}", "1C did not accept the [[field_list]]: {error}"),
    "mapping.error.unknown_field": (
        "Выберите поле из списка: такого поля нет в amoCRM.",
        "Choose a field from the list: amoCRM has no such field.",
    ),
    "mapping.error.duplicate": (
        "Для этого поля amoCRM строка уже есть: измените её.",
        "This amoCRM field already has a row: edit that one.",
    ),
    "mapping.error.onec_field": ("Укажите поле 1С.", "Enter the 1C field."),
    "mapping.error.onec_field_long": ("Не длиннее 255 символов.", "At most 255 characters."),
    "mapping.error.too_many": (
        "В таблице не бывает больше {limit} строк на сущность: удалите ненужную строку, чтобы добавить эту.",
        "A table holds at most {limit} rows per entity: delete a row you do not need to add this one.",
    ),
    "mapping.hidden": (
        "Ещё {hidden} строк не показаны: на сущность бывает не больше {limit} строк. Сократите таблицу — удалите "
        "лишние строки или пусть 1С пришлёт её заново, не больше {limit} строк; пока их больше, "
        "обмен использует только первые {limit} включённых.",
        "{hidden} more rows are not shown: an entity has at most {limit} rows. Reduce the table — delete the rows "
        "you do not need, or have 1C send it again, at most {limit} rows; until then the exchange "
        "uses only the first {limit} enabled ones.",
    ),
    # event rules
    "rules.intro": (
        "Куда переводить сделку, когда 1С сообщает о событии, и писать ли примечание. Изменения сохраняются сразу.",
        "Where to move the deal when 1C reports an event, and whether to add a note. Changes are saved at once.",
    ),
    "rules.main": ("основная воронка", "main pipeline"),
    "rules.event": ("Событие 1С", "1C event"),
    "rules.stage": ("Этап сделки", "Deal stage"),
    "rules.stage_of": ("Этап для «{event}» в воронке «{pipeline}»", "Stage for «{event}» in «{pipeline}»"),
    "rules.note": ("Примечание", "Note"),
    "rules.state": ("Сохранение", "Saving"),
    "rules.keep": ("не менять", "keep the stage"),
    "rules.add_note": ("добавлять", "add"),
    "rules.saved": ("Сохранено", "Saved"),
    "rules.no_pipelines": ("В amoCRM нет воронок.", "amoCRM has no pipelines."),
    "rules.error.stage": (
        "Такого этапа нет в этой воронке: обновите страницу.",
        "This pipeline has no such stage: reload the page.",
    ),
    "event.cancel_order": ("Заказ аннулирован", "Order cancelled"),
    "event.payment": ("Оплата", "Payment"),
    "event.part_payment": ("Частичная оплата", "Partial payment"),
    "event.shipment": ("Отгрузка", "Shipment"),
    "event.part_shipment": ("Частичная отгрузка", "Partial shipment"),
    # handler packages
    "handlers.intro": (
        "Пакеты обработчиков, которые 1С загрузила для базы. 1С получает последнюю версию.",
        "The handler packages 1C uploaded for the base. 1C gets the latest version.",
    ),
    "handlers.reported": ("1С сообщает", "1C reports"),
    "handlers.version": ("Версия", "Version"),
    "handlers.stored_at": ("Загружена", "Stored"),
    "handlers.size": ("Размер", "Size"),
    "handlers.json": ("Содержимое", "Contents"),
    "handlers.latest": ("последняя", "latest"),
    "handlers.show": ("Показать JSON", "Show JSON"),
    "handlers.none": (
        "Для этой базы пакеты обработчиков не загружались.",
        "No handler package was stored for this base.",
    ),
    "handlers.package_of": ("Пакет версии {version} базы «{id_base}»", "Package version {version} of «{id_base}»"),
    "handlers.cut": (
        "Пакет большой ({size}): показаны только первые {chars} символов.",
        "The package is large ({size}): only its first {chars} characters are shown.",
    ),
    # sync log
    "log.any": ("все", "any"),
    "log.direction": ("Направление", "Direction"),
    "log.dir.to_1c": ("amo1c → 1С", "amo1c → 1C"),
    "log.dir.from_1c": ("1С → amo1c", "1C → amo1c"),
    "log.operation": ("Операция", "Operation"),
    "log.count_title": (
        "Отклонённые вызовы без верного логина и пароля за этот час, одной записью",
        "Refused calls without the right login and password in this hour, as one entry",
    ),
    "log.outcome": ("Результат", "Outcome"),
    "log.outcome.ok": ("успешно", "ok"),
    "log.outcome.error": ("ошибка", "error"),
    "log.q": ("id amoCRM или 1С", "amoCRM or 1C id"),
    "log.q_placeholder": ("например, 4242", "e.g. 4242"),
    "log.find": ("Найти", "Search"),
    "log.when": ("Время", "Time"),
    "log.ids": ("Объект", "Object"),
    "log.detail": ("Подробнее", "Details"),
    "log.none": ("Записей нет.", "No entries."),
    "log.more": ("Показать ещё", "Show more"),
    "log.ms": ("мс", "ms"),
    "log.request_id": ("ID запроса", "Request ID"),
    "log.received_at": (
        "заказ пришёл на {path} (адрес 2.5, напечатанный в ТЗ с ошибкой)",
        "an order that came to {path} (the path the spec misprints for 2.5)",
    ),
    "log.error": ("Ошибка", "Error"),
    "log.error_cut": ("… (показаны первые {chars} символов)", "… (its first {chars} characters are shown)"),
    "log.summary": ("Запрос (секреты скрыты)", "Request (secrets hidden)"),
    "log.from_1c_resend": (
        "Этот запрос отправляла 1С: повторить его может только 1С. Пусть 1С отправит заново",
        "1C made this call: only 1C can make it again. 1C has to send again",
    ),
    "log.resend_hint": (
        "Запрос можно отправить в 1С заново: amo1c соберёт его из текущих данных amoCRM.",
        "The call can be sent to 1C again: amo1c builds it anew from amoCRM's current data.",
    ),
    "log.resend_confirm": ("Отправить запрос в 1С ещё раз?", "Send the call to 1C again?"),
    "log.resend": ("Отправить в 1С повторно", "Send to 1C again"),
    "log.resend_failed": ("Повтор не удался: {error}", "The retry failed: {error}"),
    "log.refusal.succeeded": ("Запрос выполнен успешно — повторять нечего.", "The call succeeded: nothing to repeat."),
    "log.refusal.from_1c": (
        "Этот запрос отправляла 1С: повторить его может только 1С.",
        "1C made this call: only 1C can repeat it.",
    ),
    "log.refusal.operation": (
        "Этот запрос нельзя повторить отсюда.",
        "This call cannot be repeated from here.",
    ),
    "log.refusal.no_base": (
        "Повторить нельзя: база уже отвязана от аккаунта.",
        "Cannot repeat: the base is no longer linked to the account.",
    ),
    "log.refusal.no_amo_id": (
        "Повторить нельзя: в записи нет id объекта amoCRM.",
        "Cannot repeat: the entry has no amoCRM object id.",
    ),
    "log.refusal.no_kind": (
        "Повторить нельзя: из записи не понять, контакт это или компания.",
        "Cannot repeat: the entry does not say whether it was a contact or a company.",
    ),
    "log.resent.get_orders": ("1С ответила: документов — {value}.", "1C answered: {value} documents."),
    "log.resent.new_order": ("Заказ сохранён в 1С: {value}", "The order is saved in 1C: {value}"),
    "log.resent.new_lead": ("Контрагент сохранён в 1С: {value}", "The counterparty is saved in 1C: {value}"),
    "log.resent.corr_table": (
        "[[Field_list]] принят 1С, версия обработчиков {value}.",
        "1C accepted the [[field_list]], handlers version {value}.",
    ),
    "log.resent.get_handlers_version": (
        "1С ответила: версия обработчиков {value}.",
        "1C answered: handlers version {value}.",
    ),
    # «для программиста 1С»: the only place admin pages name the API
    "dev.title": ("[[Developer]]", "[[Developer]]"),
    "dev.bases": (
        "1С связывает базу сама вызовом /sync/base; «[[base_id]]» — поле id_base её запросов.",
        "1C links a base itself by calling /sync/base; the «[[base_id]]» is the id_base of its calls.",
    ),
    "dev.mapping": (
        "1С записывает строки контактов, компаний и сделок вызовами /sync/clients_contacts_save_fields, "
        "/sync/clients_companies_save_fields и /sync/leads_save_fields; кнопка «Отправить [[field_list]] в 1С» "
        "вызывает в 1С corr_table.",
        "1C writes the rows of contacts, companies and deals with /sync/clients_contacts_save_fields, "
        "/sync/clients_companies_save_fields and /sync/leads_save_fields; the «Send the [[field_list]] to 1C» "
        "button calls corr_table in 1C.",
    ),
    "dev.handlers": (
        "1С загружает пакеты вызовом /update_handlers/set_handlers и получает последний вызовом "
        "/update_handlers/get_actual_handlers; версию, что стоит в 1С, amo1c спрашивает вызовом get_handlers_version.",
        "1C uploads packages with /update_handlers/set_handlers and gets the latest with "
        "/update_handlers/get_actual_handlers; amo1c asks the version installed in 1C with get_handlers_version.",
    ),
    "dev.automation": (
        "Заказ уходит в 1С вызовом new_order, контрагент — вызовом new_lead, [[field_list]] — вызовом corr_table.",
        "An order goes to 1C with new_order, a counterparty with new_lead, the [[field_list]] with corr_table.",
    ),
}

_OPERATION_PAIRS = {f"op.{operation.value}": names for operation, names in OPERATION_NAMES.items()}

SETTINGS_TEXTS: dict[str, dict[Lang, str]] = {
    key: {"ru": ru, "en": en}
    for key, (ru, en) in (_PAIRS | AUTOMATION_PAIRS | OVERVIEW_PAIRS | _OPERATION_PAIRS).items()
}
