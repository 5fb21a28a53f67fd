"""Versioned 1C handler packages per base (spec 2.8–2.10): 1, 2, 3… with the latest served to 1C.

A package can be large; what only needs its version, size or beginning reads just that from the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.models import HandlerPackage, OneCBase
from backend.sync.errors import Conflict
from backend.textsql import ByteSize, Head

NO_PACKAGE_VERSION = 0  # what 1C is told while no package is stored: lower than any real version
STORE_ATTEMPTS = 5


@dataclass(frozen=True)
class PackageSummary:
    """A stored package as a list shows it: no JSON, its size in bytes."""

    id: int
    version: int
    created_at: datetime
    size: int


@dataclass(frozen=True)
class PackageHead:
    """The beginning of a stored package's JSON text, with the whole package's size and whether text was cut."""

    version: int
    id_base: str
    text: str
    size: int
    cut: bool


async def latest_package(base: OneCBase) -> HandlerPackage | None:
    """The newest stored package of `base`, or None."""
    return await HandlerPackage.filter(base_id=base.id).order_by("-version").first()


async def latest_version(base: OneCBase) -> int | None:
    """The newest stored version of `base` (its JSON not read), or None."""
    versions = await HandlerPackage.filter(base_id=base.id).order_by("-version").limit(1).values_list("version")
    return int(versions[0][0]) if versions else None


async def package_summaries(base: OneCBase, limit: int) -> list[PackageSummary]:
    """The newest `limit` packages of `base`, newest first, without reading their JSON."""
    rows = (
        await HandlerPackage.filter(base_id=base.id)
        .annotate(size=ByteSize("handlers_json"))
        .order_by("-version")
        .limit(limit)
        .values("id", "version", "created_at", "size")
    )
    return [PackageSummary(row["id"], row["version"], row["created_at"], int(row["size"] or 0)) for row in rows]


async def package_head(account_id: int, package_id: int, chars: int) -> PackageHead | None:
    """At most `chars` characters of the JSON of the account's package `package_id`; None when it has no such."""
    rows = (
        await HandlerPackage.filter(id=package_id, base__account_id=account_id)
        .annotate(head=Head("handlers_json", chars + 1), size=ByteSize("handlers_json"))
        .values("version", "base__id_base", "head", "size")
    )
    if not rows:
        return None
    row = rows[0]
    head = str(row["head"] or "")
    return PackageHead(row["version"], row["base__id_base"], head[:chars], int(row["size"] or 0), len(head) > chars)


async def store_package(base: OneCBase, handlers: Any) -> HandlerPackage:
    """Store `handlers` as the next version of `base`; concurrent stores get distinct versions; raises Conflict."""
    for _ in range(STORE_ATTEMPTS):
        try:
            async with in_transaction():
                latest = await latest_version(base)
                version = (NO_PACKAGE_VERSION if latest is None else latest) + 1
                return await HandlerPackage.create(
                    base_id=base.id, version=version, handlers_json=json.dumps(handlers, ensure_ascii=False)
                )
        except IntegrityError:
            continue  # another upload took this version number; take the next one
    raise Conflict("не удалось сохранить пакет обработчиков: слишком много одновременных загрузок, повторите")
