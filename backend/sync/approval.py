"""Linking a 1C base needs the account's consent: 1C's `/sync/base` (spec 2.2) files a request, an admin decides.

`key` is the amoCRM account id, which is not a secret, so a new `id_base` — or a changed address or login of an
approved base — is kept as a BaseRequest and does nothing until an admin of that account approves it in the
settings page. The server's operator (AMO1C_ADMIN_* Basic Auth) and an admin linking a base in the settings page
are trusted at once. A request lives REQUEST_LIFETIME; at most MAX_AWAITING new bases wait per account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from backend.crypto import SecretBox
from backend.models import Account, BaseRequest, OneCBase
from backend.sync.bases import BaseAddress, check_base_fields
from backend.sync.credentials import Credentials, credentials_match, wrong_credentials
from backend.sync.errors import AccessDenied, Conflict, NotFound, RequestReplaced
from backend.sync.throttle import base_scope, check_attempt, record_failure

MAX_AWAITING = 20
REQUEST_LIFETIME = timedelta(days=7)


class RequestGone(NotFound):
    """The request an admin acted on no longer exists (decided, expired, or never of this account)."""


@dataclass(frozen=True)
class LinkOutcome:
    """What a `/sync/base` call did: linked or changed the base at once, or filed a request awaiting an admin."""

    base: OneCBase | None
    request: BaseRequest | None


async def request_link(
    account: Account,
    address: BaseAddress,
    secrets: SecretBox,
    presented: Credentials | None,
    *,
    operator: bool,
    check_credentials: bool,
    client: str,
) -> LinkOutcome:
    """Handle a `/sync/base` call; raises InvalidInput, AuthenticationRequired (changing a base without its
    credentials) or AccessDenied (too many bases awaiting approval)."""
    check_base_fields(address.param1, address.web_address, address.url_address)
    base = await OneCBase.get_or_none(account_id=account.id, id_base=address.id_base)
    if operator:
        return LinkOutcome(await _link_now(account, base, address, secrets), None)
    if base is None:
        return LinkOutcome(None, await _file(account, None, address, secrets, client))
    if check_credentials:
        scope = base_scope(account.id, address.id_base)
        await check_attempt(scope, client)
        pending = await live_request(account.id, address.id_base) if base.awaiting_change else None
        if not any(credentials_match(holder, secrets, presented) for holder in (base, pending) if holder):
            await record_failure(scope, client)
            raise wrong_credentials(account.id, address.id_base)
    same_place = (address.web_address, address.url_address, address.param1) == (
        base.web_address,
        base.url_address,
        base.param1,
    )
    new_password = secrets.decrypt(base.param2_enc) != address.param2
    if same_place and (check_credentials or not new_password):
        # 1C restated the approved address (a pending change is withdrawn); a new password is taken as is,
        # since the call proved it knows the current one.
        if new_password:
            base.param2_enc = secrets.encrypt(address.param2)
            await base.save(update_fields=["param2_enc", "updated_at"])
        if base.awaiting_change:
            await _close_requests_of(base)
        return LinkOutcome(base, None)
    return LinkOutcome(None, await _file(account, base, address, secrets, client))


async def live_request(account_id: int, id_base: str) -> BaseRequest | None:
    """The request awaiting an admin for this id_base, or None (an expired one is removed on the way)."""
    request = await BaseRequest.get_or_none(account_id=account_id, id_base=id_base)
    if request is not None and _expired(request):
        await expire_requests(account_id)
        return None
    return request


async def awaiting_requests(account_id: int) -> list[BaseRequest]:
    """The account's live requests, newest first (expired ones are removed first)."""
    await expire_requests(account_id)
    return await BaseRequest.filter(account_id=account_id).order_by("-requested_at").limit(MAX_AWAITING * 2)


async def expire_requests(account_id: int, now: datetime | None = None) -> int:
    """Remove the account's requests older than REQUEST_LIFETIME (a changed base is approved again as it was)."""
    cutoff = (now or datetime.now(UTC)) - REQUEST_LIFETIME
    expired = await BaseRequest.filter(account_id=account_id, requested_at__lt=cutoff)
    for request in expired:
        await _close(request)
    return len(expired)


async def approve(account_id: int, request_id: int, revision: int, secrets: SecretBox) -> OneCBase:
    """Link the request's base (or apply its change) exactly as the admin saw it at `revision`.

    Raises RequestGone, RequestReplaced (it changed since: show the new one) or Conflict (the id_base was linked
    another way meanwhile).
    """
    async with in_transaction():
        request = await BaseRequest.get_or_none(id=request_id, account_id=account_id)
        if request is None or _expired(request):
            raise RequestGone("запрос на подключение уже рассмотрен или устарел")
        if request.revision != revision:
            raise RequestReplaced(
                f'запрос базы "{request.id_base}" изменился, пока вы его смотрели: проверьте его снова'
            )
        if request.base_id is None:
            try:
                base = await OneCBase.create(
                    account_id=account_id,
                    id_base=request.id_base,
                    web_address=request.web_address,
                    url_address=request.url_address,
                    param1=request.param1,
                    param2_enc=request.param2_enc,
                )
            except IntegrityError:
                raise Conflict(f'база "{request.id_base}" уже связана с аккаунтом') from None
        else:
            base = await OneCBase.get(id=request.base_id)
            base.web_address, base.url_address = request.web_address, request.url_address
            base.param1, base.param2_enc, base.awaiting_change = request.param1, request.param2_enc, False
            await base.save()
        await request.delete()
    return base


async def reject(account_id: int, request_id: int) -> None:
    """Drop the request (a changed base stays as it was approved); raises RequestGone."""
    request = await BaseRequest.get_or_none(id=request_id, account_id=account_id)
    if request is None:
        raise RequestGone("запрос на подключение уже рассмотрен или устарел")
    await _close(request)


async def forget_request(account_id: int, id_base: str) -> None:
    """Drop a new base's request because an admin linked that id_base in the settings page."""
    await BaseRequest.filter(account_id=account_id, id_base=id_base, base_id=None).delete()


async def _link_now(account: Account, base: OneCBase | None, address: BaseAddress, secrets: SecretBox) -> OneCBase:
    """The operator's link or change, approved as it is made (a request for the id_base is dropped)."""
    fields: dict[str, Any] = {
        "web_address": address.web_address,
        "url_address": address.url_address,
        "param1": address.param1,
        "param2_enc": secrets.encrypt(address.param2),
        "awaiting_change": False,
        "last_seen_at": datetime.now(UTC),
    }
    if base is None:
        try:
            async with in_transaction():
                base = await OneCBase.create(account=account, id_base=address.id_base, **fields)
                await BaseRequest.filter(account_id=account.id, id_base=address.id_base).delete()
            return base
        except IntegrityError:  # linked a moment ago by another call: change it instead
            base = await OneCBase.get(account_id=account.id, id_base=address.id_base)
    async with in_transaction():
        await OneCBase.filter(id=base.id).update(**fields)
        await BaseRequest.filter(account_id=account.id, id_base=address.id_base).delete()
    await base.refresh_from_db()
    return base


async def _file(
    account: Account, base: OneCBase | None, address: BaseAddress, secrets: SecretBox, client: str
) -> BaseRequest:
    """Create or replace the id_base's request; raises AccessDenied when MAX_AWAITING new bases already wait."""
    await expire_requests(account.id)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "web_address": address.web_address,
        "url_address": address.url_address,
        "param1": address.param1,
        "base_id": base.id if base is not None else None,
    }
    for _ in range(2):  # a second round when another call filed the same id_base at the same moment
        request = await BaseRequest.get_or_none(account_id=account.id, id_base=address.id_base)
        if request is None:
            if base is None and await BaseRequest.filter(account_id=account.id, base_id=None).count() >= MAX_AWAITING:
                raise AccessDenied(
                    f"{MAX_AWAITING} баз 1С уже ожидают подтверждения в аккаунте {account.id}: администратор "
                    "должен подключить или отклонить их в настройках виджета amo1c"
                )
            try:
                request = await BaseRequest.create(
                    account=account,
                    id_base=address.id_base,
                    param2_enc=secrets.encrypt(address.param2),
                    requested_at=now,
                    requested_from=client[:64],
                    **values,
                )
            except IntegrityError:
                continue
        else:
            changed = any(getattr(request, name) != value for name, value in values.items())
            changed = changed or secrets.decrypt(request.param2_enc) != address.param2
            update: dict[str, Any] = {"requested_at": now, "requested_from": client[:64]}
            if changed:
                update.update(values, param2_enc=secrets.encrypt(address.param2), revision=F("revision") + 1)
            await BaseRequest.filter(id=request.id).update(**update)
            await request.refresh_from_db()
        if base is not None and not base.awaiting_change:
            await OneCBase.filter(id=base.id).update(awaiting_change=True)
            base.awaiting_change = True
        return request
    raise Conflict(f'база "{address.id_base}" подаёт запросы одновременно: повторите вызов')


async def _close(request: BaseRequest) -> None:
    """Remove a request; the base it would have changed is approved again as it was."""
    await request.delete()
    if request.base_id is not None:
        await OneCBase.filter(id=request.base_id).update(awaiting_change=False)


async def _close_requests_of(base: OneCBase) -> None:
    await BaseRequest.filter(base_id=base.id).delete()
    await OneCBase.filter(id=base.id).update(awaiting_change=False)
    base.awaiting_change = False


def _expired(request: BaseRequest, now: datetime | None = None) -> bool:
    return request.requested_at < (now or datetime.now(UTC)) - REQUEST_LIFETIME
