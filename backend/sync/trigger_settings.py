"""The triggers an admin sets per base on the «Автоматизация» tab: a deal reaching a stage (pipeline and stage read
from the account's amoCRM), and the three opt-in "changed" triggers (a linked contact, company or deal's order).

One trigger of a kind per base, pipeline and stage: a second one is refused (and a unique index holds it for two
admins adding the same stage at once). What the triggers then do is sync.triggers' concern.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise.exceptions import IntegrityError

from backend.amocrm import Pipeline, Status
from backend.models import OneCBase, Trigger, TriggerKind
from backend.sync.errors import InvalidInput, NotFound
from backend.sync.rules import movable_stages

CHANGED_KINDS = (TriggerKind.CONTACT_CHANGED, TriggerKind.COMPANY_CHANGED, TriggerKind.DEAL_CHANGED)


class TriggerProblem(StrEnum):
    """What can be wrong with a stage trigger an admin adds (each has a text in the settings page's language)."""

    UNKNOWN_STAGE = "stage"  # the account's pipeline has no such stage (or it is "unsorted")
    DUPLICATE = "duplicate"  # the base has a trigger of that stage already


PROBLEM_TEXTS = {
    TriggerProblem.UNKNOWN_STAGE: "в этой воронке нет такого этапа",
    TriggerProblem.DUPLICATE: "для этого этапа у базы уже есть триггер",
}


class InvalidTrigger(InvalidInput):
    """A stage trigger an admin adds cannot be stored; `problem` says why."""

    def __init__(self, problem: TriggerProblem) -> None:
        super().__init__("stage", PROBLEM_TEXTS[problem])
        self.problem = problem


def trigger_stages(pipeline: Pipeline) -> list[Status]:
    """The stages a trigger may watch: every stage but "unsorted" (won and lost included)."""
    return movable_stages(pipeline)


async def stage_triggers(base: OneCBase) -> list[Trigger]:
    """The base's stage triggers in the order they were added."""
    return await Trigger.filter(base_id=base.id, kind=TriggerKind.STAGE).order_by("id")


async def changed_triggers(base: OneCBase) -> dict[TriggerKind, bool]:
    """Whether each "changed" trigger of the base is on (off when never set)."""
    stored = await Trigger.filter(base_id=base.id, kind__in=CHANGED_KINDS)
    enabled = {TriggerKind(trigger.kind): trigger.enabled for trigger in stored}
    return {kind: enabled.get(kind, False) for kind in CHANGED_KINDS}


async def add_stage_trigger(base: OneCBase, pipeline: Pipeline, status_id: int) -> Trigger:
    """Watch `pipeline`'s stage `status_id` for the base (a deal entering it sends its order to 1C); raises
    InvalidTrigger for a stage the pipeline lacks or one the base watches already."""
    if all(status.id != status_id for status in trigger_stages(pipeline)):
        raise InvalidTrigger(TriggerProblem.UNKNOWN_STAGE)
    place = Trigger.filter(base_id=base.id, kind=TriggerKind.STAGE, pipeline_id=pipeline.id, status_id=status_id)
    if await place.exists():
        raise InvalidTrigger(TriggerProblem.DUPLICATE)
    try:
        return await Trigger.create(
            base_id=base.id, kind=TriggerKind.STAGE, pipeline_id=pipeline.id, status_id=status_id
        )
    except IntegrityError:  # added by another request a moment ago
        raise InvalidTrigger(TriggerProblem.DUPLICATE) from None


async def set_changed_trigger(base: OneCBase, kind: TriggerKind, enabled: bool) -> Trigger:
    """Turn a "changed" trigger of the base on or off; raises NotFound for a kind that is not one of those."""
    if kind not in CHANGED_KINDS:
        raise NotFound
    for _ in range(2):
        found = await Trigger.filter(base_id=base.id, kind=kind).first()
        if found is not None:
            await Trigger.filter(id=found.id).update(enabled=enabled)
            found.enabled = enabled
            return found
        try:
            return await Trigger.create(base_id=base.id, kind=kind, enabled=enabled)
        except IntegrityError:  # set by another request a moment ago: change that one
            continue
    raise NotFound


async def trigger_of(account_id: int, trigger_id: int) -> Trigger:
    """The account's trigger `trigger_id` with its base; raises NotFound (another account's included)."""
    found = await Trigger.filter(id=trigger_id, base__account_id=account_id).prefetch_related("base").first()
    if found is None:
        raise NotFound
    return found


async def remove_trigger(trigger: Trigger) -> None:
    """Delete a trigger with what it remembered of the deals it watched."""
    await Trigger.filter(id=trigger.id).delete()
