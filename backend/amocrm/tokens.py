"""OAuth 2.0 with amoCRM: credentials, token pairs, where pairs are kept, and the code and refresh grants."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from backend.amocrm.errors import (
    AmoCRMAccountBlocked,
    AmoCRMAuthError,
    AmoCRMBadResponse,
    AmoCRMError,
    AmoCRMPaymentRequired,
    AmoCRMRateLimited,
    AmoCRMRejected,
    AmoCRMUnreachable,
)
from backend.amocrm.parsing import obj, opt_int, opt_str
from backend.amocrm.wire import BASE_HEADERS, json_body, problem_detail, transport_failure

TOKEN_PATH = "/oauth2/access_token"
WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime; raises nothing."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class OAuthCredentials:
    """The integration's client id, secret and redirect URI (the secret is kept out of repr); raises nothing."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str


@dataclass(frozen=True)
class TokenPair:
    """An access/refresh token pair and when the access token expires; repr hides both tokens."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime

    def __post_init__(self) -> None:
        """Refuse a naive expiry time; raises ValueError."""
        if self.expires_at.tzinfo is None or self.expires_at.utcoffset() is None:
            raise ValueError("TokenPair.expires_at must be an aware datetime")

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        """Whether the access token is expired or will be within `margin` of `now`; raises nothing."""
        return self.expires_at - now <= margin


class TokenStore(Protocol):
    """Where an account's token pair lives; `refresh_lock` serializes refreshes of one account."""

    async def load(self, account_id: int) -> TokenPair | None:
        """Return the account's pair, or None when it has none; may raise AmoCRMAuthError."""
        ...

    async def save(self, account_id: int, pair: TokenPair) -> None:
        """Replace the account's pair durably before it is used; may raise AmoCRMAuthError."""
        ...

    def refresh_lock(self, account_id: int) -> AbstractAsyncContextManager[None]:
        """Return the lock held while one account's tokens are re-loaded, refreshed and saved; entering it may raise
        AmoCRMUnreachable when a lock shared between processes cannot be taken."""
        ...


class MemoryTokenStore:
    """An in-process TokenStore (a dict and one asyncio.Lock per account) for tests and benchmarks; raises nothing."""

    def __init__(self, pairs: Mapping[int, TokenPair] | None = None) -> None:
        self._pairs: dict[int, TokenPair] = dict(pairs or {})
        self._locks: dict[int, asyncio.Lock] = {}

    async def load(self, account_id: int) -> TokenPair | None:
        """Return the account's pair, or None; raises nothing."""
        return self._pairs.get(account_id)

    async def save(self, account_id: int, pair: TokenPair) -> None:
        """Replace the account's pair; raises nothing."""
        self._pairs[account_id] = pair

    def refresh_lock(self, account_id: int) -> asyncio.Lock:
        """Return the account's refresh lock, creating it on first use; raises nothing."""
        return self._locks.setdefault(account_id, asyncio.Lock())


async def exchange_code(
    http: httpx.AsyncClient,
    base_url: str,
    credentials: OAuthCredentials,
    code: str,
    *,
    clock: WallClock = utc_now,
) -> TokenPair:
    """Spend an authorization code on a pair; raises AmoCRMAuthError for a bad or expired code, AmoCRMUnreachable."""
    params = {"grant_type": "authorization_code", "code": code}
    refused = "amoCRM не приняла код авторизации ({hint}): установите интеграцию заново, чтобы получить новый код"
    return await _grant(http, base_url, credentials, params, refused, clock)


async def refresh_tokens(
    http: httpx.AsyncClient,
    base_url: str,
    credentials: OAuthCredentials,
    refresh_token: str,
    *,
    clock: WallClock = utc_now,
) -> TokenPair:
    """Spend a (single-use) refresh token on a new pair; raises AmoCRMAuthError when refused, AmoCRMUnreachable."""
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    refused = "amoCRM отказалась обновить токены ({hint}): интеграцию нужно переустановить в аккаунте amoCRM"
    return await _grant(http, base_url, credentials, params, refused, clock)


async def _grant(
    http: httpx.AsyncClient,
    base_url: str,
    credentials: OAuthCredentials,
    params: dict[str, str],
    refused: str,
    clock: WallClock,
) -> TokenPair:
    """POST one grant to the token endpoint and read the pair; raises the AmoCRMError matching the answer."""
    body = {
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "redirect_uri": credentials.redirect_uri,
        **params,
    }
    try:
        response = await http.post(base_url.rstrip("/") + TOKEN_PATH, json=body, headers=BASE_HEADERS)
    except httpx.HTTPError as exc:
        raise AmoCRMUnreachable(f"OAuth-сервер amoCRM недоступен: {transport_failure(exc)}") from None
    if response.is_success:
        return _pair(json_body(response), clock())
    raise _grant_error(response, refused)


def _grant_error(response: httpx.Response, refused: str) -> AmoCRMError:
    """Return the error for a refused grant; the hint is amoCRM's, never a token or secret."""
    status = response.status_code
    detail = problem_detail(response)
    if status in (400, 401):
        return AmoCRMAuthError(refused.format(hint=detail), status=status, detail=detail)
    if status == 402:
        return AmoCRMPaymentRequired("Подписка аккаунта amoCRM не оплачена (402)", status=status, detail=detail)
    if status == 403:
        return AmoCRMAccountBlocked("amoCRM запретила доступ к OAuth (403)", status=status, detail=detail)
    if status == 429:
        return AmoCRMRateLimited("amoCRM ограничила частоту запросов к OAuth (429)", status=status, detail=detail)
    if status >= 500:
        return AmoCRMUnreachable(f"OAuth-сервер amoCRM ответил {status}", status=status, detail=detail)
    return AmoCRMRejected(f"OAuth-сервер amoCRM ответил {status}: {detail}", status=status, detail=detail)


def _pair(data: Any, now: datetime) -> TokenPair:
    """Read a token answer; raises AmoCRMBadResponse when a token or the lifetime is missing."""
    body = obj(data, "token answer")
    access, refresh, ttl = opt_str(body, "access_token"), opt_str(body, "refresh_token"), opt_int(body, "expires_in")
    if not access or not refresh or ttl is None or ttl <= 0:
        raise AmoCRMBadResponse("Ответ OAuth-сервера amoCRM без токенов или срока их жизни", detail="token answer")
    return TokenPair(access_token=access, refresh_token=refresh, expires_at=now + timedelta(seconds=ttl))
