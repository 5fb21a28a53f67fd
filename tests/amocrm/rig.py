"""Builders for the amoCRM client tests: a fake amoCRM behind ASGITransport, a token store, a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.amocrm import AmoCRMClient, MemoryTokenStore, OAuthCredentials, RetryPolicy, TokenPair, exchange_code
from backend.fakes.amocrm import Account, FakeAmoCRM, RequestRecord
from tests.fakes.amocrm_helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

BASE_URL = "http://demo.amocrm.test"
CREDENTIALS = OAuthCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI)
TIMEOUT = httpx.Timeout(5.0)


class CountingStore(MemoryTokenStore):
    """A MemoryTokenStore that records every save and yields to the loop on each load, as a database would."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[TokenPair] = []

    async def load(self, account_id: int) -> TokenPair | None:
        """Return the pair after giving other tasks a turn."""
        await asyncio.sleep(0)
        return await super().load(account_id)

    async def save(self, account_id: int, pair: TokenPair) -> None:
        """Store the pair and remember it was saved."""
        self.saved.append(pair)
        await super().save(account_id, pair)


class CountingBudget:
    """A RequestBudget that never waits (it only yields once) and counts acquisitions per account."""

    def __init__(self) -> None:
        self.acquired: dict[int, int] = {}

    async def acquire(self, account_id: int) -> None:
        """Count one acquisition."""
        self.acquired[account_id] = self.acquired.get(account_id, 0) + 1
        await asyncio.sleep(0)


@dataclass
class RecordingSleep:
    """An injectable sleep that only records the delays it was asked for."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        """Record the delay without sleeping."""
        self.delays.append(seconds)


class Latency:
    """ASGI middleware adding a small real delay before each request, so concurrent tasks truly interleave."""

    def __init__(self, app: ASGIApp, seconds: float = 0.002) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sleep, then serve."""
        await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


@dataclass
class Rig:
    """One fake account, an HTTP client to the fake, a stored token pair, and a client with recording fakes."""

    fake: FakeAmoCRM
    account: Account
    http: httpx.AsyncClient
    store: CountingStore
    budget: CountingBudget
    sleep: RecordingSleep
    client_overrides: dict[str, Any] = field(default_factory=dict)
    client: AmoCRMClient = field(init=False)

    def __post_init__(self) -> None:
        """Build the rig's main client."""
        self.client = self.new_client(**self.client_overrides)

    def new_client(self, **overrides: Any) -> AmoCRMClient:
        """Return another client of the same account and store, with some arguments replaced."""
        kwargs: dict[str, Any] = {
            "account_id": self.account.id,
            "base_url": BASE_URL,
            "credentials": CREDENTIALS,
            "tokens": self.store,
            "budget": self.budget,
            "retry": RetryPolicy(sleep=self.sleep),
        }
        kwargs.update(overrides)
        return AmoCRMClient(self.http, **kwargs)

    def api_log(self) -> list[RequestRecord]:
        """The fake's log of API calls (OAuth excluded)."""
        return [r for r in self.fake.requests if r.path.startswith("/api/")]

    def oauth_log(self) -> list[RequestRecord]:
        """The fake's log of token endpoint calls."""
        return [r for r in self.fake.requests if r.path.startswith("/oauth2/")]

    async def pair(self) -> TokenPair:
        """The pair currently stored for the account."""
        pair = await self.store.load(self.account.id)
        assert pair is not None
        return pair

    async def store_pair(self, pair: TokenPair) -> None:
        """Replace the stored pair without counting it as a save by the client."""
        await MemoryTokenStore.save(self.store, self.account.id, pair)

    async def expire_locally(self, within: timedelta = timedelta(0)) -> TokenPair:
        """Make the stored pair look as if it expires `within` from now (the fake still accepts it)."""
        pair = await self.pair()
        soon = TokenPair(pair.access_token, pair.refresh_token, datetime.now(UTC) + within)
        await self.store_pair(soon)
        return soon


@asynccontextmanager
async def open_rig(
    rps_limit: int = 0, wrap: Callable[[ASGIApp], ASGIApp] | None = None, **client_overrides: Any
) -> AsyncIterator[Rig]:
    """Yield a rig on a fresh fake (rate limit off unless asked) with a pair obtained by a real code exchange."""
    fake = FakeAmoCRM(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI, rps_limit=rps_limit)
    account = fake.add_account(subdomain="demo", name="ООО Ромашка")
    app: ASGIApp = fake if wrap is None else wrap(fake)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=TIMEOUT) as http:
        pair = await exchange_code(http, BASE_URL, CREDENTIALS, fake.issue_code(account.id))
        store = CountingStore()
        await MemoryTokenStore.save(store, account.id, pair)
        yield Rig(fake, account, http, store, CountingBudget(), RecordingSleep(), client_overrides)


def field_id(rig: Rig, entity: str, name: str) -> int:
    """Return the id of a custom field of the fake account by its name."""
    return next(f.id for f in rig.account.fields(entity) if f.name == name)
