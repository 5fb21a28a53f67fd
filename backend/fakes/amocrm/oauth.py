"""The fake's OAuth token endpoint: `POST /oauth2/access_token` with amoCRM's grants and errors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from backend.fakes.amocrm.faults import RequestRecord
from backend.fakes.amocrm.gateway import PlainResponder
from backend.fakes.amocrm.responses import json_response, oauth_problem
from backend.fakes.amocrm.tokens import Grant, TokenError
from backend.fakes.amocrm.world import World


def token_endpoint(world: World) -> PlainResponder:
    """Return the responder for the token endpoint, bound to one fake's state."""

    async def respond(request: Request, body: bytes, record: RequestRecord) -> Response:
        params = _parse_params(request, body)
        if params is None:
            return oauth_problem(400, "Request body must be JSON or a form")
        grant_type = params.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return oauth_problem(400, "The authorization grant type is not supported by the authorization server")
        refusal = _check_client(world, params)
        if grant_type == "authorization_code":
            return _code_grant(world, params, refusal, record)
        return _refresh_grant(world, params, refusal, record)

    return respond


def _parse_params(request: Request, body: bytes) -> dict[str, Any] | None:
    """Read the grant parameters from a JSON or form body; None when neither parses to an object."""
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        return dict(parse_qsl(body.decode(errors="replace")))
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _check_client(world: World, params: dict[str, Any]) -> Response | None:
    """Return the refusal for a wrong client id, secret or redirect URI, or None when they match."""
    if params.get("client_id") != world.client_id or params.get("client_secret") != world.client_secret:
        return oauth_problem(401, "Client authentication failed")
    if params.get("redirect_uri") != world.redirect_uri:
        return oauth_problem(400, "Check the `redirect_uri` parameter")
    return None


def _code_grant(world: World, params: dict[str, Any], refusal: Response | None, record: RequestRecord) -> Response:
    """Exchange an authorization code for a pair."""
    code = params.get("code")
    if not isinstance(code, str) or not code:
        return oauth_problem(400, "Check the `code` parameter")
    found = world.tokens.codes.get(code)
    if found is not None:
        record.account_id = found.account_id
    if refusal is not None:
        return refusal
    try:
        grant = world.tokens.exchange_code(code)
    except TokenError as exc:
        return oauth_problem(exc.status, exc.hint)
    world.account(grant.account_id).code_grants += 1
    return _pair(world, grant)


def _refresh_grant(world: World, params: dict[str, Any], refusal: Response | None, record: RequestRecord) -> Response:
    """Spend a refresh token on a new pair, counting attempts and successes per account."""
    token = params.get("refresh_token")
    if not isinstance(token, str) or not token:
        return oauth_problem(400, "Check the `refresh_token` parameter")
    old = world.tokens.peek_refresh(token)
    account = world.accounts.get(old.account_id) if old is not None else None
    if account is not None:
        record.account_id = account.id
        account.refresh_attempts += 1
    if refusal is not None:
        return refusal
    try:
        grant = world.tokens.refresh(token)
    except TokenError as exc:
        return oauth_problem(exc.status, exc.hint)
    if account is not None:
        account.refresh_grants += 1
    return _pair(world, grant)


def _pair(world: World, grant: Grant) -> Response:
    """Answer a successful grant the way amoCRM does."""
    body = {
        "token_type": "Bearer",
        "expires_in": world.tokens.access_token_ttl,
        "server_time": world.now(),
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
    }
    return json_response(body, 200, "application/json")
