"""Bearer tokens on API requests: load one account's pair, refresh it early or after a 401, one refresh at a time."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import timedelta

import httpx

from backend import metrics
from backend.amocrm.errors import AmoCRMAuthError
from backend.amocrm.tokens import OAuthCredentials, TokenPair, TokenStore, WallClock, refresh_tokens

REFRESH_MARGIN = timedelta(minutes=5)


class AccountTokens:
    """Owns the access token of one account: loads it, refreshes it under the store's lock, saves before use."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_id: int,
        base_url: str,
        credentials: OAuthCredentials,
        store: TokenStore,
        clock: WallClock,
    ) -> None:
        self._http = http
        self._account_id = account_id
        self._base_url = base_url
        self._credentials = credentials
        self._store = store
        self._clock = clock

    async def current(self) -> TokenPair:
        """Return a pair good for at least REFRESH_MARGIN, refreshing it first if needed; raises AmoCRMAuthError."""
        pair = await self._load()
        if pair.expires_within(REFRESH_MARGIN, self._clock()):
            pair = await self.replace(pair)
        return pair

    async def renew(self) -> TokenPair:
        """Return a pair refreshed now, unless another task replaced the stored one while this waited for the lock
        (its refresh just proved the same); raises what `replace` raises."""
        return await self.replace(await self._load())

    async def replace(self, stale: TokenPair) -> TokenPair:
        """Return a pair newer than `stale`: another task's if it already refreshed, else a new one, saved first.

        Raises AmoCRMAuthError when amoCRM refuses the refresh token (nothing is saved), AmoCRMUnreachable when
        the refresh cannot be done (the stored pair stays as it was).
        """
        async with self._store.refresh_lock(self._account_id):
            current = await self._load()
            replaced = current.access_token != stale.access_token
            if replaced and not current.expires_within(REFRESH_MARGIN, self._clock()):
                return current
            try:
                fresh = await refresh_tokens(
                    self._http, self._base_url, self._credentials, current.refresh_token, clock=self._clock
                )
            except Exception:
                metrics.token_refresh(ok=False)
                raise
            metrics.token_refresh(ok=True)
            # Refresh tokens are single-use: the new pair must be stored before anything relies on it.
            await self._store.save(self._account_id, fresh)
            return fresh

    async def _load(self) -> TokenPair:
        """Return the stored pair; raises AmoCRMAuthError when there is none."""
        pair = await self._store.load(self._account_id)
        if pair is None:
            raise AmoCRMAuthError(
                f"Для аккаунта amoCRM {self._account_id} нет токенов: интеграцию нужно установить заново"
            )
        return pair


class TokenAuth(httpx.Auth):
    """An httpx auth flow: bearer token on each request, one refresh and resend after a 401; async clients only.

    `before_send` runs before every request the flow lets out (the first and the resend), so the caller can pace
    and count them. Raises what AccountTokens raises.
    """

    def __init__(self, tokens: AccountTokens, before_send: Callable[[], Awaitable[None]]) -> None:
        self._tokens = tokens
        self._before_send = before_send

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the current token, after a 401 refresh once and resend; raises AmoCRMAuthError/Unreachable."""
        pair = await self._tokens.current()
        response = yield await self._authorized(request, pair)
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return
        pair = await self._tokens.replace(pair)
        yield await self._authorized(request, pair)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Refuse synchronous clients; raises RuntimeError."""
        raise RuntimeError("TokenAuth works with httpx.AsyncClient only")

    async def _authorized(self, request: httpx.Request, pair: TokenPair) -> httpx.Request:
        """Wait for the send hook, then put the bearer token on the request."""
        await self._before_send()
        request.headers["Authorization"] = f"Bearer {pair.access_token}"
        return request
