"""FakeAmoCRM: one ASGI app serving many fake amoCRM accounts, with a Python and an HTTP control API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from backend.fakes.amocrm import catalog, entities, manager_actions, related, webhooks_api
from backend.fakes.amocrm.control import JSON, control_routes
from backend.fakes.amocrm.deliveries import DEFAULT_TIMEOUT, Delivery, DropRule
from backend.fakes.amocrm.faults import Fault, RequestRecord
from backend.fakes.amocrm.gateway import ApiCall, ApiHandler, api_endpoint, plain_endpoint
from backend.fakes.amocrm.hook_control import hook_control_routes
from backend.fakes.amocrm.oauth import token_endpoint
from backend.fakes.amocrm.responses import json_response, problem
from backend.fakes.amocrm.state import Account, CustomField, Entity
from backend.fakes.amocrm.webhooks import Webhook
from backend.fakes.amocrm.world import World

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class FakeAmoCRM:
    """A stateful fake of amoCRM API v4, its OAuth endpoint and its webhooks; raises nothing to clients.

    Hooks go through `webhook_transport` (e.g. `httpx.ASGITransport(app=amo1c)`), or over real HTTP without one.
    """

    def __init__(
        self,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        redirect_uri: str = "https://amo1c.example/oauth/callback",
        rps_limit: int = 7,
        access_token_ttl: int = 86400,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        webhook_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.world = World(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            rps_limit=rps_limit,
            access_token_ttl=access_token_ttl,
            clock=clock,
            wall_clock=wall_clock,
            webhook_transport=webhook_transport,
            webhook_timeout=webhook_timeout,
        )
        self._app = Starlette(routes=self._routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        await self._app(scope, receive, send)

    def _routes(self) -> list[BaseRoute]:
        """Assemble every route: control, OAuth, the API, then catch-alls answering 404."""
        world = self.world

        def api(path: str, handler: ApiHandler, methods: list[str]) -> Route:
            return Route(path, api_endpoint(world, handler), methods=methods)

        entity = "/api/v4/{entity}"
        one = "/api/v4/{entity}/{id:int}"
        return [
            *control_routes(world),
            *hook_control_routes(world),
            Route("/_fake/{rest:path}", _control_not_found, methods=ALL_METHODS),
            Route("/oauth2/access_token", plain_endpoint(world, token_endpoint(world)), methods=["POST"]),
            api("/api/v4/account", catalog.get_account, ["GET"]),
            api("/api/v4/users", catalog.list_users, ["GET"]),
            api("/api/v4/users/{id:int}", catalog.get_user, ["GET"]),
            api("/api/v4/leads/pipelines", catalog.list_pipelines, ["GET"]),
            api("/api/v4/leads/pipelines/{id:int}", catalog.get_pipeline, ["GET"]),
            api("/api/v4/webhooks", webhooks_api.list_webhooks, ["GET"]),
            api("/api/v4/webhooks", webhooks_api.add_webhook, ["POST"]),
            api("/api/v4/webhooks", webhooks_api.delete_webhook, ["DELETE"]),
            api(f"{entity}/custom_fields", catalog.list_fields, ["GET"]),
            api(f"{entity}/custom_fields", catalog.add_fields, ["POST"]),
            api(f"{entity}/custom_fields/{{id:int}}", catalog.get_field, ["GET"]),
            api(f"{entity}/notes", related.add_notes_bulk, ["POST"]),
            api(entity, entities.list_entities, ["GET"]),
            api(entity, entities.create_entities, ["POST"]),
            api(entity, entities.update_entities, ["PATCH"]),
            api(one, entities.get_entity, ["GET"]),
            api(one, entities.update_entity, ["PATCH"]),
            api(f"{one}/notes", related.list_notes, ["GET"]),
            api(f"{one}/notes", related.add_notes, ["POST"]),
            api(f"{one}/notes/{{note_id:int}}", related.get_note, ["GET"]),
            api(f"{one}/links", related.list_links, ["GET"]),
            api(f"{one}/link", related.add_links, ["POST"]),
            api(f"{one}/unlink", related.remove_links, ["POST"]),
            api("/api/{rest:path}", _api_not_found, ALL_METHODS),
            Route("/{rest:path}", plain_endpoint(world, _plain_not_found), methods=ALL_METHODS),
        ]

    # -- Python control API -------------------------------------------------------------------------------

    @property
    def accounts(self) -> dict[int, Account]:
        """Every account by id; entities are at accounts[id].contacts/.companies/.leads/.notes/.links."""
        return self.world.accounts

    @property
    def requests(self) -> list[RequestRecord]:
        """The request log (API and OAuth calls, not control calls), oldest first."""
        return self.world.requests

    @property
    def rps_limit(self) -> int:
        """Requests per second allowed per account; 0 means unlimited."""
        return self.world.limiter.limit

    @rps_limit.setter
    def rps_limit(self, value: int) -> None:
        """Change the per-account limit; raises ValueError when negative."""
        if value < 0:
            raise ValueError("rps_limit must not be negative")
        self.world.limiter.limit = value

    def add_account(self, subdomain: str = "demo", name: str = "Демо") -> Account:
        """Create a seeded account; raises ValueError if the subdomain is taken."""
        return self.world.add_account(subdomain=subdomain, name=name)

    def account(self, account_id: int) -> Account:
        """Return an account; raises UnknownAccount (a KeyError)."""
        return self.world.account(account_id)

    def issue_code(self, account_id: int, user_id: int | None = None) -> str:
        """Return a new 20-minute authorization code; raises UnknownAccount or ValueError."""
        return self.world.issue_code(account_id, user_id)

    def expire_tokens(self, account_id: int) -> int:
        """Expire every access token of an account (refresh tokens stay usable); return how many."""
        return self.world.tokens.expire_access(self.world.account(account_id).id)

    def add_custom_fields(self, account_id: int, entity: str, fields: Iterable[Mapping[str, Any]]) -> list[CustomField]:
        """Define fields ({name, type, code?, enums?, sort?, is_api_only?}); raises UnknownAccount or ValueError."""
        return self.world.add_custom_fields(account_id, entity, fields)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        body: Any = None,
        path_prefix: str | None = None,
        *,
        after_apply: bool = False,
        account_id: int | None = None,
        content_type: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Make the next n matching calls answer `status` (after applying them if after_apply); raises ValueError."""
        fault = Fault(
            n, status, 0.0, body, content_type, path_prefix, account_id, after_apply, method and method.upper()
        )
        return self.world.faults.add(fault)

    def hang_next(
        self,
        n: int = 1,
        seconds: float = 30.0,
        path_prefix: str | None = None,
        *,
        after_apply: bool = False,
        account_id: int | None = None,
        status: int | None = None,
        method: str | None = None,
    ) -> Fault:
        """Make the next n matching calls sleep before (or, if after_apply, after) being applied; raises ValueError."""
        fault = Fault(n, status, seconds, None, None, path_prefix, account_id, after_apply, method and method.upper())
        return self.world.faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self.world.faults.clear()

    # -- webhooks ------------------------------------------------------------------------------------------

    @property
    def webhook_transport(self) -> httpx.AsyncBaseTransport | None:
        """The transport hooks are POSTed through; None means real HTTP."""
        return self.world.hooks.deliverer.transport

    @webhook_transport.setter
    def webhook_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send later hooks through another transport (None: real HTTP)."""
        self.world.hooks.deliverer.transport = transport

    @property
    def deliveries(self) -> list[Delivery]:
        """Every hook the fake sent, is sending or dropped, oldest first."""
        return self.world.hooks.deliverer.log

    def webhooks(self, account_id: int) -> list[Webhook]:
        """Return an account's webhook subscriptions; raises UnknownAccount."""
        return self.world.hooks.webhooks(self.world.account(account_id).id)

    def add_webhook(self, account_id: int, destination: str, settings: list[str], sort: int | None = None) -> Webhook:
        """Subscribe a URL to events as the account's admin would; raises UnknownAccount or ValueError."""
        account = self.world.account(account_id)
        return self.world.hooks.subscribe(account.id, destination, settings, account.admin_id, sort)

    def move_lead(self, account_id: int, lead_id: int, status_id: int, pipeline_id: int | None = None) -> Entity:
        """Move a deal to a status as a manager would, raising its hooks; raises UnknownEntity or ValueError."""
        return manager_actions.move_lead(self.world, account_id, lead_id, status_id, pipeline_id)

    def touch_entity(self, account_id: int, entity: str, entity_id: int, name: str | None = None) -> Entity:
        """Save a card as a manager would (renamed when `name` is given), raising its hooks; raises UnknownEntity."""
        return manager_actions.touch_entity(self.world, account_id, entity, entity_id, name)

    def drop_next_webhooks(self, n: int = 1, event: str | None = None) -> DropRule:
        """Never send the next n hooks (of `event` only, when given), logging them as dropped; raises ValueError."""
        return self.world.hooks.deliverer.drop_next(n, event)

    def send_dp_hook(self, account_id: int, lead_id: int, url: str, settings: dict[str, Any] | None = None) -> Delivery:
        """Queue the digital-pipeline action's hook for a deal to `url`; raises UnknownEntity or ValueError."""
        lead = self.world.entity(account_id, "leads", lead_id)
        return self.world.hooks.send_dp_hook(self.world.account(account_id), lead, url, settings)

    async def deliveries_done(self) -> None:
        """Return once every queued hook has been answered, refused, timed out or dropped."""
        await self.world.hooks.deliverer.wait()


async def _control_not_found(request: Request) -> Response:
    """Answer an unknown control path."""
    return json_response({"detail": f"no control endpoint {request.method} {request.url.path}"}, 404, JSON)


def _api_not_found(call: ApiCall) -> Response:
    """Answer an API path the fake does not implement (after auth, as amoCRM would)."""
    return problem(404, f"{call.request.method} {call.request.url.path} is not implemented by the fake")


async def _plain_not_found(request: Request, body: bytes, record: RequestRecord) -> Response:
    """Answer any other path."""
    return problem(404, f"{request.method} {request.url.path} not found")
