"""The event rules page's operations for one account: its pipelines as amoCRM has them, its rules, saving one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.amocrm import Pipeline, Status
from backend.models import EventName, EventRule
from backend.sync.errors import NotFound
from backend.sync.rules import check_stage, movable_stages, rules_of, set_rule

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


class Rules:
    """What the event rules page reads and stores, scoped to the workspace's account."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def pipelines(self) -> list[Pipeline]:
        """The account's pipelines with their stages, read from amoCRM; raises AmoCRMError, NotFound."""
        return await (await self.workspace.amo()).pipelines()

    async def pipeline(self, pipeline_id: int) -> Pipeline:
        """One of the account's pipelines; raises NotFound when amoCRM has no such, AmoCRMError."""
        pipeline = next((item for item in await self.pipelines() if item.id == pipeline_id), None)
        if pipeline is None:
            raise NotFound
        return pipeline

    async def rules(self) -> dict[tuple[EventName, int], EventRule]:
        """Every rule of the account by (event, pipeline id)."""
        return await rules_of(self.workspace.account_id)

    @staticmethod
    def stages(pipeline: Pipeline) -> list[Status]:
        """The stages a rule of `pipeline` may name."""
        return movable_stages(pipeline)

    async def save(self, event: EventName, pipeline: Pipeline, status_id: int | None, add_note: bool) -> EventRule:
        """Store the rule of `event` for `pipeline` (a pipeline of this account): move to `status_id` (None keeps
        the stage), add a note or not; raises InvalidInput when the pipeline has no such stage a rule may name."""
        check_stage(pipeline, status_id)
        return await set_rule(self.workspace.account_id, event, pipeline.id, status_id, add_note)
