"""What amoCRM calls on its own: account webhooks (`/amocrm/webhooks/{secret}`) and the digital pipeline action
(`/amocrm/dp`). Both only record a hint and answer at once (amoCRM gives a receiver about 2 seconds); the entity
is read back from amoCRM later by the background task, never trusted from the body (sync.hints, sync.triggers).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend import metrics
from backend.sync import hints
from backend.sync.domain import Domain
from backend.sync.subscriptions import WEBHOOK_PATH, account_of_secret

logger = logging.getLogger("amo1c.webhooks")

MAX_BODY = 256 * 1024
MAX_FIELDS = 2000


async def account_webhook(request: Request) -> Response:
    """POST /amocrm/webhooks/{secret}: the account's entities changed; 404 for a secret no account has."""
    account_id = await account_of_secret(str(request.path_params["secret"]))
    if account_id is None:
        metrics.webhook("webhook", "not_found")
        return PlainTextResponse("not found", status_code=404)
    body = await _form(request)
    if body is None:
        metrics.webhook("webhook", "bad_request")
        return PlainTextResponse("bad request", status_code=400)
    metrics.webhook("webhook", "accepted")
    state = request.app.state  # this worker's: when it last wrote each account's «last hook received»
    if not hasattr(state, "hook_stamps"):
        state.hook_stamps = {}
    stamp = hints.stamp_due(state.hook_stamps, account_id)
    count = await hints.record(account_id, hints.entities_of_webhook(body), "webhook", stamp=stamp)
    _wake(request)
    return PlainTextResponse(f"ok {count}")


async def digital_pipeline(request: Request) -> Response:
    """POST /amocrm/dp: a deal entered the stage where an admin put «Отправить заказ в 1С»; 404 when the hook
    names no installed account or no deal."""
    body = await _form(request) if "json" not in request.headers.get("content-type", "") else await _json(request)
    if body is None:
        metrics.webhook("dp", "bad_request")
        return PlainTextResponse("bad request", status_code=400)
    account_hint, subdomain, deal_id = hints.deal_of_dp_hook(body)
    account_id = await hints.account_for_dp_hook(account_hint, subdomain)
    if account_id is None or deal_id is None:
        metrics.webhook("dp", "not_found")
        return PlainTextResponse("not found", status_code=404)
    metrics.webhook("dp", "accepted")
    await hints.record(account_id, [("leads", deal_id)], "dp")
    _wake(request)
    return PlainTextResponse("ok")


def _wake(request: Request) -> None:
    """Have this worker's background task read the hint now rather than at its next idle round."""
    domain: Domain = request.app.state.domain
    domain.work_arrived()


async def _form(request: Request) -> dict[str, str] | None:
    """The form body as text fields, or None when it is too large or not a form."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return None
    try:
        form: FormData = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except Exception:  # a malformed body from a stranger: nothing to record
        return None
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def _json(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


routes = [
    Route(WEBHOOK_PATH + "{secret}", account_webhook, methods=["POST"]),
    Route("/amocrm/dp", digital_pipeline, methods=["POST"]),
]
