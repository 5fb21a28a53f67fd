"""Reading one account's outbox for the settings page: counts by state, the next attempt, keyset pages of intents
(newest first, `before=<id>`, so a deep page costs what the first does) and an intent's attempts.

Errors are shown masked (1C's and amoCRM's answers may echo a credential), as the sync log shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from backend.models import Intent, IntentAttempt, IntentState, OneCBase
from backend.sync.errors import NotFound
from backend.sync.log import masked_error
from backend.sync.numbers import id_of

PAGE_SIZE = 50
SHOWN_ATTEMPTS = 100  # an intent retried for 48 hours has about 60; the newest are shown
LISTED_ERROR_CHARS = 300
WAITING = (IntentState.PENDING, IntentState.SENDING)
# What the metrics count: states intents wait in or need a person in. Delivered and cancelled intents are history
# that only grows, so counting them would make every scrape slower.
CENSUS_STATES = (*WAITING, IntentState.FAILED, IntentState.DEAD)


@dataclass(frozen=True)
class OutboxFilter:
    """The outbox list's filters as a query string gives them ("" = any): a state, a base by its id."""

    state: str = ""
    base: str = ""

    @classmethod
    def read(cls, params: Mapping[str, str]) -> OutboxFilter:
        """The filters of a request's parameters, anything unknown dropped; raises nothing."""
        state = params.get("state", "")
        base = id_of(params.get("base", ""))
        return cls(state=state if state in set(IntentState) else "", base=str(base) if base is not None else "")

    def params(self) -> dict[str, str]:
        """The filters that are set, for the "more" link."""
        return {name: value for name, value in asdict(self).items() if value}


@dataclass(frozen=True)
class Listed:
    """An intent as the list shows it: the intent, its base's id_base ("" when unlinked since) and the start of its
    masked error."""

    intent: Intent
    id_base: str
    error: str


@dataclass(frozen=True)
class OutboxSummary:
    """How many of the account's intents are in each state, and when the earliest waiting one is tried next."""

    counts: dict[IntentState, int]
    next_attempt_at: datetime | None

    @property
    def waiting(self) -> int:
        """Intents not yet delivered, failed, dead or cancelled."""
        return sum(self.counts[state] for state in WAITING)


@dataclass(frozen=True)
class OutboxPage:
    """Up to PAGE_SIZE intents, newest first, and the id to continue from (None at the end)."""

    intents: list[Listed]
    next_before: int | None


@dataclass(frozen=True)
class IntentHistory:
    """An intent's attempts, newest first (at most SHOWN_ATTEMPTS), each error masked; and how many there were."""

    attempts: list[IntentAttempt]
    total: int


async def outbox_summary(account_id: int) -> OutboxSummary:
    """The account's intents counted by state, and the next attempt of a waiting one."""
    counts = await _counted_by_state(Intent.filter(account_id=account_id), tuple(IntentState))
    nearest = (
        await Intent.filter(account_id=account_id, state=IntentState.PENDING)
        .order_by("next_attempt_at")
        .only("id", "next_attempt_at")
        .first()
    )
    return OutboxSummary(counts, nearest.next_attempt_at if nearest is not None else None)


@dataclass(frozen=True)
class OutboxCensus:
    """Every account's intents counted by state (CENSUS_STATES only), and how old the oldest pending one is."""

    counts: dict[IntentState, int]
    oldest_pending_seconds: float


async def outbox_census(now: datetime | None = None) -> OutboxCensus:
    """The whole outbox's figures for the metrics: one count grouped by state and the oldest pending intent."""
    counts = await _counted_by_state(Intent.filter(state__in=CENSUS_STATES), CENSUS_STATES)
    oldest = await Intent.filter(state=IntentState.PENDING).order_by("created_at").only("id", "created_at").first()
    age = ((now or datetime.now(UTC)) - oldest.created_at).total_seconds() if oldest is not None else 0.0
    return OutboxCensus(counts, max(age, 0.0))


async def outbox_page(account_id: int, filters: OutboxFilter, before: int | None = None) -> OutboxPage:
    """One page of the account's intents the filters let through, older than `before` (None: the newest)."""
    intents = Intent.filter(account_id=account_id)
    if filters.state:
        intents = intents.filter(state=IntentState(filters.state))
    if filters.base:
        intents = intents.filter(base_id=int(filters.base))
    if before is not None:
        intents = intents.filter(id__lt=before)
    found = await intents.order_by("-id").limit(PAGE_SIZE + 1)
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    names = await _base_names(account_id, {intent.base_id for intent in found})
    listed = [Listed(intent, names.get(intent.base_id, ""), _shown(intent.last_error)) for intent in found]
    return OutboxPage(listed, int(found[-1].id) if more else None)


async def listed_intent(account_id: int, intent_id: int) -> Listed:
    """The account's intent `intent_id` as the list shows it; raises NotFound (another account's included)."""
    intent = await Intent.get_or_none(id=intent_id, account_id=account_id)
    if intent is None:
        raise NotFound
    names = await _base_names(account_id, {intent.base_id})
    return Listed(intent, names.get(intent.base_id, ""), _shown(intent.last_error))


async def history_of(intent: Intent) -> IntentHistory:
    """The intent's attempts, newest first, at most SHOWN_ATTEMPTS of them."""
    attempts = IntentAttempt.filter(intent_id=intent.id)
    shown = await attempts.order_by("-id").limit(SHOWN_ATTEMPTS)
    for attempt in shown:
        attempt.error = masked_error(attempt.error) if attempt.error else attempt.error
    total = len(shown) if len(shown) < SHOWN_ATTEMPTS else await attempts.count()
    return IntentHistory(shown, total)


async def _counted_by_state(intents: QuerySet[Intent], states: tuple[IntentState, ...]) -> dict[IntentState, int]:
    """How many of `intents` are in each of `states` (0 for a state none is in), in one grouped query."""
    rows = await intents.annotate(count=Count("id")).group_by("state").values_list("state", "count")
    counts = dict.fromkeys(states, 0)
    for state, count in rows:
        counts[IntentState(state)] = int(count)
    return counts


async def _base_names(account_id: int, base_ids: set[int]) -> dict[int, str]:
    if not base_ids:
        return {}
    rows = await OneCBase.filter(account_id=account_id, id__in=base_ids).values_list("id", "id_base")
    return {int(base_id): str(id_base) for base_id, id_base in rows}


def _shown(error: str | None) -> str:
    return masked_error(error)[:LISTED_ERROR_CHARS] if error else ""
