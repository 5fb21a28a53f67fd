"""What a manager does in amoCRM's own interface, for tests and the demo: move a deal, edit a card.

Each action stores the change as the API would (updated_at from the fake's wall clock, updated_by the manager)
and raises the same webhooks.
"""

from __future__ import annotations

from backend.fakes.amocrm.state import SYSTEM_STATUS_IDS, Entity
from backend.fakes.amocrm.webhooks import Touched
from backend.fakes.amocrm.world import World


def move_lead(
    world: World,
    account_id: int,
    lead_id: int,
    status_id: int,
    pipeline_id: int | None = None,
    user_id: int | None = None,
) -> Entity:
    """Move a lead to a status (of `pipeline_id`, else of its own pipeline); raises UnknownEntity or ValueError."""
    account = world.account(account_id)
    lead = world.entity(account_id, "leads", lead_id)
    target = pipeline_id if pipeline_id is not None else lead.pipeline_id
    pipeline = account.pipelines.get(target or 0)
    if pipeline is None:
        raise ValueError(f"pipeline {target} is not in account {account_id}")
    if pipeline.status(status_id) is None:
        raise ValueError(f"status {status_id} is not in pipeline {pipeline.id}")
    before = Touched(lead, False, lead.status_id, lead.pipeline_id)
    now = world.now()
    lead.status_id, lead.pipeline_id = status_id, pipeline.id
    lead.closed_at = now if status_id in SYSTEM_STATUS_IDS else None
    _stamp(lead, now, account.admin_id if user_id is None else user_id)
    world.hooks.announce(account, [before])
    return lead


def touch_entity(
    world: World,
    account_id: int,
    entity_type: str,
    entity_id: int,
    name: str | None = None,
    user_id: int | None = None,
) -> Entity:
    """Save a card (renaming it when `name` is given); raises UnknownAccount, UnknownEntity or ValueError."""
    account = world.account(account_id)
    entity = world.entity(account_id, entity_type, entity_id)
    if name is not None:
        entity.name = name
    _stamp(entity, world.now(), account.admin_id if user_id is None else user_id)
    world.hooks.announce(account, [Touched(entity, False, entity.status_id, entity.pipeline_id)])
    return entity


def _stamp(entity: Entity, now: int, user_id: int) -> None:
    """Record who changed an entity and when."""
    entity.updated_at = now
    entity.updated_by = user_id
