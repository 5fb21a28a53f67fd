"""The one list of logged operations: what the sync API serves, what amo1c calls in 1C, what can be sent again."""

from __future__ import annotations

from backend.api.routes import sync_routes
from backend.models import Direction
from backend.onec import BaseClient
from backend.sync.operations import FROM_1C, INTO_1C, RESENDABLE, Operation, sync_request


def test_the_sync_api_serves_exactly_the_operations_1c_calls() -> None:
    served = {(method, route.path) for route in sync_routes() for method in (route.methods or ())}  # type: ignore[attr-defined]
    served -= {("HEAD", path) for _, path in served}  # Starlette adds HEAD to every GET
    requests = {tuple(sync_request(operation).split(" ")) for operation in FROM_1C}
    assert requests <= served
    assert {path for _, path in served - requests} == {"/sync/openapi.json"}


def test_calls_into_1c_are_the_1c_clients_calls_and_can_be_sent_again() -> None:
    assert all(callable(getattr(BaseClient, operation.value, None)) for operation in INTO_1C)  # 1C's own `type`s
    assert RESENDABLE <= INTO_1C
    assert {operation.direction for operation in INTO_1C} == {Direction.TO_1C}
    assert {operation.direction for operation in FROM_1C} == {Direction.FROM_1C}
    assert set(FROM_1C) | INTO_1C == set(Operation)


def test_a_call_served_as_another_operation_says_the_path_it_came_by() -> None:
    assert sync_request(Operation.CHECK_ACTIVE) == "GET /sync/check_active"
    assert sync_request(Operation.SET_HANDLERS) == "POST /update_handlers/set_handlers"
    assert sync_request(Operation.LEADS, "/sync/clients_companies") == "POST /sync/clients_companies"
