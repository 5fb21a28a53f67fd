"""The `/_fake/...` control endpoints: JSON in and out, never rate limited, never in the request log."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.fakes.amocrm.catalog import field_json, user_json
from backend.fakes.amocrm.faults import Fault
from backend.fakes.amocrm.responses import json_response
from backend.fakes.amocrm.snapshot import account_snapshot, counters
from backend.fakes.amocrm.world import UnknownAccount, UnknownEntity, World

JSON = "application/json"


class ControlError(Exception):
    """Raised by a control handler to answer 400 (or another status) with {"detail": …}."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


ControlHandler = Callable[[Request, dict[str, Any]], Awaitable[Response]]


def control_endpoint(handler: ControlHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a control handler: parse an optional JSON object body and turn errors into JSON answers."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ControlError("body must be a JSON object")
            return await handler(request, body)
        except json.JSONDecodeError:
            return json_response({"detail": "body is not valid JSON"}, 400, JSON)
        except ControlError as exc:
            return json_response({"detail": exc.detail}, exc.status, JSON)
        except UnknownAccount as exc:
            return json_response({"detail": f"no account {exc.args[0]}"}, 404, JSON)
        except UnknownEntity as exc:
            return json_response({"detail": str(exc.args[0])}, 404, JSON)
        except (ValueError, TypeError) as exc:
            return json_response({"detail": str(exc)}, 400, JSON)
        except Exception as exc:  # a fake must never leak a traceback to its client
            return json_response({"detail": f"fake failed: {type(exc).__name__}: {exc}"}, 500, JSON)

    return endpoint


def int_value(value: Any, name: str) -> int:
    """Return value as an int; raises ControlError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f"{name} must be an integer")
    return int(value)


def optional_str(value: Any, name: str) -> str | None:
    """Return value when it is a string or None; raises ControlError."""
    if value is not None and not isinstance(value, str):
        raise ControlError(f"{name} must be a string")
    return value


def account_id_of(request: Request) -> int:
    """Return the account id in the path."""
    account_id: int = request.path_params["account_id"]
    return account_id


def control_routes(world: World) -> list[Route]:
    """Return the control routes bound to one fake's state."""

    async def list_accounts(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/accounts -> {"accounts": [{account_id, subdomain, name, counters}]}."""
        accounts = [
            {"account_id": a.id, "subdomain": a.subdomain, "name": a.name, "counters": counters(a)}
            for a in world.accounts.values()
        ]
        return json_response({"accounts": accounts}, 200, JSON)

    async def create_account(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts {subdomain?, name?} -> 201 {account_id, subdomain, name, admin_user_id, code, users}."""
        subdomain = optional_str(body.get("subdomain"), "subdomain") or f"test{len(world.accounts) + 1}"
        name = optional_str(body.get("name"), "name") or subdomain
        account = world.add_account(subdomain=subdomain, name=name)
        answer = {
            "account_id": account.id,
            "subdomain": account.subdomain,
            "name": account.name,
            "admin_user_id": account.admin_id,
            "code": world.issue_code(account.id),
            "users": [user_json(str(request.base_url).rstrip("/"), u) for u in account.users.values()],
        }
        return json_response(answer, 201, JSON)

    async def issue_code(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/codes {user_id?} -> 201 {code}."""
        user_id = body.get("user_id")
        code = world.issue_code(account_id_of(request), None if user_id is None else int_value(user_id, "user_id"))
        return json_response({"code": code}, 201, JSON)

    async def state(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/accounts/{id}/state -> the account snapshot."""
        account = world.account(account_id_of(request))
        return json_response(account_snapshot(str(request.base_url).rstrip("/"), account), 200, JSON)

    async def expire_tokens(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/expire_tokens -> {expired: n}."""
        account = world.account(account_id_of(request))
        return json_response({"expired": world.tokens.expire_access(account.id)}, 200, JSON)

    async def add_fields(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/accounts/{id}/custom_fields {entity, fields: [...]} -> 201 {custom_fields}."""
        fields = body.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
            raise ControlError("fields must be an array of objects")
        created = world.add_custom_fields(account_id_of(request), str(body.get("entity")), fields)
        account = world.account(account_id_of(request))
        base = str(request.base_url).rstrip("/")
        return json_response({"custom_fields": [field_json(base, account, f) for f in created]}, 201, JSON)

    async def requests_log(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/requests[?account_id=] -> {requests}; DELETE clears it -> 204."""
        if request.method == "DELETE":
            world.requests.clear()
            return Response(status_code=204)
        wanted = request.query_params.get("account_id")
        records = [r.as_json() for r in world.requests if wanted is None or str(r.account_id) == wanted]
        return json_response({"requests": records}, 200, JSON)

    async def fail_next(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/fail_next {n?, status?, body?, content_type?, path_prefix?, account_id?, after_apply?}."""
        fault = _fault_from(body, status=int_value(body.get("status", 500), "status"), seconds=0.0)
        return json_response({"fault": world.faults.add(fault).as_json()}, 201, JSON)

    async def hang_next(request: Request, body: dict[str, Any]) -> Response:
        """POST /_fake/hang_next {seconds, n?, path_prefix?, account_id?, after_apply?}."""
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ControlError("seconds must be a number")
        fault = _fault_from(body, status=None, seconds=float(seconds))
        return json_response({"fault": world.faults.add(fault).as_json()}, 201, JSON)

    async def faults(request: Request, body: dict[str, Any]) -> Response:
        """GET /_fake/faults -> {faults}; DELETE drops them -> 204."""
        if request.method == "DELETE":
            world.faults.clear()
            return Response(status_code=204)
        return json_response({"faults": [f.as_json() for f in world.faults.pending]}, 200, JSON)

    async def rps_limit(request: Request, body: dict[str, Any]) -> Response:
        """GET, PUT or POST /_fake/rps_limit {rps_limit} -> {rps_limit}; 0 means unlimited."""
        if request.method != "GET":
            limit = int_value(body.get("rps_limit"), "rps_limit")
            if limit < 0:
                raise ControlError("rps_limit must not be negative")
            world.limiter.limit = limit
        return json_response({"rps_limit": world.limiter.limit}, 200, JSON)

    account_path = "/_fake/accounts/{account_id:int}"
    return [
        Route("/_fake/accounts", control_endpoint(list_accounts), methods=["GET"]),
        Route("/_fake/accounts", control_endpoint(create_account), methods=["POST"]),
        Route(f"{account_path}/codes", control_endpoint(issue_code), methods=["POST"]),
        Route(f"{account_path}/state", control_endpoint(state), methods=["GET"]),
        Route(f"{account_path}/expire_tokens", control_endpoint(expire_tokens), methods=["POST"]),
        Route(f"{account_path}/custom_fields", control_endpoint(add_fields), methods=["POST"]),
        Route("/_fake/requests", control_endpoint(requests_log), methods=["GET", "DELETE"]),
        Route("/_fake/fail_next", control_endpoint(fail_next), methods=["POST"]),
        Route("/_fake/hang_next", control_endpoint(hang_next), methods=["POST"]),
        Route("/_fake/faults", control_endpoint(faults), methods=["GET", "DELETE"]),
        Route("/_fake/rps_limit", control_endpoint(rps_limit), methods=["GET", "PUT", "POST"]),
    ]


def _fault_from(body: dict[str, Any], status: int | None, seconds: float) -> Fault:
    """Build a fault from a control body's common keys; raises ControlError."""
    account_id = body.get("account_id")
    content_type = optional_str(body.get("content_type"), "content_type")
    return Fault(
        remaining=int_value(body.get("n", 1), "n"),
        status=status,
        seconds=seconds,
        body=body.get("body"),
        content_type=content_type,
        path_prefix=optional_str(body.get("path_prefix"), "path_prefix"),
        account_id=None if account_id is None else int_value(account_id, "account_id"),
        after_apply=bool(body.get("after_apply", False)),
        method=(optional_str(body.get("method"), "method") or "").upper() or None,
    )
