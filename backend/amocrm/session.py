"""The request loop of the API client: budget → token → send → retry → one AmoCRMError per failure."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend import metrics
from backend.amocrm.auth import AccountTokens, TokenAuth
from backend.amocrm.budget import RequestBudget
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
from backend.amocrm.tokens import OAuthCredentials, TokenStore, WallClock
from backend.amocrm.wire import BASE_HEADERS, json_body, problem_detail, transport_failure, validation_issues

logger = logging.getLogger("amo1c.amocrm")

# PATCH of a fixed set of fields leaves the same result however often it is applied.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PATCH", "PUT", "DELETE"})
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
# Failures that happen before a byte of the request left: safe to retry even a POST.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried: `attempts` tries in all, waits base·2^n capped at max.

    Raises ValueError for fewer than one attempt or a negative delay.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], Awaitable[object]] = field(default=asyncio.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Check the numbers; raises ValueError."""
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def delay(self, retry: int) -> float:
        """Return the wait before retry number `retry` (0 for the first); raises nothing."""
        return float(min(self.max_delay, self.base_delay * 2**retry))


DEFAULT_RETRY = RetryPolicy()


class ApiSession:
    """Owns sending API requests for one account: pacing, tokens, retries, and turning failures into AmoCRMErrors."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        account_id: int,
        base_url: str,
        credentials: OAuthCredentials,
        tokens: TokenStore,
        budget: RequestBudget,
        retry: RetryPolicy,
        clock: WallClock,
    ) -> None:
        self._http = http
        self._account_id = account_id
        self._base_url = base_url.rstrip("/")
        self._budget = budget
        self._retry = retry
        self._calls = 0
        keeper = AccountTokens(
            http, account_id=account_id, base_url=base_url, credentials=credentials, store=tokens, clock=clock
        )
        self._keeper = keeper
        self._auth = TokenAuth(keeper, self._before_send)

    @property
    def calls(self) -> int:
        """How many API requests this session let out (retries and resends included, OAuth not); raises nothing."""
        return self._calls

    async def request(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
    ) -> Any:
        """Send one API call to a path (or a same-API `_links` URL) and return its JSON, None for 204/empty.

        Raises AmoCRMUnreachable, AmoCRMRateLimited, AmoCRMAuthError, AmoCRMRejected, AmoCRMAccountBlocked,
        AmoCRMPaymentRequired or AmoCRMBadResponse.
        """
        url = self._url(target)
        where = f"{method} {httpx.URL(url).path}"
        idempotent = method.upper() in IDEMPOTENT_METHODS
        attempts = self._retry.attempts
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= attempts
            request = self._http.build_request(method, url, params=params, json=body, headers=BASE_HEADERS)
            try:
                response = await self._http.send(request, auth=self._auth)
            except httpx.HTTPError as exc:
                if isinstance(exc, httpx.TransportError):  # the auth flow's own errors are counted by it
                    metrics.amocrm_failure(timed_out=isinstance(exc, httpx.TimeoutException))
                retryable = isinstance(exc, httpx.TransportError) and (idempotent or isinstance(exc, NOT_SENT_ERRORS))
                if not retryable or last:
                    raise AmoCRMUnreachable(
                        f"amoCRM недоступна: {where} — {transport_failure(exc)} (попыток: {attempt})",
                        detail=transport_failure(exc),
                    ) from exc
                await self._pause(attempt, where, type(exc).__name__)
                continue
            status = response.status_code
            metrics.amocrm_response(status)
            if response.is_success:
                return json_body(response)
            retryable = status == 429 or (idempotent and status in RETRYABLE_SERVER_STATUSES)
            if retryable and not last:
                await self._pause(attempt, where, str(status))
                continue
            raise _error(response, where, attempt)

    async def renew_tokens(self) -> None:
        """Refresh the account's pair now (AccountTokens.renew); raises AmoCRMAuthError or AmoCRMUnreachable."""
        await self._keeper.renew()

    async def _before_send(self) -> None:
        """Wait for the account's budget and count the request that is about to leave."""
        started = time.perf_counter()
        await self._budget.acquire(self._account_id)
        metrics.budget_wait(time.perf_counter() - started)
        self._calls += 1

    async def _pause(self, attempt: int, where: str, reason: str) -> None:
        """Wait before the next attempt, logging why (never the query or any token)."""
        delay = self._retry.delay(attempt - 1)
        logger.warning(
            "amoCRM %s failed with %s; retry %d of %d in %.1f s",
            where,
            reason,
            attempt,
            self._retry.attempts - 1,
            delay,
        )
        await self._retry.sleep(delay)

    def _url(self, target: str) -> str:
        """Return the URL of a path, or of a `_links` href re-rooted on our base so the token goes nowhere else."""
        if target.startswith("/"):
            return self._base_url + target
        return self._base_url + httpx.URL(target).raw_path.decode("ascii")


def _error(response: httpx.Response, where: str, attempts: int) -> AmoCRMError:
    """Return the AmoCRMError an unsuccessful final answer stands for; raises nothing."""
    status = response.status_code
    detail = problem_detail(response)
    if status == 401:
        return AmoCRMAuthError(
            f"amoCRM не принимает токен даже после обновления ({where}, 401): интеграцию нужно переустановить",
            status=status,
            detail=detail,
        )
    if status == 402:
        return AmoCRMPaymentRequired(
            "Подписка аккаунта amoCRM не оплачена (402): запись закрыта до оплаты", status=status, detail=detail
        )
    if status == 403:
        return AmoCRMAccountBlocked(
            "amoCRM запретила доступ (403): аккаунт заблокирован за превышение лимитов API или IP сервера "
            "не разрешён; обратитесь в поддержку amoCRM",
            status=status,
            detail=detail,
        )
    if status == 429:
        return AmoCRMRateLimited(
            f"amoCRM ограничила частоту запросов ({where}, 429, попыток: {attempts})", status=status, detail=detail
        )
    if status >= 500:
        return AmoCRMUnreachable(
            f"amoCRM недоступна: {where} — ответ {status} (попыток: {attempts})", status=status, detail=detail
        )
    if 400 <= status < 500:
        issues = validation_issues(response)
        listed = "; ".join(f"{i.path}: {i.code}" for i in issues[:5])
        summary = f"{detail} — {listed}" if listed else detail
        return AmoCRMRejected(
            f"amoCRM отклонила запрос {where} ({status}): {summary}",
            status=status,
            detail=detail,
            validation_errors=issues,
        )
    return AmoCRMBadResponse(f"Неожиданный ответ amoCRM на {where}: {status}", status=status, detail=detail)
