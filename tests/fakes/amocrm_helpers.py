"""Shared builders for the FakeAmoCRM tests: controllable clocks, a fake, and an authorized client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from backend.fakes.amocrm import Account, FakeAmoCRM

CLIENT_ID = "5a1c0e4e-0d3a-4b1f-9f3e-6f1f0c2b7a10"
CLIENT_SECRET = "secret-of-the-integration"
REDIRECT_URI = "https://amo1c.example/oauth/amocrm"
START_WALL = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeClock:
    """A monotonic and a wall clock that only move when a test says so."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = START_WALL

    def monotonic(self) -> float:
        """Return the fake monotonic time."""
        return self.mono

    def time(self) -> float:
        """Return the fake wall time."""
        return self.wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self.mono += seconds
        self.wall += seconds


def make_fake(clock: FakeClock, **overrides: Any) -> FakeAmoCRM:
    """Return a fake with the test integration's credentials and the given clocks."""
    settings: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "rps_limit": 7,
        "access_token_ttl": 86400,
        "clock": clock.monotonic,
        "wall_clock": clock.time,
    }
    settings.update(overrides)
    return FakeAmoCRM(**settings)


def code_grant(code: str, **overrides: Any) -> dict[str, Any]:
    """Return an authorization_code grant body for the test integration."""
    body = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
    }
    body.update(overrides)
    return body


def refresh_grant(refresh_token: str, **overrides: Any) -> dict[str, Any]:
    """Return a refresh_token grant body for the test integration."""
    body = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "redirect_uri": REDIRECT_URI,
    }
    body.update(overrides)
    return body


async def authorize(client: httpx.AsyncClient, fake: FakeAmoCRM, account: Account) -> dict[str, Any]:
    """Exchange a fresh code over HTTP and return the token answer."""
    response = await client.post("/oauth2/access_token", json=code_grant(fake.issue_code(account.id)))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """Return the Authorization header for a token answer."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@dataclass
class Session:
    """A fake with one account, its clocks, and a client authorized as the account's admin."""

    fake: FakeAmoCRM
    clock: FakeClock
    client: httpx.AsyncClient
    account: Account
    tokens: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of the session's token."""
        return bearer(self.tokens)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET an API path with the session's token."""
        return await self.client.get(path, headers=self.headers, **kwargs)

    async def post(self, path: str, body: Any) -> httpx.Response:
        """POST JSON to an API path with the session's token."""
        return await self.client.post(path, headers=self.headers, json=body)

    async def patch(self, path: str, body: Any) -> httpx.Response:
        """PATCH JSON to an API path with the session's token."""
        return await self.client.patch(path, headers=self.headers, json=body)

    async def delete(self, path: str, body: Any) -> httpx.Response:
        """DELETE an API path with a JSON body and the session's token."""
        return await self.client.request("DELETE", path, headers=self.headers, json=body)

    async def create(self, entity: str, *items: dict[str, Any]) -> list[int]:
        """Create entities over the API and return their ids."""
        response = await self.post(f"/api/v4/{entity}", list(items))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["_embedded"][entity]]


@asynccontextmanager
async def open_session(rps_limit: int = 0, **overrides: Any) -> AsyncIterator[Session]:
    """Yield a session on a fresh fake; the rate limit is off unless a test asks for it."""
    clock = FakeClock()
    fake = make_fake(clock, rps_limit=rps_limit, **overrides)
    account = fake.add_account(subdomain="demo", name="ООО Ромашка")
    transport = httpx.ASGITransport(app=fake)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        tokens = await authorize(client, fake, account)
        yield Session(fake=fake, clock=clock, client=client, account=account, tokens=tokens)


def phone(value: str, enum_code: str = "WORK") -> dict[str, Any]:
    """Return a PHONE custom field value element."""
    return {"field_code": "PHONE", "values": [{"value": value, "enum_code": enum_code}]}


def email(value: str, enum_code: str = "WORK") -> dict[str, Any]:
    """Return an EMAIL custom field value element."""
    return {"field_code": "EMAIL", "values": [{"value": value, "enum_code": enum_code}]}
