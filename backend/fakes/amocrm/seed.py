"""Seed data of a new fake account: users, pipelines and the default custom fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backend.fakes.amocrm.state import (
    LOST_STATUS_ID,
    UNSORTED_STATUS_TYPE,
    WON_STATUS_ID,
    Account,
    CustomField,
    EnumOption,
    IdSequence,
    Pipeline,
    Status,
    User,
)

PHONE_ENUM_CODES = ("WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER")
EMAIL_ENUM_CODES = ("WORK", "PRIV", "OTHER")
FIELD_TYPES = frozenset(
    [
        "text",
        "numeric",
        "checkbox",
        "select",
        "multiselect",
        "multitext",
        "date",
        "url",
        "textarea",
        "radiobutton",
        "streetaddress",
        "smart_address",
        "birthday",
        "legal_entity",
        "date_time",
        "items",
        "category",
        "price",
        "tracking_data",
        "linked_entity",
        "org_legal_name",
        "monetary",
        "chained_list",
        "file",
        "payer",
        "supplier",
    ]
)
ENUM_TYPES = frozenset({"select", "multiselect", "radiobutton", "multitext", "category"})

_USERS = (
    ("Иван Петров", "ivan.petrov@example.ru", True),
    ("Мария Смирнова", "maria.smirnova@example.ru", False),
    ("Алексей Кузнецов", "alexey.kuznetsov@example.ru", False),
)
_PIPELINES = (
    ("Воронка", ("Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора")),
    ("Оптовые продажи", ("Новая заявка", "Счёт выставлен", "Отгрузка")),
)


def _default_fields() -> dict[str, list[dict[str, Any]]]:
    """Return fresh specs of the custom fields every new account starts with."""
    phone = {"name": "Телефон", "type": "multitext", "code": "PHONE", "enums": list(PHONE_ENUM_CODES)}
    email = {"name": "Email", "type": "multitext", "code": "EMAIL", "enums": list(EMAIL_ENUM_CODES)}
    return {
        "contacts": [dict(phone), dict(email), {"name": "Должность", "type": "text", "code": "POSITION"}],
        "companies": [
            phone,
            email,
            {"name": "Web", "type": "url", "code": "WEB"},
            {"name": "Адрес", "type": "textarea", "code": "ADDRESS"},
            {"name": "ИНН", "type": "text"},
        ],
        "leads": [
            {"name": "Номер заказа 1С", "type": "text"},
            {"name": "Ссылка на заказ 1С", "type": "url"},
            {"name": "Долг", "type": "numeric"},
        ],
    }


def build_account(ids: IdSequence, subdomain: str, name: str, now: int) -> Account:
    """Create an account with three users (the first an admin), two pipelines and the default fields."""
    account = Account(id=ids.next("account"), name=name, subdomain=subdomain, created_at=now)
    for user_name, email, is_admin in _USERS:
        user = User(id=ids.next("user"), name=user_name, email=email, is_admin=is_admin)
        account.users[user.id] = user
    account.admin_id = next(u.id for u in account.users.values() if u.is_admin)
    for index, (pipeline_name, stage_names) in enumerate(_PIPELINES):
        pipeline = _build_pipeline(ids, pipeline_name, stage_names, sort=(index + 1) * 100, is_main=index == 0)
        account.pipelines[pipeline.id] = pipeline
    for entity_type, specs in _default_fields().items():
        account.fields(entity_type).extend(build_custom_fields(ids, account, entity_type, specs))
    return account


def _build_pipeline(ids: IdSequence, name: str, stage_names: Iterable[str], sort: int, is_main: bool) -> Pipeline:
    """Create a pipeline with the unsorted status, the given stages, and the won/lost statuses."""
    pipeline = Pipeline(id=ids.next("pipeline"), name=name, sort=sort, is_main=is_main)
    pid = pipeline.id
    statuses = [Status(ids.next("status"), "Неразобранное", 10, pid, "#c1c1c1", UNSORTED_STATUS_TYPE, False)]
    for index, stage in enumerate(stage_names):
        statuses.append(Status(ids.next("status"), stage, 20 + index * 10, pid, "#99ccff"))
    statuses.append(Status(WON_STATUS_ID, "Успешно реализовано", 10000, pid, "#ccff66", 0, False))
    statuses.append(Status(LOST_STATUS_ID, "Закрыто и не реализовано", 11000, pid, "#d5d8db", 0, False))
    pipeline.statuses = statuses
    return pipeline


def build_custom_fields(
    ids: IdSequence, account: Account, entity_type: str, specs: Iterable[Mapping[str, Any]]
) -> list[CustomField]:
    """Turn field specs ({name, type, code?, sort?, is_api_only?, enums?}) into definitions; raises ValueError."""
    created: list[CustomField] = []
    next_sort = max((f.sort for f in account.fields(entity_type)), default=0) + 2
    for spec in specs:
        field_type = spec.get("type", "text")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("every custom field needs a non-empty name")
        if field_type not in FIELD_TYPES:
            raise ValueError(f"unknown custom field type {field_type!r}")
        code = spec.get("code")
        if code is not None and not isinstance(code, str):
            raise ValueError("a custom field code must be a string")
        if code is not None and (
            account.field_by_code(entity_type, code) is not None or any(f.code == code for f in created)
        ):
            raise ValueError(f"{entity_type} already have a field with code {code!r}")
        raw_enums = spec.get("enums")
        enums = None
        if raw_enums is not None or field_type in ENUM_TYPES:
            enums = [_build_enum(ids, item, (i + 1) * 2) for i, item in enumerate(raw_enums or [])]
        sort = spec.get("sort", next_sort)
        next_sort = int(sort) + 2
        created.append(
            CustomField(
                id=ids.next("field"),
                name=name,
                type=field_type,
                entity_type=entity_type,
                sort=int(sort),
                code=code,
                is_api_only=bool(spec.get("is_api_only", False)),
                enums=enums,
            )
        )
    return created


def _build_enum(ids: IdSequence, item: Any, sort: int) -> EnumOption:
    """Turn "WORK" or {"value", "code"?, "sort"?} into an enum option; raises ValueError."""
    if isinstance(item, str):
        return EnumOption(id=ids.next("enum"), value=item, sort=sort, code=item)
    if isinstance(item, Mapping) and isinstance(item.get("value"), str):
        return EnumOption(
            id=ids.next("enum"),
            value=item["value"],
            sort=int(item.get("sort", sort)),
            code=item.get("code"),
        )
    raise ValueError("an enum option is a string or an object with a string 'value'")
