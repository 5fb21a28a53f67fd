"""The outbox of calls into 1C (`new_order`, `new_lead`, `corr_table`): durable intents sent until 1C takes them.

An intent is a row written when something decides a call should be made (a card button, a trigger). It is sent
with a lease (store.claims), so a worker killed mid-send loses nothing; what is sent is built from amoCRM's data
at that moment, so a retry hours later sends today's deal. 1C unreachable, a timeout or a 5xx is retried with
exponential backoff and jitter (30 s doubling to 1 h) for 48 hours, then the intent is dead; a refusal of 1C (4xx,
wrong credentials) or of amoCRM fails it at once, for a person to look at. Per base and entity intents go in
order, and a newer intent for the same entity and kind replaces a waiting one (the latest state wins).

A worker that dies after 1C applied a call but before the outcome was recorded leaves the intent to be sent again
when its lease runs out: in that window only, 1C may receive the same payload twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError

from backend.amocrm.errors import AmoCRMError, AmoCRMRateLimited, AmoCRMUnreachable
from backend.models import (
    Account,
    EntityKind,
    Intent,
    IntentAttempt,
    IntentKind,
    IntentState,
    OneCBase,
)
from backend.onec.errors import OneCError, OneCFailed, OneCUnreachable
from backend.sync.actions import send_counterparty, send_order
from backend.sync.bases import remember_handlers_version
from backend.sync.errors import Conflict, NotFound
from backend.sync.payloads import corr_table_rows

if TYPE_CHECKING:
    from backend.store.claims import IntentClaims
    from backend.sync.domain import Domain

logger = logging.getLogger("amo1c.outbox")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=48)
JITTER = 0.2  # ± share of a retry delay, so intents that failed together do not come back together
FINAL = frozenset({IntentState.DELIVERED, IntentState.FAILED, IntentState.DEAD, IntentState.CANCELLED})
POLL = 0.1


def now_utc() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def retry_delay(attempts: int, chance: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s doubling, at most 1 h, ± JITTER."""
    plain = min(LONGEST_RETRY.total_seconds(), FIRST_RETRY.total_seconds() * 2 ** max(0, attempts - 1))
    return timedelta(seconds=plain * (1 + JITTER * (2 * chance() - 1)))


def worth_retrying(exc: BaseException) -> bool:
    """Whether a failed attempt may succeed later by itself: 1C or amoCRM unreachable, a timeout, a 5xx."""
    if isinstance(exc, OneCUnreachable | AmoCRMUnreachable | AmoCRMRateLimited):
        return True
    return isinstance(exc, OneCFailed) and exc.status is not None and exc.status >= 500


@dataclass(frozen=True)
class Sending:
    """The outcome of sending an intent: the intent as it stands now, and the error of this very attempt (when
    this call made the attempt and it failed)."""

    intent: Intent
    error: BaseException | None = None


async def enqueue(
    base: OneCBase,
    kind: IntentKind,
    *,
    entity_kind: EntityKind | None = None,
    amo_id: int | None = None,
    cause: str = "",
    fingerprint: str = "",
    user_id: int | None = None,
    now: datetime | None = None,
    join_under_way: bool = False,
) -> Intent:
    """Queue a call into 1C, due at once; raises Conflict when it cannot be written (a race that kept losing).

    With `join_under_way` (a person's press) an intent of the same entity being sent right now is returned instead
    of queueing the same state again after it: a double click sends once.

    A waiting intent for the same base, kind and entity is replaced (its cause and fingerprint become these, it is
    due now). With a `fingerprint` (the amoCRM state that decided it), an intent of that state already waiting,
    being sent or (unless `join_under_way`) delivered is returned as it is: nothing is sent twice for one state;
    a unique index on waiting and sending states makes this hold for concurrent callers too.
    """
    now = now or now_utc()
    same = Intent.filter(base_id=base.id, kind=kind, entity_kind=entity_kind, amo_id=amo_id)
    # A person's press may send a delivered state again; a trigger never does.
    decided_states: tuple[IntentState, ...] = (IntentState.PENDING, IntentState.SENDING)
    decided_states += () if join_under_way else (IntentState.DELIVERED,)
    for _ in range(3):
        if fingerprint:
            decided = await same.filter(fingerprint=fingerprint, state__in=decided_states).first()
            if decided is not None:
                return decided
        if join_under_way and (under_way := await same.filter(state=IntentState.SENDING).first()) is not None:
            return under_way
        waiting = await same.filter(state=IntentState.PENDING).first()
        if waiting is not None:
            changes = {"cause": cause[:255], "fingerprint": fingerprint, "user_id": user_id, "next_attempt_at": now}
            try:
                if await Intent.filter(id=waiting.id, state=IntentState.PENDING).update(**changes):
                    await waiting.refresh_from_db()
                    return waiting
            except IntegrityError:
                pass  # this state is being sent already: the next round finds it
            continue  # taken to be sent meanwhile: queue a new one after it
        try:
            return await Intent.create(
                base_id=base.id,
                account_id=base.account_id,
                kind=kind,
                entity_kind=entity_kind,
                amo_id=amo_id,
                cause=cause[:255],
                fingerprint=fingerprint,
                user_id=user_id,
                next_attempt_at=now,
            )
        except IntegrityError:
            continue  # another call queued the same entity or state a moment ago: the next round finds it
    raise Conflict("очередь в 1С сейчас занята этим же объектом: повторите через несколько секунд")


class Outbox:
    """Sends the outbox's intents for every account: claims them with a lease, sends, records each attempt.

    Every method raises only the database's errors; what 1C and amoCRM answer is recorded on the intent.
    """

    def __init__(
        self,
        domain: Domain,
        claims: IntentClaims,
        *,
        clock: Callable[[], datetime] = now_utc,
        chance: Callable[[], float] = random.random,
    ) -> None:
        self._domain = domain
        self._claims = claims
        self._clock = clock
        self._chance = chance

    @property
    def lease(self) -> timedelta:
        """How long a worker holds an intent it sends: longer than the slowest call into 1C and amoCRM."""
        return timedelta(seconds=self._domain.settings.onec_timeout * 2 + 30)

    async def deliver_due(self, limit: int = 10) -> int:
        """Send up to `limit` due intents (a lapsed lease counts as due); how many were sent."""
        ids = await self._claims.claim_due(self._clock(), self.lease, limit)
        for intent_id in ids:
            intent = await Intent.get(id=intent_id)
            await self._send(intent)
        return len(ids)

    async def send_now(self, intent: Intent, *, wait: float) -> Sending:
        """Send this intent at once if it may go now, else wait up to `wait` seconds for whoever sends it; the
        card buttons' way, so a press shows 1C's answer (or that the intent waits for its next attempt)."""
        deadline = time.monotonic() + wait
        while True:
            if await self._claims.claim(intent.id, self._clock(), self.lease):
                return await self._send(await Intent.get(id=intent.id))
            current = await Intent.get(id=intent.id)
            scheduled = current.state == IntentState.PENDING and current.next_attempt_at > self._clock()
            if current.state in FINAL or scheduled or time.monotonic() > deadline:
                return Sending(current)
            await asyncio.sleep(POLL)

    async def retry(self, intent: Intent) -> Intent:
        """Make a waiting, failed or dead intent due now («Отправить сейчас»); raises Conflict for one being sent
        or delivered."""
        if intent.state not in (IntentState.PENDING, IntentState.FAILED, IntentState.DEAD):
            raise Conflict("это намерение уже отправляется или доставлено")
        again = {"state": IntentState.PENDING, "next_attempt_at": self._clock(), "lease_until": None}
        try:
            await Intent.filter(id=intent.id, state=intent.state).update(**again)
        except IntegrityError:  # a newer intent for the same entity waits already: it carries today's data
            await Intent.filter(id=intent.id).update(state=IntentState.CANCELLED)
        await intent.refresh_from_db()
        return intent

    async def cancel(self, intent: Intent) -> Intent:
        """Discard an intent that is not being sent or delivered («Отменить»); raises Conflict otherwise."""
        if intent.state not in (IntentState.PENDING, IntentState.FAILED, IntentState.DEAD):
            raise Conflict("это намерение уже отправляется или доставлено")
        await Intent.filter(id=intent.id, state=intent.state).update(state=IntentState.CANCELLED, lease_until=None)
        await intent.refresh_from_db()
        return intent

    async def _send(self, intent: Intent) -> Sending:
        """Make one attempt at a claimed intent and record it; the lease decides who may record."""
        started = self._clock()
        clock = time.perf_counter()
        lease = intent.lease_until
        error: BaseException | None = None
        result = ""
        try:
            result = await self._call(intent)
        except Exception as exc:  # recorded on the intent: what went wrong is the admin's to see
            error = exc
            if not isinstance(exc, OneCError | AmoCRMError | NotFound | Conflict) and not worth_retrying(exc):
                logger.exception("outbox intent %s failed unexpectedly", intent.id)
        now = self._clock()
        attempts = intent.attempts + 1
        outcome: dict[str, object] = {"attempts": attempts, "lease_until": None}
        if error is None:
            outcome |= {"state": IntentState.DELIVERED, "delivered_at": now, "result": result, "last_error": None}
            label = "delivered"
        elif worth_retrying(error) and now - intent.created_at < GIVE_UP_AFTER:
            next_at = now + retry_delay(attempts, self._chance)
            outcome |= {"state": IntentState.PENDING, "next_attempt_at": next_at, "last_error": str(error)}
            label = "retry"
        else:
            dead = worth_retrying(error)
            outcome |= {"state": IntentState.DEAD if dead else IntentState.FAILED, "last_error": str(error)}
            label = "dead" if dead else "failed"
        recorded = await Intent.filter(id=intent.id, state=IntentState.SENDING, lease_until=lease).update(**outcome)
        if recorded:
            elapsed = round((time.perf_counter() - clock) * 1000)
            await IntentAttempt.create(
                intent_id=intent.id, started_at=started, duration_ms=elapsed, outcome=label, error=outcome["last_error"]
            )
        else:
            logger.warning(
                "outbox intent %s: the lease ran out during the attempt; its new holder records it", intent.id
            )
        await intent.refresh_from_db()
        return Sending(intent, error)

    async def _call(self, intent: Intent) -> str:
        """Build today's payload from amoCRM and make the call into 1C; what 1C answered, as text."""
        base = await OneCBase.get_or_none(id=intent.base_id)
        account = await Account.get_or_none(id=intent.account_id, active=True)
        if base is None or account is None:
            raise NotFound("база 1С отвязана или интеграция отключена в аккаунте")
        domain = self._domain
        amo = domain.amocrm.for_account(account)
        onec = domain.onec.for_base(base)
        if intent.kind == IntentKind.CORR_TABLE:
            version = await onec.corr_table(await corr_table_rows(amo, domain.field_directory), intent.user_id)
            await remember_handlers_version(base, version)
            return version
        if intent.amo_id is None:
            raise NotFound("в намерении нет id сущности amoCRM")
        if intent.kind == IntentKind.NEW_ORDER:
            sent = await send_order(onec, amo, domain.field_directory, base, int(intent.amo_id))
        else:
            kind = intent.entity_kind or EntityKind.CONTACT
            sent = await send_counterparty(onec, amo, domain.field_directory, base, kind, int(intent.amo_id))
        return sent.link
