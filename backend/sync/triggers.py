"""Triggers: what amoCRM says now (never what a hook said) turned into outbox intents.

A hint names an entity; if a base of the account has an enabled trigger that could care, the entity is read back
from amoCRM and each trigger decides:
- a stage trigger queues `new_order` when the deal is in its stage and was not when last seen (it fires on
  entering, not on every later change);
- a "changed" trigger queues `new_lead` (contact, company) or `new_order` (deal) when the entity is linked to 1C
  in that base and amoCRM changed it after amo1c's own last write of it (amo1c's writes do not echo back to 1C).
Each intent carries the state that decided it as its fingerprint, so a webhook, the digital pipeline and the
reconciliation announcing the same change queue it once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from backend.amocrm import AmoCRMClient, Company, Contact, Lead
from backend.models import (
    Account,
    EntityKind,
    EntityLink,
    Intent,
    IntentKind,
    OneCBase,
    StageVisit,
    Subscription,
    Trigger,
    TriggerKind,
)
from backend.sync.outbox import enqueue
from backend.sync.subscriptions import subscription_of

logger = logging.getLogger("amo1c.triggers")

OWN_WRITE_GRACE = timedelta(seconds=5)  # a change this close after amo1c's own write of the entity is that write
KINDS_OF = {
    "leads": (TriggerKind.STAGE, TriggerKind.DEAL_CHANGED),
    "contacts": (TriggerKind.CONTACT_CHANGED,),
    "companies": (TriggerKind.COMPANY_CHANGED,),
}
ENTITY_KINDS = {"leads": EntityKind.LEAD, "contacts": EntityKind.CONTACT, "companies": EntityKind.COMPANY}
SOURCES = {"webhook": "вебхук amoCRM", "dp": "цифровая воронка", "reconcile": "сверка с amoCRM"}


async def triggers_for(account_id: int, entity: str) -> list[Trigger]:
    """The enabled triggers of the account's approved bases that care about changes of `entity`."""
    return await Trigger.filter(
        base__account_id=account_id, base__awaiting_change=False, enabled=True, kind__in=KINDS_OF.get(entity, ())
    ).prefetch_related("base")


async def read_back(amo: AmoCRMClient, entity: str, amo_id: int) -> Lead | Contact | Company | None:
    """The entity as amoCRM has it now, or None when it does not; raises AmoCRMError."""
    if entity == "leads":
        return await amo.get_lead(amo_id)
    if entity == "contacts":
        return await amo.get_contact(amo_id)
    return await amo.get_company(amo_id)


async def evaluate(
    amo: AmoCRMClient, entity: str, found: Lead | Contact | Company, triggers: list[Trigger], source: str
) -> int:
    """Queue what the triggers decide for the entity as amoCRM has it now; how many intents are new."""
    queued = 0
    for trigger in triggers:
        base: OneCBase = trigger.base
        if trigger.kind == TriggerKind.STAGE:
            queued += await _stage(trigger, base, found, source) if isinstance(found, Lead) else 0
        else:
            queued += await _changed(trigger, base, entity, found, source)
    return queued


async def on_hint(amo: AmoCRMClient, entity: str, amo_id: int, source: str) -> int:
    """Read the hinted entity back and queue what the triggers decide; how many intents are new (0 without a
    trigger that cares: then amoCRM is not even asked). Raises AmoCRMError."""
    triggers = await triggers_for(amo.account_id, entity)
    if not triggers:
        return 0
    found = await read_back(amo, entity, amo_id)
    return 0 if found is None else await evaluate(amo, entity, found, triggers, source)


async def _stage(trigger: Trigger, base: OneCBase, lead: Lead, source: str) -> int:
    inside = lead.pipeline_id == trigger.pipeline_id and lead.status_id == trigger.status_id
    visit, _ = await StageVisit.get_or_create(trigger_id=trigger.id, amo_id=lead.id)
    if not inside:
        if visit.in_stage:
            await StageVisit.filter(id=visit.id).update(in_stage=False)
        return 0
    if not await StageVisit.filter(id=visit.id, in_stage=False).update(in_stage=True):
        return 0  # already in the stage when last seen (or another worker saw it enter just now)
    cause = f"сделка перешла на этап {trigger.status_id} ({SOURCES.get(source, source)})"
    return await _queue(base, IntentKind.NEW_ORDER, EntityKind.LEAD, lead.id, f"stage:{trigger.id}:{lead.updated_at}",
                        cause)  # fmt: skip


async def _changed(trigger: Trigger, base: OneCBase, entity: str, found: Lead | Contact | Company, source: str) -> int:
    kind = ENTITY_KINDS[entity]
    link = await EntityLink.filter(base_id=base.id, kind=kind, amo_id=found.id).order_by("-updated_at").first()
    if link is None:
        return 0  # not linked to 1C in this base: nothing to update there
    changed_at = datetime.fromtimestamp(found.updated_at, UTC)
    if changed_at <= link.updated_at + OWN_WRITE_GRACE:
        return 0  # amo1c's own write (or older): sending it back would echo 1C's data to 1C
    intent_kind = IntentKind.NEW_ORDER if kind == EntityKind.LEAD else IntentKind.NEW_LEAD
    cause = f"изменение в amoCRM ({SOURCES.get(source, source)})"
    return await _queue(base, intent_kind, kind, found.id, f"changed:{found.updated_at}", cause)


async def _queue(
    base: OneCBase, kind: IntentKind, entity: EntityKind, amo_id: int, fingerprint: str, cause: str
) -> int:
    decided = Intent.filter(base_id=base.id, kind=kind, entity_kind=entity, amo_id=amo_id, fingerprint=fingerprint)
    if await decided.exists():
        return 0
    await enqueue(base, kind, entity_kind=entity, amo_id=amo_id, cause=cause, fingerprint=fingerprint)
    return 1


RECONCILE_EVERY = timedelta(minutes=3)
RECONCILE_OVERLAP = timedelta(minutes=1)  # read a little before the last mark: clocks and late writes


async def accounts_to_reconcile(now: datetime) -> list[Account]:
    """Active accounts with an enabled trigger whose last reconciliation is RECONCILE_EVERY old (or never ran)."""
    with_triggers = await Trigger.filter(enabled=True, base__awaiting_change=False).values_list(
        "base__account_id", flat=True
    )
    due = []
    for account in await Account.filter(id__in=set(with_triggers), active=True):
        subscription = await Subscription.get_or_none(account_id=account.id)
        last = subscription.last_reconciled_at if subscription is not None else None
        if last is None or now - last >= RECONCILE_EVERY:
            due.append(account)
    return due


async def reconcile(amo: AmoCRMClient, now: datetime) -> int:
    """One reconciliation pass of an account: every entity a trigger cares about that amoCRM changed since the last
    pass is evaluated as a hint; how many intents it queued that no hook had (counted as caught). Raises
    AmoCRMError (the pass is then tried again next round, from the same mark)."""
    subscription = await Subscription.get_or_none(account_id=amo.account_id)
    since = subscription.reconciled_until if subscription is not None and subscription.reconciled_until else None
    since = (since - RECONCILE_OVERLAP) if since is not None else now - RECONCILE_EVERY - RECONCILE_OVERLAP
    caught = 0
    for entity in ("leads", "contacts", "companies"):
        triggers = await triggers_for(amo.account_id, entity)
        if not triggers:
            continue
        for found in await amo.changed_since(entity, int(since.timestamp())):
            caught += await evaluate(amo, entity, found, triggers, "reconcile")
    marks = {"last_reconciled_at": now, "reconciled_until": now}
    if subscription is None:
        subscription = await subscription_of(amo.account_id)  # its row holds the marks
    await Subscription.filter(account_id=amo.account_id).update(caught=subscription.caught + caught, **marks)
    if caught:
        logger.info("reconciliation of account %s caught %s changes no hook announced", amo.account_id, caught)
    return caught
