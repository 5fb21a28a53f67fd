"""The complete mutable state of one fake amoCRM, shared by its HTTP handlers and its Python API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from backend.fakes.amocrm.deliveries import DEFAULT_TIMEOUT, Deliverer
from backend.fakes.amocrm.faults import FaultQueue, RateLimiter, RequestRecord
from backend.fakes.amocrm.seed import build_account, build_custom_fields
from backend.fakes.amocrm.state import ENTITY_TYPES, Account, CustomField, Entity, IdSequence
from backend.fakes.amocrm.tokens import TokenStore
from backend.fakes.amocrm.webhooks import WebhookHub


class UnknownAccount(KeyError):
    """Raised when an account id is not one this fake created."""


class UnknownEntity(KeyError):
    """Raised when an account holds no lead, contact or company with the given id."""


class World:
    """Owns the integration settings, accounts, tokens, ids, faults, rate limiter, request log and webhooks."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        rps_limit: int,
        access_token_ttl: int,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        webhook_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.clock = clock
        self.wall_clock = wall_clock
        self.ids = IdSequence()
        self.accounts: dict[int, Account] = {}
        self.tokens = TokenStore(client_id, wall_clock, access_token_ttl)
        self.faults = FaultQueue()
        self.limiter = RateLimiter(clock, rps_limit)
        self.requests: list[RequestRecord] = []
        self.hooks = WebhookHub(self.ids, self.now, Deliverer(wall_clock, webhook_transport, webhook_timeout))

    def now(self) -> int:
        """Return the wall clock as amoCRM's integer Unix timestamp."""
        return int(self.wall_clock())

    def add_account(self, subdomain: str, name: str) -> Account:
        """Create and seed a new account; raises ValueError if the subdomain is taken or empty."""
        if not subdomain:
            raise ValueError("subdomain must not be empty")
        if any(a.subdomain == subdomain for a in self.accounts.values()):
            raise ValueError(f"subdomain {subdomain!r} is taken")
        account = build_account(self.ids, subdomain, name, self.now())
        self.accounts[account.id] = account
        return account

    def account(self, account_id: int) -> Account:
        """Return an account; raises UnknownAccount."""
        try:
            return self.accounts[account_id]
        except KeyError:
            raise UnknownAccount(account_id) from None

    def entity(self, account_id: int, entity_type: str, entity_id: int) -> Entity:
        """Return a lead, contact or company; raises UnknownAccount, UnknownEntity or ValueError (bad type)."""
        if entity_type not in ENTITY_TYPES:
            raise ValueError(f"entity must be one of {', '.join(ENTITY_TYPES)}")
        found = self.account(account_id).entities(entity_type).get(entity_id)
        if found is None:
            raise UnknownEntity(f"no {entity_type} {entity_id} in account {account_id}")
        return found

    def issue_code(self, account_id: int, user_id: int | None = None) -> str:
        """Issue a 20-minute authorization code for a user (the admin by default); raises UnknownAccount."""
        account = self.account(account_id)
        if user_id is None:
            user_id = account.admin_id
        if user_id not in account.users:
            raise ValueError(f"user {user_id} is not in account {account_id}")
        return self.tokens.issue_code(account_id, user_id)

    def add_custom_fields(self, account_id: int, entity: str, fields: Iterable[Mapping[str, Any]]) -> list[CustomField]:
        """Define more custom fields on an entity type; raises UnknownAccount or ValueError."""
        if entity not in ENTITY_TYPES:
            raise ValueError(f"entity must be one of {', '.join(ENTITY_TYPES)}")
        account = self.account(account_id)
        created = build_custom_fields(self.ids, account, entity, list(fields))
        account.fields(entity).extend(created)
        return created

    def log(self, record: RequestRecord) -> None:
        """Append a record to the request log."""
        self.requests.append(record)
