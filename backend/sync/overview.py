"""The overview's rules: is an account's exchange with 1C all right, at a glance.

Everything here is counted by the database and bounded: calls per UTC hour of the last CHART_DAYS days by
direction and outcome (GROUP BY the hour, at most CHART_HOURS × 2 × 2 rows), the last day's errors grouped by base
and operation (at most LISTED_ERROR_KINDS rows), the newest successful call each way (one row each). The entries of
a window are found by id — the first entry written after the window opened, through the created_at index, then the
account's (account_id, id) index from there — so an account's older entries are never read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from tortoise.functions import Max, Sum
from tortoise.queryset import QuerySet

from backend.models import BaseRequest, OneCBase, Outcome, SyncLogEntry
from backend.models import Direction as Direction  # the screens name directions through this module
from backend.onec import BaseClient
from backend.onec.errors import OneCError
from backend.sync.bases import ask_handlers_version
from backend.textsql import HourOf, hour_of_text

CHART_DAYS = 7
CHART_HOURS = CHART_DAYS * 24
ERROR_WINDOW = timedelta(hours=24)
LISTED_ERROR_KINDS = 20
# Entries are stored a moment after their call ended (in batches, by several workers): an entry of the window may
# have a smaller id than one written just before it opened, never one written this much earlier.
WRITE_SLACK = timedelta(minutes=10)
DIRECTIONS = (Direction.FROM_1C, Direction.TO_1C)
LISTED_BASES = 20  # the overview's statuses (every base is on the «Базы 1С» tab)
PROBE_SECONDS = 5.0  # a base that does not answer the overview's question by then counts as unreachable
PROBED_AT_ONCE = 8


def hour_floor(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class HourCount:
    """Calls of one hour and one direction: those that succeeded and those that failed."""

    ok: int = 0
    errors: int = 0

    @property
    def total(self) -> int:
        """Every call of the hour."""
        return self.ok + self.errors


@dataclass(frozen=True)
class Activity:
    """Calls per UTC hour of the CHART_DAYS UTC days from `start` (midnight; the last day is today, its hours to
    come counting nothing), each direction: `hours[direction][i]` counts the hour `start + i hours`."""

    start: datetime
    hours: dict[Direction, list[HourCount]]

    def total(self, direction: Direction) -> HourCount:
        """The direction's calls over the whole chart."""
        counts = self.hours[direction]
        return HourCount(sum(hour.ok for hour in counts), sum(hour.errors for hour in counts))

    def hour_start(self, index: int) -> datetime:
        """The start of the chart's hour `index` (0 = the first)."""
        return self.start + timedelta(hours=index)

    def day_start(self, index: int) -> datetime:
        """Midnight UTC of the chart's day `index` (0 = the first)."""
        return self.start + timedelta(days=index)

    def day(self, direction: Direction, index: int) -> HourCount:
        """The direction's calls of the chart's day `index` (0 = the first, from `start`)."""
        counts = self.hours[direction][index * 24 : (index + 1) * 24]
        return HourCount(sum(hour.ok for hour in counts), sum(hour.errors for hour in counts))

    @property
    def empty(self) -> bool:
        """No call at all in the chart's hours."""
        return all(self.total(direction).total == 0 for direction in DIRECTIONS)


@dataclass(frozen=True)
class ErrorKind:
    """The failed calls of the last ERROR_WINDOW of one operation of one base (None: no base named)."""

    id_base: str | None
    direction: Direction
    operation: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class Errors:
    """The last ERROR_WINDOW's failed calls: how many in all, and the LISTED_ERROR_KINDS most frequent kinds."""

    total: int
    kinds: list[ErrorKind]


class BaseState(StrEnum):
    """Where a base stands with the account's admin."""

    APPROVED = "approved"
    AWAITING_CHANGE = "awaiting_change"  # approved, but a change of its address or login waits for the admin
    AWAITING = "awaiting"  # 1C asked to link it; nothing is linked until the admin approves


class HandlersState(StrEnum):
    """The handlers version 1C reported for a base against the newest package amo1c stores for it."""

    CURRENT = "current"
    OUTDATED = "outdated"  # 1C reports a lower version number
    DIFFERENT = "different"  # 1C reports another version that is not a lower number
    UNKNOWN = "unknown"  # 1C has not reported one yet, or no package is stored to compare with


def handlers_state(reported: str | None, latest: int | None) -> HandlersState:
    """Whether the version 1C reported is the newest stored package's (spec 2.8 numbers versions 1, 2, 3…)."""
    if reported is None or latest is None:
        return HandlersState.UNKNOWN
    if reported.strip() == str(latest):
        return HandlersState.CURRENT
    number = reported.strip()
    if number.isdigit() and int(number) < latest:
        return HandlersState.OUTDATED
    return HandlersState.DIFFERENT


@dataclass(frozen=True)
class BaseStatus:
    """A base as the overview shows it: its state, the handlers version 1C last reported against the newest
    stored, and its newest successful call each way (None: none within the log's retention)."""

    id_base: str
    state: BaseState
    base: OneCBase | None  # None for a base awaiting approval (it is only a request)
    latest_version: int | None
    last_ok: dict[Direction, datetime | None]

    @property
    def reported_version(self) -> str | None:
        """The handlers version 1C last reported (kept on the base by every answer to get_handlers_version)."""
        return self.base.handlers_version if self.base is not None else None

    @property
    def handlers(self) -> HandlersState:
        """The reported version against the newest stored one."""
        return handlers_state(self.reported_version, self.latest_version)


class Concern(StrEnum):
    """Something the overview asks the admin to look at."""

    NO_BASES = "no_bases"
    AWAITING = "awaiting"  # bases (or their changes) awaiting approval
    UNREACHABLE = "unreachable"  # bases whose 1C did not answer just now
    HANDLERS = "handlers"  # bases whose 1C handlers are not the newest stored version
    ERRORS = "errors"  # failed calls in the last ERROR_WINDOW


def concerns(statuses: list[BaseStatus], errors: Errors, unreachable: int = 0) -> dict[Concern, int]:
    """What needs the admin's attention and how many of each (empty: all is right); `unreachable` is how many
    bases did not answer when asked (0 before they are asked)."""
    found = {
        Concern.NO_BASES: 0 if statuses else 1,
        Concern.AWAITING: sum(status.state != BaseState.APPROVED for status in statuses),
        Concern.UNREACHABLE: unreachable,
        Concern.HANDLERS: sum(
            status.handlers in (HandlersState.OUTDATED, HandlersState.DIFFERENT) for status in statuses
        ),
        Concern.ERRORS: errors.total,
    }
    return {concern: count for concern, count in found.items() if count}


async def _first_id_since(moment: datetime) -> int | None:
    """The id entries written from `moment` on have at least (see WRITE_SLACK); None when none was written since."""
    found = await (
        SyncLogEntry.filter(created_at__gte=moment - WRITE_SLACK).order_by("created_at").limit(1).values_list("id")
    )
    return int(found[0][0]) if found else None


async def activity(account_id: int, now: datetime | None = None) -> Activity:
    """The account's calls per UTC hour of the last CHART_DAYS UTC days (today included), by direction and outcome,
    counted by the database (an entry of refused calls counts each of them)."""
    start = hour_floor(now or datetime.now(UTC)).replace(hour=0) - timedelta(days=CHART_DAYS - 1)
    hours = {direction: [HourCount()] * CHART_HOURS for direction in DIRECTIONS}
    first_id = await _first_id_since(start)
    if first_id is None:
        return Activity(start, hours)
    rows = await (
        SyncLogEntry.filter(account_id=account_id, id__gte=first_id, created_at__gte=start)
        .annotate(hour=HourOf("created_at"), calls=Sum("count"))
        .group_by("hour", "direction", "outcome")
        .values("hour", "direction", "outcome", "calls")
    )
    for row in rows:
        index = int((hour_of_text(row["hour"]) - start) / timedelta(hours=1))
        direction = Direction(row["direction"])
        if not 0 <= index < CHART_HOURS or direction not in hours:
            continue  # an entry dated after today (a clock set back since) is not charted
        hour, calls = hours[direction][index], int(row["calls"] or 0)
        failed = Outcome(row["outcome"]) == Outcome.ERROR
        hours[direction][index] = HourCount(hour.ok + (0 if failed else calls), hour.errors + (calls if failed else 0))
    return Activity(start, hours)


async def recent_errors(account_id: int, now: datetime | None = None) -> Errors:
    """The account's failed calls of the last ERROR_WINDOW: their number, and the most frequent kinds (base and
    operation) first."""
    since = (now or datetime.now(UTC)) - ERROR_WINDOW
    first_id = await _first_id_since(since)
    if first_id is None:
        return Errors(0, [])
    failed = SyncLogEntry.filter(account_id=account_id, id__gte=first_id, created_at__gte=since, outcome=Outcome.ERROR)
    rows = await (
        failed.annotate(calls=Sum("count"), last_at=Max("created_at"))
        .group_by("id_base", "direction", "operation")
        .order_by("-calls", "operation")
        .limit(LISTED_ERROR_KINDS)
        .values("id_base", "direction", "operation", "calls", "last_at")
    )
    total = await failed.annotate(calls=Sum("count")).values("calls")
    kinds = [
        ErrorKind(
            row["id_base"], Direction(row["direction"]), row["operation"], int(row["calls"]), _moment(row["last_at"])
        )
        for row in rows
    ]
    return Errors(int(total[0]["calls"] or 0) if total else 0, kinds)


def _moment(value: datetime | str) -> datetime:
    # an aggregate's value comes back as the database gives it: SQLite's ISO text, PostgreSQL's datetime
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def last_success(account_id: int, direction: Direction, id_base: str | None = None) -> datetime | None:
    """When the account's (or its base's) newest successful call of `direction` was logged; None when none is in
    the log."""
    found = await successes(account_id, direction, id_base).order_by("-id").limit(1).values_list("created_at")
    return _moment(found[0][0]) if found else None


def successes(account_id: int, direction: Direction, id_base: str | None = None) -> QuerySet[SyncLogEntry]:
    """The account's (or its base's) successful calls of `direction`."""
    if id_base is None:
        return SyncLogEntry.filter(account_id=account_id, direction=direction, outcome=Outcome.OK)
    # "not an error" rather than "ok" (the same two outcomes): SQLite, which keeps no statistics, would otherwise walk
    # the account's (account_id, outcome, id) index for a base with no success in the log — every success of every
    # other base; this way only the base's own entries are read, through (account_id, id_base, id)
    return SyncLogEntry.filter(account_id=account_id, id_base=id_base, direction=direction).exclude(
        outcome=Outcome.ERROR
    )


async def base_statuses(
    account_id: int, bases: list[OneCBase], latest: dict[int, int | None], requests: list[BaseRequest]
) -> list[BaseStatus]:
    """The statuses of the account's `bases` (with the newest package version of each by base id), then of the
    new bases its live link `requests` ask for (a request changing an approved base is that base's state)."""
    statuses = []
    for base in bases:
        last_ok = {direction: await last_success(account_id, direction, base.id_base) for direction in DIRECTIONS}
        state = BaseState.AWAITING_CHANGE if base.awaiting_change else BaseState.APPROVED
        statuses.append(BaseStatus(base.id_base, state, base, latest.get(base.id), last_ok))
    for request in sorted(requests, key=lambda request: request.id_base):
        if request.base_id is None:
            statuses.append(BaseStatus(request.id_base, BaseState.AWAITING, None, None, dict.fromkeys(DIRECTIONS)))
    return statuses


@dataclass(frozen=True)
class Reachability:
    """What a base's 1C answered just now when asked its handlers version: the version and how long it took, or
    the error (its message for the page to describe)."""

    version: str | None
    took_ms: int
    error: OneCError | None = None


async def probe(bases: list[OneCBase], onec_of: Callable[[OneCBase], BaseClient]) -> dict[int, Reachability]:
    """Ask each base's 1C its handlers version (remembered on the base), PROBED_AT_ONCE bases at a time, each bounded
    by the client `onec_of` gives (built with PROBE_SECONDS); a base awaiting a change is not asked (nothing is sent
    to it). Answers by base id; raises nothing of 1C's."""
    gate = asyncio.Semaphore(PROBED_AT_ONCE)

    async def ask(base: OneCBase) -> Reachability:
        async with gate:
            started = time.perf_counter()
            try:
                version = await ask_handlers_version(onec_of(base), base)
            except OneCError as exc:
                return Reachability(None, _ms_since(started), exc)
            return Reachability(version, _ms_since(started))

    asked = [base for base in bases if not base.awaiting_change]
    answers = await asyncio.gather(*(ask(base) for base in asked))
    return {base.id: answer for base, answer in zip(asked, answers, strict=True)}


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
