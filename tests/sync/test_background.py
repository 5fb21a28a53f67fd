"""The background task's rounds: an idle round waits, and work arriving in the worker (`wake`) ends the wait."""

from __future__ import annotations

import asyncio
import time

from backend.sync.background import run_jobs


async def test_an_idle_round_waits_until_woken_or_stopped() -> None:
    rounds: list[float] = []

    async def job() -> int:
        rounds.append(time.monotonic())
        return 0

    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_jobs([job], stop, idle_wait=30.0, wake=wake))
    await asyncio.sleep(0.05)
    assert len(rounds) == 1  # idle: waiting
    woken = time.monotonic()
    wake.set()
    await asyncio.sleep(0.05)
    assert len(rounds) == 2 and rounds[1] - woken < 1.0
    stop.set()
    await asyncio.wait_for(task, 1.0)


async def test_a_busy_round_runs_again_at_once_and_a_failing_job_does_not_stop_the_others() -> None:
    done: list[str] = []
    work = [3]

    async def busy() -> int:
        done.append("busy")
        work[0] -= 1
        return 1 if work[0] > 0 else 0

    async def broken() -> int:
        raise RuntimeError("a bug")

    stop = asyncio.Event()
    task = asyncio.create_task(run_jobs([broken, busy], stop, idle_wait=30.0))
    await asyncio.sleep(0.05)
    assert done == ["busy", "busy", "busy"]
    stop.set()
    await asyncio.wait_for(task, 1.0)
