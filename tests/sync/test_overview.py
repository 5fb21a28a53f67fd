"""The overview's counts, made by the database: calls per UTC hour by direction and outcome, the last day's errors
by kind, the newest success each way — on SQLite, and on PostgreSQL (the `postgres` variants, or every test with
AMO1C_TEST_DB=postgres)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from tortoise import connections

from backend import db
from backend.models import Direction, Outcome, SyncLogEntry
from backend.sync.overview import (
    CHART_HOURS,
    LISTED_ERROR_KINDS,
    HandlersState,
    HourCount,
    activity,
    handlers_state,
    hour_floor,
    last_success,
    recent_errors,
    successes,
)
from backend.textsql import hour_of_text

ACCOUNT = 31
NOW = datetime.now(UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[None]:
    await db.open_database(database_url)
    yield
    await db.close_database()


@pytest.fixture
async def on_postgres(postgres_database_url: str) -> AsyncIterator[None]:
    await db.open_database(postgres_database_url)
    yield
    await db.close_database()


async def entry(
    ago: timedelta,
    direction: Direction,
    outcome: Outcome,
    *,
    operation: str = "leads",
    id_base: str | None = "trade",
    account_id: int = ACCOUNT,
    count: int = 1,
    offset: timedelta | None = None,
) -> SyncLogEntry:
    """A log entry written `ago` before now (in the time zone `offset` when given, as a stored value may be)."""
    created = await SyncLogEntry.create(
        account_id=account_id, id_base=id_base, direction=direction, operation=operation, outcome=outcome,
        count=count, http_status=200 if outcome == Outcome.OK else 502,
    )  # fmt: skip
    moment = NOW - ago
    if offset is not None:
        moment = moment.astimezone(timezone(offset))
    await SyncLogEntry.filter(id=created.id).update(created_at=moment)
    return created


def index_of(ago: timedelta) -> int:
    """The chart's hour index of the moment `ago` before now (the chart starts at midnight UTC six days ago)."""
    start = hour_floor(NOW).replace(hour=0) - 6 * 24 * HOUR
    return round((hour_floor(NOW - ago) - start) / HOUR)


async def seed() -> None:
    """Entries oldest first, as the log writes them (the overview finds a window's entries by id)."""
    await entry(8 * 24 * HOUR, Direction.FROM_1C, Outcome.OK)  # before the chart
    await entry(NOW - (hour_floor(NOW).replace(hour=0) - 6 * 24 * HOUR), Direction.FROM_1C, Outcome.OK)  # its 1st
    await entry(53 * HOUR, Direction.TO_1C, Outcome.ERROR, operation="new_order")
    await entry(30 * HOUR, Direction.TO_1C, Outcome.OK, operation="new_order", offset=timedelta(hours=3))
    await entry(3 * HOUR, Direction.TO_1C, Outcome.ERROR, operation="get_orders", id_base="retail")
    await entry(HOUR, Direction.FROM_1C, Outcome.OK)
    await entry(HOUR, Direction.FROM_1C, Outcome.OK, operation="clients_contacts")
    await entry(HOUR, Direction.FROM_1C, Outcome.ERROR, operation="process_event", count=3)  # 3 refused calls
    await entry(HOUR, Direction.FROM_1C, Outcome.ERROR, account_id=ACCOUNT + 1)  # another account's


async def check_activity() -> None:
    await seed()
    chart = await activity(ACCOUNT, NOW)
    assert chart.start == hour_floor(NOW).replace(hour=0) - 6 * 24 * HOUR and chart.start.tzinfo is not None
    assert len(chart.hours[Direction.FROM_1C]) == len(chart.hours[Direction.TO_1C]) == CHART_HOURS
    assert chart.hours[Direction.FROM_1C][index_of(HOUR)] == HourCount(ok=2, errors=3)
    assert chart.hours[Direction.TO_1C][index_of(3 * HOUR)] == HourCount(ok=0, errors=1)
    assert chart.hours[Direction.TO_1C][index_of(30 * HOUR)] == HourCount(ok=1, errors=0)  # stored at +03:00
    assert chart.hours[Direction.TO_1C][index_of(53 * HOUR)] == HourCount(ok=0, errors=1)
    assert chart.total(Direction.FROM_1C) == HourCount(ok=3, errors=3)
    assert chart.total(Direction.TO_1C) == HourCount(ok=1, errors=2)
    assert sum(chart.day(Direction.FROM_1C, day).total for day in range(7)) == 6
    assert chart.hours[Direction.FROM_1C][0] == HourCount(ok=1, errors=0)  # midnight UTC six days ago
    assert chart.day(Direction.FROM_1C, index_of(HOUR) // 24).errors == 3 and not chart.empty


async def check_errors() -> None:
    await seed()
    errors = await recent_errors(ACCOUNT, NOW)
    assert errors.total == 4  # the 30 and 53 hours old ones are outside the day
    assert [(kind.id_base, kind.operation, kind.count) for kind in errors.kinds] == [
        ("trade", "process_event", 3),
        ("retail", "get_orders", 1),
    ]
    assert errors.kinds[1].direction == Direction.TO_1C
    assert abs(errors.kinds[1].last_at - (NOW - 3 * HOUR)) < timedelta(seconds=1)
    assert await last_success(ACCOUNT, Direction.TO_1C) is not None
    assert await last_success(ACCOUNT, Direction.TO_1C, "retail") is None
    newest = await last_success(ACCOUNT, Direction.FROM_1C, "trade")
    assert newest is not None and abs(newest - (NOW - HOUR)) < timedelta(seconds=1)


async def test_a_base_without_successes_is_answered_from_its_own_entries(database: None, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's planner (PostgreSQL plans by its statistics)")
    await seed()
    query = successes(ACCOUNT, Direction.TO_1C, "retail").order_by("-id").limit(1).values_list("created_at")
    _, plan = await connections.get("default").execute_query(f"EXPLAIN QUERY PLAN {query.sql(params_inline=True)}")

    details = " ".join(str(row["detail"]) for row in plan)
    assert "id_base=?" in details and "outcome=?" not in details, details  # not every other base's successes


async def test_activity_counts_calls_per_hour_by_direction_and_outcome(database: None) -> None:
    await check_activity()


async def test_recent_errors_and_last_successes(database: None) -> None:
    await check_errors()


@pytest.mark.postgres
async def test_activity_counts_calls_per_hour_on_postgres(on_postgres: None) -> None:
    await check_activity()


@pytest.mark.postgres
async def test_recent_errors_and_last_successes_on_postgres(on_postgres: None) -> None:
    await check_errors()


async def test_an_empty_log_charts_zeroes(database: None) -> None:
    chart = await activity(ACCOUNT)
    assert chart.empty and chart.total(Direction.TO_1C) == HourCount()
    assert (await recent_errors(ACCOUNT)).total == 0
    assert await last_success(ACCOUNT, Direction.FROM_1C) is None


async def test_error_kinds_are_bounded(database: None) -> None:
    for number in range(LISTED_ERROR_KINDS + 5):
        await entry(HOUR, Direction.FROM_1C, Outcome.ERROR, operation=f"op{number:02}", count=number + 1)
    errors = await recent_errors(ACCOUNT, NOW)
    assert len(errors.kinds) == LISTED_ERROR_KINDS and errors.kinds[0].operation == f"op{LISTED_ERROR_KINDS + 4}"
    assert errors.total == sum(range(1, LISTED_ERROR_KINDS + 6))


@pytest.mark.parametrize(
    ("reported", "latest", "state"),
    [
        ("3", 3, HandlersState.CURRENT),
        (" 3 ", 3, HandlersState.CURRENT),
        ("2", 3, HandlersState.OUTDATED),
        ("4", 3, HandlersState.DIFFERENT),
        ("2.3.1", 3, HandlersState.DIFFERENT),
        (None, 3, HandlersState.UNKNOWN),
        ("3", None, HandlersState.UNKNOWN),
    ],
)
def test_handlers_state(reported: str | None, latest: int | None, state: HandlersState) -> None:
    assert handlers_state(reported, latest) == state


def test_hour_text_reads_back_only_an_hour() -> None:
    assert hour_of_text("2026-12-03 07") == datetime(2026, 12, 3, 7, tzinfo=UTC)
    for wrong in ("2026-12-03T07", "2026-12-03 7", "2026-12-03 07:00", ""):
        with pytest.raises(ValueError):
            hour_of_text(wrong)
