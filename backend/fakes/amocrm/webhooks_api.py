"""API handlers for `/api/v4/webhooks`: list (with `filter[destination]`), subscribe, unsubscribe by destination.

Shapes follow amoCRM's webhooks-api page and Kommo's webhooks reference: the list is `{_total_items,
_embedded: {webhooks}}`, a subscription answers the webhook object, an unsubscription answers 204. Only an
account administrator may use them (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backend.fakes.amocrm.custom_values import MISSING, error, invalid_type
from backend.fakes.amocrm.gateway import ApiCall
from backend.fakes.amocrm.responses import ApiError, ValidationFailed, json_response, no_content
from backend.fakes.amocrm.webhooks import subscription_problems


def _require_admin(call: ApiCall) -> None:
    """Refuse a token of a user who is not an account administrator; raises ApiError (403)."""
    user = call.account.users.get(call.user_id)
    if user is None or not user.is_admin:
        raise ApiError(403, "Method is available for administrator of the account only")


def _object_body(call: ApiCall) -> dict[str, Any]:
    """Return the JSON object body; raises ApiError (400) for anything else."""
    body = call.json()
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def list_webhooks(call: ApiCall) -> Response:
    """GET /api/v4/webhooks: the account's subscriptions, 204 when there are none."""
    _require_admin(call)
    destination = call.request.query_params.get("filter[destination]")
    webhooks = call.world.hooks.webhooks(call.account.id, destination)
    if not webhooks:
        return no_content()
    return json_response({"_total_items": len(webhooks), "_embedded": {"webhooks": [w.as_json() for w in webhooks]}})


def add_webhook(call: ApiCall) -> Response:
    """POST /api/v4/webhooks {destination, settings, sort?}: subscribe (a known destination gets the new events)."""
    _require_admin(call)
    body = _object_body(call)
    problems = subscription_problems(body.get("destination"), body.get("settings"), body.get("sort"))
    if problems:
        raise ValidationFailed([{"request_id": "0", "errors": problems}])
    hooks = call.world.hooks
    webhook = hooks.subscribe(call.account.id, body["destination"], body["settings"], call.user_id, body.get("sort"))
    return json_response(webhook.as_json())


def delete_webhook(call: ApiCall) -> Response:
    """DELETE /api/v4/webhooks {destination}: unsubscribe; 204, or 404 when the destination is not subscribed."""
    _require_admin(call)
    destination = _object_body(call).get("destination")
    if not isinstance(destination, str):
        problem = error("FieldMissing", "destination", MISSING) if destination is None else None
        raise ValidationFailed([{"request_id": "0", "errors": [problem or invalid_type("destination", "string")]}])
    if not call.world.hooks.unsubscribe(call.account.id, destination):
        raise ApiError(404, f"No webhook with destination {destination}")
    return no_content()
