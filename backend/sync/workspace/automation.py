"""The «Автоматизация» tab's operations for one account: each base's triggers, the outbox of calls into 1C (counts,
pages, an intent's attempts, «Отправить сейчас», «Отменить») and the health of the account's webhook subscription
(«Восстановить подписку»)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.amocrm import Pipeline, Status
from backend.models import Intent, IntentState, OneCBase, Subscription, Trigger, TriggerKind
from backend.sync.errors import Conflict
from backend.sync.log import masked_error
from backend.sync.outbox_pages import (
    IntentHistory,
    Listed,
    OutboxFilter,
    OutboxPage,
    OutboxSummary,
    history_of,
    listed_intent,
    outbox_page,
    outbox_summary,
)
from backend.sync.subscriptions import WEBHOOK_EVENTS, WEBHOOK_PATH, subscribe
from backend.sync.trigger_settings import (
    add_stage_trigger,
    changed_triggers,
    remove_trigger,
    set_changed_trigger,
    stage_triggers,
    trigger_of,
    trigger_stages,
)

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


@dataclass(frozen=True)
class SubscriptionHealth:
    """The account's webhook subscription as the tab shows it (None: amo1c never subscribed it; its error masked),
    where hooks go (the secret left out), the events, and whether the reconciliation runs (only with a trigger on)."""

    subscription: Subscription | None
    destination: str
    events: tuple[str, ...]
    reconciling: bool


RESENDABLE = (IntentState.PENDING, IntentState.FAILED, IntentState.DEAD)  # what «Отправить сейчас» and «Отменить» take


class Automation:
    """What the «Автоматизация» tab reads and does, scoped to the workspace's account."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def pipelines(self) -> list[Pipeline]:
        """The account's pipelines with their stages, read from amoCRM; raises AmoCRMError, NotFound."""
        return await self.workspace.rules.pipelines()

    @staticmethod
    def stages(pipeline: Pipeline) -> list[Status]:
        """The stages of `pipeline` a trigger may watch."""
        return trigger_stages(pipeline)

    async def stage_triggers(self, base: OneCBase) -> list[Trigger]:
        """The base's stage triggers, oldest first."""
        return await stage_triggers(self.workspace.mine(base))

    async def changed_triggers(self, base: OneCBase) -> dict[TriggerKind, bool]:
        """Whether each of the base's three "changed" triggers is on."""
        return await changed_triggers(self.workspace.mine(base))

    async def add_stage_trigger(self, base: OneCBase, pipeline: Pipeline, status_id: int) -> Trigger:
        """Send a deal's order to the base when it enters `pipeline`'s stage `status_id` (a pipeline of this
        account); raises InvalidTrigger (no such stage, or the base watches it already)."""
        return await add_stage_trigger(self.workspace.mine(base), pipeline, status_id)

    async def set_changed(self, base: OneCBase, kind: TriggerKind, enabled: bool) -> Trigger:
        """Turn one of the base's "changed" triggers on or off; raises NotFound for another kind."""
        return await set_changed_trigger(self.workspace.mine(base), kind, enabled)

    async def trigger(self, trigger_id: int) -> Trigger:
        """The account's trigger with its base; raises NotFound (another account's included)."""
        return await trigger_of(self.workspace.account_id, trigger_id)

    async def remove(self, trigger: Trigger) -> None:
        """Delete one of the account's triggers; raises NotFound for another account's."""
        self.workspace.mine(trigger.base)
        await remove_trigger(trigger)

    async def health(self) -> SubscriptionHealth:
        """The account's webhook subscription and whether the reconciliation runs."""
        account_id = self.workspace.account_id
        subscription = await Subscription.get_or_none(account_id=account_id)
        if subscription is not None and subscription.last_error:
            subscription.last_error = masked_error(subscription.last_error)
        reconciling = await Trigger.exists(enabled=True, base__account_id=account_id, base__awaiting_change=False)
        public_url = self.workspace.domain.settings.public_url.rstrip("/")
        return SubscriptionHealth(subscription, f"{public_url}{WEBHOOK_PATH}…", WEBHOOK_EVENTS, reconciling)

    async def resubscribe(self) -> SubscriptionHealth:
        """Subscribe the account's webhooks again («Восстановить подписку»); amoCRM's refusal is kept on the row
        (`last_error`), never raised. Raises NotFound when the account is gone."""
        await subscribe(await self.workspace.amo(), self.workspace.domain.settings.public_url)
        return await self.health()

    async def outbox_summary(self) -> OutboxSummary:
        """The account's intents counted by state, and the next attempt."""
        return await outbox_summary(self.workspace.account_id)

    async def intents(self, filters: OutboxFilter, before: int | None = None) -> OutboxPage:
        """The newest intents the filters let through, older than `before` when given."""
        return await outbox_page(self.workspace.account_id, filters, before)

    async def intent(self, intent_id: int) -> Listed:
        """The account's intent as the list shows it; raises NotFound (another account's included)."""
        return await listed_intent(self.workspace.account_id, intent_id)

    async def history(self, listed: Listed) -> IntentHistory:
        """The intent's attempts, newest first."""
        return await history_of(listed.intent)

    async def send_now(self, listed: Listed) -> Listed:
        """Make a waiting, failed or dead intent due and send it at once, waiting for 1C's answer as a card button
        does; the intent as it stands afterwards (delivered, failed, or waiting with its error and next attempt).
        Raises Conflict for an intent being sent, delivered or cancelled."""
        domain = self.workspace.domain
        intent = await domain.outbox.retry(_resendable(listed))
        await domain.outbox.send_now(intent, wait=domain.settings.onec_timeout * 2 + 5)
        return await self.intent(intent.id)

    async def cancel(self, listed: Listed) -> Listed:
        """Discard a waiting, failed or dead intent; raises Conflict for one being sent, delivered or cancelled."""
        await self.workspace.domain.outbox.cancel(_resendable(listed))
        return await self.intent(listed.intent.id)


def _resendable(listed: Listed) -> Intent:
    """The intent of `listed` when «Отправить сейчас» and «Отменить» may take it; raises Conflict."""
    intent = listed.intent
    if intent.state == IntentState.CANCELLED:
        raise Conflict("намерение отменено: чтобы отправить снова, нажмите кнопку в карточке или дождитесь триггера")
    if intent.state not in RESENDABLE:
        raise Conflict("намерение уже отправляется или доставлено")
    return intent
