"""An account's linked 1C bases: their addresses, listing, linking and changing from the settings, when 1C was
last heard from and the handlers version it reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.crypto import SecretBox
from backend.models import Account, BaseRequest, OneCBase
from backend.onec import resolve_destination
from backend.sync.errors import InvalidInput

if TYPE_CHECKING:
    from backend.onec import BaseClient

LAST_SEEN_RESOLUTION = timedelta(minutes=1)
MAX_ADDRESS = 2000
MAX_LOGIN = 255
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f\s]")  # controls and whitespace: no URL holds them


@dataclass(frozen=True)
class BaseAddress:
    """What 1C sends to link a base: its handler address, server address and credentials."""

    id_base: str
    web_address: str
    url_address: str
    param1: str
    param2: str

    def __repr__(self) -> str:
        return f"BaseAddress(id_base={self.id_base!r}, web_address={self.web_address!r}, param2=<hidden>)"


def check_url(field: str, value: str) -> str:
    """`value` when it is a base's address as amo1c can call it: http(s), a host, a valid port, no login or password
    and no whitespace in it, at most MAX_ADDRESS characters; raises InvalidInput naming the field.

    The one check of a base's addresses, for 1C's `/sync/base` and the settings page alike.
    """
    if len(value) > MAX_ADDRESS:
        raise InvalidInput(field, f'поле "{field}" длиннее {MAX_ADDRESS} символов')
    if not _is_http_address(value):
        raise InvalidInput(
            field,
            f'поле "{field}" должно быть адресом http:// или https:// с именем сервера, без пробелов, логина и '
            "пароля в нём (их передают в param1/param2)",
        )
    return value


def _is_http_address(value: str) -> bool:
    if _NOT_IN_URL.search(value):
        return False
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0  # .port raises ValueError unless it is a number to 65535
    except ValueError:  # a malformed port or IPv6 literal
        return False
    return port_ok and parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc


async def check_address(web_address: str, *, allow_private: bool) -> None:
    """Whether amo1c may call a base at `web_address`: the address's form (check_url) and where it leads (the 1C
    client's own check before every call: no loopback or private range unless AMO1C_ONEC_ALLOW_PRIVATE, and the name
    resolves); raises InvalidInput, OneCAddressRefused or OneCUnreachable. Nothing is sent to the base."""
    check_url("web_address", web_address)
    await resolve_destination(web_address, allow_private=allow_private)


async def listed_bases(account_id: int, limit: int) -> list[OneCBase]:
    """The account's first `limit` bases by id_base."""
    return await OneCBase.filter(account_id=account_id).order_by("id_base").limit(limit)


async def count_bases(account_id: int) -> int:
    """How many bases the account has linked."""
    return await OneCBase.filter(account_id=account_id).count()


async def mark_seen(base: OneCBase) -> None:
    """Record that 1C called with this base (at most one write a minute per base)."""
    now = datetime.now(UTC)
    if base.last_seen_at is None or now - base.last_seen_at >= LAST_SEEN_RESOLUTION:
        await OneCBase.filter(id=base.id).update(last_seen_at=now)
        base.last_seen_at = now


async def add_base(account: Account, address: BaseAddress, secrets: SecretBox) -> OneCBase:
    """Link a new base from the settings page, approved at once (an admin did it); raises InvalidInput."""
    check_base_fields(address.param1, address.web_address, address.url_address)
    if not address.id_base.strip() or len(address.id_base) > 100:
        raise InvalidInput("id_base", "укажите идентификатор базы (id_base) длиной до 100 символов")
    if not address.param2:
        raise InvalidInput("param2", "укажите пароль пользователя 1С")
    try:
        async with in_transaction():
            base = await OneCBase.create(
                account=account,
                id_base=address.id_base.strip(),
                web_address=address.web_address,
                url_address=address.url_address,
                param1=address.param1,
                param2_enc=secrets.encrypt(address.param2),
            )
            # The admin's own values win over a request 1C filed for the same id_base.
            await BaseRequest.filter(account_id=account.id, id_base=base.id_base, base_id=None).delete()
            return base
    except IntegrityError:
        raise InvalidInput("id_base", f'база "{address.id_base.strip()}" уже связана с этим аккаунтом') from None


async def change_base(
    base: OneCBase,
    *,
    web_address: str,
    url_address: str,
    param1: str,
    param2: str | None,
    secrets: SecretBox,
) -> OneCBase:
    """Change a base's addresses and login; `param2` None keeps the stored password; raises InvalidInput."""
    check_base_fields(param1, web_address, url_address)
    base.web_address = web_address
    base.url_address = url_address
    base.param1 = param1
    if param2:
        base.param2_enc = secrets.encrypt(param2)
    await base.save(update_fields=["web_address", "url_address", "param1", "param2_enc", "updated_at"])
    return base


def base_field_problems(param1: str, web_address: str, url_address: str) -> dict[str, InvalidInput]:
    """Every malformed or too long field of a base's addresses and login, by its name (empty when all are right);
    the one rule for 1C's /sync/base and the settings page's forms."""
    problems: dict[str, InvalidInput] = {}
    for name, value in (("web_address", web_address), ("url_address", url_address)):
        try:
            check_url(name, value)
        except InvalidInput as exc:
            problems[name] = exc
    if not param1 or len(param1) > MAX_LOGIN:
        problems["param1"] = InvalidInput("param1", f"укажите логин пользователя 1С (до {MAX_LOGIN} символов)")
    return problems


def check_base_fields(param1: str, web_address: str, url_address: str) -> None:
    """Raise InvalidInput naming the first of the addresses and login that is malformed or too long."""
    for problem in base_field_problems(param1, web_address, url_address).values():
        raise problem


async def remember_handlers_version(base: OneCBase, version: str) -> None:
    """Keep the handlers version 1C last reported for the base (shown when 1C cannot be asked)."""
    version = version[:64]
    if base.handlers_version != version:
        await OneCBase.filter(id=base.id).update(handlers_version=version)
        base.handlers_version = version


async def ask_handlers_version(onec: BaseClient, base: OneCBase) -> str:
    """Ask the base's 1C its handlers version (`get_handlers_version`) and remember it; raises OneCError."""
    version = await onec.get_handlers_version()
    await remember_handlers_version(base, version)
    return version
