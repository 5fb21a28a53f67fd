"""The account's event rules (spec 2.6): which stage a 1C event moves a deal of each pipeline to, and the note."""

from __future__ import annotations

from backend.amocrm import Pipeline, Status
from backend.amocrm.records import LOST_STATUS_ID, WON_STATUS_ID
from backend.models import EventName, EventRule
from backend.sync.errors import InvalidInput


async def rules_of(account_id: int) -> dict[tuple[EventName, int], EventRule]:
    """Every rule of the account by (event, pipeline id)."""
    rules = await EventRule.filter(account_id=account_id)
    return {(EventName(rule.event_name), int(rule.pipeline_id)): rule for rule in rules}


def movable_stages(pipeline: Pipeline) -> list[Status]:
    """The stages a rule may name: every stage of the pipeline but "unsorted" (won and lost included)."""
    return [
        status for status in pipeline.statuses if not status.is_system or status.id in (WON_STATUS_ID, LOST_STATUS_ID)
    ]


def check_stage(pipeline: Pipeline, status_id: int | None) -> None:
    """Raise InvalidInput unless `status_id` is None (keep the stage) or one of `movable_stages(pipeline)`."""
    if status_id is not None and all(status.id != status_id for status in movable_stages(pipeline)):
        raise InvalidInput("status_id", f"в воронке «{pipeline.name}» нет этапа {status_id}")


async def set_rule(
    account_id: int, event: EventName, pipeline_id: int, status_id: int | None, add_note: bool
) -> EventRule:
    """Store the rule of `event` for a pipeline (replacing the previous one); the stage must be checked first."""
    rule, _ = await EventRule.update_or_create(
        account_id=account_id,
        event_name=event,
        pipeline_id=pipeline_id,
        defaults={"status_id": status_id, "add_note": add_note},
    )
    return rule
