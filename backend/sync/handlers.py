"""Versioned 1C handler packages per base (spec 2.8–2.10): 1, 2, 3… with the latest served to 1C."""

from __future__ import annotations

import json
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.models import HandlerPackage, OneCBase
from backend.sync.errors import Conflict

NO_PACKAGE_VERSION = 0  # what 1C is told while no package is stored: lower than any real version
STORE_ATTEMPTS = 5


async def latest_package(base: OneCBase) -> HandlerPackage | None:
    """The newest stored package of `base`, or None."""
    return await HandlerPackage.filter(base_id=base.id).order_by("-version").first()


async def store_package(base: OneCBase, handlers: Any) -> HandlerPackage:
    """Store `handlers` as the next version of `base`; concurrent stores get distinct versions; raises Conflict."""
    for _ in range(STORE_ATTEMPTS):
        try:
            async with in_transaction():
                latest = await latest_package(base)
                version = (latest.version if latest else NO_PACKAGE_VERSION) + 1
                return await HandlerPackage.create(
                    base_id=base.id, version=version, handlers_json=json.dumps(handlers, ensure_ascii=False)
                )
        except IntegrityError:
            continue  # another upload took this version number; take the next one
    raise Conflict("не удалось сохранить пакет обработчиков: слишком много одновременных загрузок, повторите")
