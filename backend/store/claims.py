"""Taking outbox intents to send: a lease on each, so that a worker killed mid-send loses nothing (the lease runs
out and another worker takes it again), and in order per base and amoCRM entity (an intent waits while an older one
of the same entity is still waiting or being sent).

PostgreSQL: one statement with `FOR UPDATE SKIP LOCKED`, so workers never wait for each other's rows. SQLite: one
process by design; each row is taken by a conditional update, so two tasks of the process never take the same one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from tortoise import Tortoise
from tortoise.expressions import Q

from backend.models import Intent, IntentState

# An intent may be sent when it is due (or its lease ran out) and no older intent of the same base and entity is
# still waiting or being sent. `$n` placeholders for PostgreSQL; SQLite gets `?` (see _sql).
_ELIGIBLE = """
    ((i."state" = 'pending' AND i."next_attempt_at" <= {now})
     OR (i."state" = 'sending' AND i."lease_until" < {now}))
    AND NOT EXISTS (
        SELECT 1 FROM "outbox_intent" o
        WHERE o."base_id" = i."base_id"
          AND COALESCE(o."entity_kind", '') = COALESCE(i."entity_kind", '')
          AND COALESCE(o."amo_id", 0) = COALESCE(i."amo_id", 0)
          AND o."id" < i."id"
          AND o."state" IN ('pending', 'sending')
    )
"""
CLAIM_DUE_POSTGRES = f"""
UPDATE "outbox_intent" SET "state" = 'sending', "lease_until" = $2, "updated_at" = $1
WHERE "id" IN (
    SELECT i."id" FROM "outbox_intent" i
    WHERE {_ELIGIBLE.format(now="$1")}
    ORDER BY i."next_attempt_at", i."id"
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
RETURNING "id"
"""


class IntentClaims(Protocol):
    """Takes due intents (or one chosen intent) for this worker, each with a lease until `lease_until`."""

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Ids of up to `limit` due intents now leased to this worker, oldest due first."""
        ...

    async def claim(self, intent_id: int, now: datetime, lease: timedelta) -> bool:
        """Lease one chosen intent when it may be sent now (the card buttons); False when it may not."""
        ...


class PostgresClaims:
    """IntentClaims for several workers on one PostgreSQL database."""

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Ids of up to `limit` due intents now leased to this worker (rows other workers hold are skipped)."""
        rows = await Tortoise.get_connection("default").execute_query_dict(
            CLAIM_DUE_POSTGRES, [now, now + lease, limit]
        )
        return [int(row["id"]) for row in rows]

    async def claim(self, intent_id: int, now: datetime, lease: timedelta) -> bool:
        """Lease one chosen intent when it may be sent now."""
        return await _claim_one(intent_id, now, lease)


class LocalClaims:
    """IntentClaims for the one process of a SQLite installation (queries of the ORM, one row taken at a time)."""

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[int]:
        """Ids of up to `limit` due intents now leased to this process."""
        due = Q(state=IntentState.PENDING, next_attempt_at__lte=now) | Q(state=IntentState.SENDING, lease_until__lt=now)
        claimed: list[int] = []
        for candidate in await Intent.filter(due).order_by("next_attempt_at", "id").limit(limit * 4):
            if len(claimed) == limit:
                break
            if await self._take(candidate, now, lease):
                claimed.append(candidate.id)
        return claimed

    async def claim(self, intent_id: int, now: datetime, lease: timedelta) -> bool:
        """Lease one chosen intent when it may be sent now."""
        intent = await Intent.get_or_none(id=intent_id)
        if intent is None:
            return False
        waiting = intent.state == IntentState.PENDING and intent.next_attempt_at <= now
        abandoned = intent.state == IntentState.SENDING and intent.lease_until is not None and intent.lease_until < now
        return (waiting or abandoned) and await self._take(intent, now, lease)

    @staticmethod
    async def _take(intent: Intent, now: datetime, lease: timedelta) -> bool:
        older = Intent.filter(
            base_id=intent.base_id,
            entity_kind=intent.entity_kind,
            amo_id=intent.amo_id,
            id__lt=intent.id,
            state__in=(IntentState.PENDING, IntentState.SENDING),
        )
        if await older.exists():
            return False
        taken = await Intent.filter(id=intent.id, state=intent.state, lease_until=intent.lease_until).update(
            state=IntentState.SENDING, lease_until=now + lease
        )
        return bool(taken)


async def _claim_one(intent_id: int, now: datetime, lease: timedelta) -> bool:
    """Take one intent on PostgreSQL by a conditional update: only one worker's update can match it."""
    sql = (
        'UPDATE "outbox_intent" AS i SET "state" = \'sending\', "lease_until" = $2, "updated_at" = $1 '
        f'WHERE i."id" = $3 AND {_ELIGIBLE.format(now="$1")}'
    )
    count, _ = await Tortoise.get_connection("default").execute_query(sql, [now, now + lease, intent_id])
    return bool(count)


async def release(intent: Intent) -> None:
    """Give a lease back at once (the worker stops before sending)."""
    await Intent.filter(id=intent.id, state=IntentState.SENDING).update(state=IntentState.PENDING, lease_until=None)
