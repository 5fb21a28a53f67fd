"""What a manager does in amoCRM's own interface, for tests, benchmarks and the demo: move a deal, edit a card, add
cards (one by one or imported from a file).

Each action stores the change as the API would (updated_at from the fake's wall clock, updated_by the manager)
and raises the same webhooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.fakes.amocrm.state import ENTITY_TYPES, SYSTEM_STATUS_IDS, Entity
from backend.fakes.amocrm.webhooks import Touched
from backend.fakes.amocrm.world import World
from backend.fakes.amocrm.writes import apply_change, parse_batch


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


def add_entities(
    world: World, account_id: int, entity_type: str, items: Sequence[Any], user_id: int | None = None
) -> list[Entity]:
    """Add contacts, companies or leads given as the API's create bodies (any number: an import, not a request);
    raises UnknownAccount, ValueError (bad type) or ValidationFailed, storing nothing then."""
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"entity must be one of {', '.join(ENTITY_TYPES)}")
    account = world.account(account_id)
    changes = parse_batch(account, entity_type, list(items), creating=True)
    who, now = account.admin_id if user_id is None else user_id, world.now()
    created = [apply_change(account, world.ids, entity_type, change, who, now) for change in changes]
    world.hooks.announce(account, [Touched(entity, True, None, None) for entity in created])
    return created


def _stamp(entity: Entity, now: int, user_id: int) -> None:
    """Record who changed an entity and when."""
    entity.updated_at = now
    entity.updated_by = user_id
