"""Each account's webhook subscription at amoCRM: a destination holding a per-account secret, and its health.

The secret is the only thing that ties a webhook to its account: a request to a destination with an unknown
secret is answered 404 by the surface. Even with the right secret a webhook is only a hint (sync.hints): amo1c
reads the entity back before it acts.
"""

from __future__ import annotations

import secrets as random_tokens
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from backend.amocrm import AmoCRMClient
from backend.amocrm.errors import AmoCRMError
from backend.models import Subscription
from backend.redaction import redact

WEBHOOK_EVENTS = ("status_lead", "update_lead", "update_contact", "update_company")
WEBHOOK_PATH = "/amocrm/webhooks/"


def destination(public_url: str, subscription: Subscription) -> str:
    """Where amoCRM sends the account's webhooks: AMO1C_PUBLIC_URL + /amocrm/webhooks/{secret}."""
    return f"{public_url.rstrip('/')}{WEBHOOK_PATH}{subscription.secret}"


async def subscription_of(account_id: int) -> Subscription:
    """The account's subscription row, made with a new secret the first time."""
    found = await Subscription.get_or_none(account_id=account_id)
    if found is not None:
        return found
    try:
        return await Subscription.create(account_id=account_id, secret=random_tokens.token_urlsafe(32))
    except IntegrityError:  # made a moment ago by another call
        return await Subscription.get(account_id=account_id)


async def subscribe(amo: AmoCRMClient, public_url: str) -> Subscription:
    """Subscribe the account's status and update webhooks to its destination (at install, and from «Восстановить
    подписку»); a refusal of amoCRM is kept on the row for the settings page, never raised."""
    subscription = await subscription_of(amo.account_id)
    try:
        await amo.subscribe_webhook(destination(public_url, subscription), WEBHOOK_EVENTS)
    except AmoCRMError as exc:
        await Subscription.filter(account_id=amo.account_id).update(last_error=str(exc)[:1000])
    else:
        await Subscription.filter(account_id=amo.account_id).update(subscribed_at=datetime.now(UTC), last_error=None)
    await subscription.refresh_from_db()
    return subscription


async def account_of_secret(secret: str) -> int | None:
    """The account a destination's secret belongs to, or None (a forged or stale destination)."""
    if not secret or len(secret) > 64:
        return None
    found = await Subscription.get_or_none(secret=secret)
    return None if found is None else int(found.account_id)


async def subscription_problem(amo: AmoCRMClient, public_url: str) -> str | None:
    """What keeps the account's webhooks from reaching this amo1c, or None: amo1c subscribed them and amoCRM holds
    that subscription, switched on, with every event amo1c needs. Raises AmoCRMError when amoCRM cannot be asked
    (listing subscriptions needs an administrator's token). The destination's secret is never in the answer."""
    found = await Subscription.get_or_none(account_id=amo.account_id)
    if found is None or found.subscribed_at is None:
        return "amo1c has never subscribed this account's webhooks"
    if found.last_error:
        return f"amoCRM refused the last subscription: {redact(found.last_error)}"
    held = await amo.webhook(destination(public_url, found))
    if held is None:
        return f"amoCRM holds no subscription to this amo1c's destination ({public_url.rstrip('/')}{WEBHOOK_PATH}…)"
    if held.disabled:
        return "amoCRM switched the subscription off (deliveries kept failing)"
    missing = [event for event in WEBHOOK_EVENTS if event not in held.events]
    if missing:
        return f"amoCRM's subscription lacks the events {', '.join(missing)}"
    return None
