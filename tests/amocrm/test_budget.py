"""The request budget: spacing math on a manual clock, and a real burst against the fake's 7 rps limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.amocrm import ContactDraft, LocalRequestBudget
from tests.amocrm.rig import open_rig


class ManualTime:
    """A monotonic clock that moves only when the budget sleeps (or a test advances it)."""

    def __init__(self, advance_on_sleep: bool = True) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self.advance_on_sleep = advance_on_sleep

    def clock(self) -> float:
        """Return the manual time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record the sleep and (optionally) move time by it, without real waiting."""
        self.slept.append(seconds)
        if self.advance_on_sleep:
            self.now += seconds


def most_in_one_second(starts: list[float]) -> int:
    """Return the largest number of starts inside any half-open one-second window."""
    return max(sum(1 for t in starts if s <= t < s + 1.0 - 1e-9) for s in starts)


async def test_sequential_starts_are_spaced_by_one_over_rps() -> None:
    manual = ManualTime()
    budget = LocalRequestBudget(6, clock=manual.clock, sleep=manual.sleep)
    starts = []
    for _ in range(13):
        await budget.acquire(1)
        starts.append(manual.now)

    assert starts == pytest.approx([100.0 + i / 6 for i in range(13)])
    assert most_in_one_second(starts) == 6


async def test_concurrent_callers_reserve_distinct_slots() -> None:
    manual = ManualTime(advance_on_sleep=False)
    budget = LocalRequestBudget(6, clock=manual.clock, sleep=manual.sleep)

    await asyncio.gather(*(budget.acquire(1) for _ in range(12)))

    # The first starts at once; the other eleven wait for their own slot, none shared.
    assert sorted(manual.slept) == pytest.approx([i / 6 for i in range(1, 12)])
    assert most_in_one_second([100.0, *(100.0 + d for d in manual.slept)]) == 6


async def test_an_idle_account_starts_at_once() -> None:
    manual = ManualTime()
    budget = LocalRequestBudget(2, clock=manual.clock, sleep=manual.sleep)
    await budget.acquire(1)
    await budget.acquire(1)
    assert manual.slept == [pytest.approx(0.5)]

    manual.now += 10
    await budget.acquire(1)
    assert manual.slept == [pytest.approx(0.5)]


async def test_accounts_have_separate_budgets() -> None:
    manual = ManualTime(advance_on_sleep=False)
    budget = LocalRequestBudget(1, clock=manual.clock, sleep=manual.sleep)

    await budget.acquire(1)
    await budget.acquire(2)
    assert manual.slept == []
    await budget.acquire(1)
    assert manual.slept == [pytest.approx(1.0)]


async def test_fractional_rps_spaces_by_more_than_a_second() -> None:
    manual = ManualTime()
    budget = LocalRequestBudget(0.5, clock=manual.clock, sleep=manual.sleep)
    for _ in range(3):
        await budget.acquire(1)
    assert manual.slept == pytest.approx([2.0, 2.0])


def test_rps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LocalRequestBudget(0)


async def test_thirty_creates_at_six_rps_never_hit_the_fake_seven_rps_limit() -> None:
    async with open_rig(rps_limit=7) as rig:
        client = rig.new_client(budget=LocalRequestBudget(6))
        started = time.monotonic()

        ids = await asyncio.gather(*(client.create_contact(ContactDraft(name=f"Клиент {i}")) for i in range(30)))

        elapsed = time.monotonic() - started
        assert len(set(ids)) == 30
        assert rig.account.rate_limited == 0
        assert rig.sleep.delays == []  # no retry was needed
        assert client.calls == 30
        assert elapsed >= (30 - 6) / 6
