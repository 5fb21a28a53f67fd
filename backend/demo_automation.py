"""The demo's automation: a stage trigger on the demo pipeline for two bases, a deal moved onto that stage in the
fake amoCRM (its webhook reaches the demo amo1c over real HTTP), the order delivered to the working fake 1C and
waiting in the outbox for the second base, whose publication is down as during a nightly backup."""

from __future__ import annotations

import time

import httpx

from backend import db
from backend.demo_data import SAMPLE_FAILURE, DemoSeedError
from backend.fakes.onec import FakeOneC
from backend.models import OneCBase, Trigger, TriggerKind

WAREHOUSE_ID_BASE = "demo-warehouse"  # the second linked base: its publication is down
WAREHOUSE_PREFIX = "/warehouse"  # where the fake 1C server publishes it, next to the working base
TRIGGER_STAGE = "Принимают решение"  # of the main pipeline: no seeded deal is there
DELIVERY_DEADLINE = 30.0  # seconds for the hook, the read-back and both attempts


def warehouse_base(login: str, password: str, onec_url: str, account_id: int) -> FakeOneC:
    """The second fake infobase, published under WAREHOUSE_PREFIX and down from the start."""
    fake = FakeOneC(
        login=login,
        password=password,
        path="/hs/amo1c/handler",
        url_address=f"{onec_url}{WAREHOUSE_PREFIX}",
        handlers_version="1.4.2",
        account_id=account_id,
        id_base=WAREHOUSE_ID_BASE,
    )
    fake.go_down(
        note=f"{SAMPLE_FAILURE}: публикация {WAREHOUSE_ID_BASE} остановлена (POST {WAREHOUSE_PREFIX}/_fake/up)"
    )
    return fake


async def add_stage_triggers(database_url: str, account_id: int, pipeline_id: int, status_id: int) -> None:
    """Every base of the demo account sends a deal's order to 1C when it enters the stage (what an admin adds on
    the «Автоматизация» tab)."""
    async with db.isolated_database(database_url):
        for base in await OneCBase.filter(account_id=account_id):
            await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=pipeline_id, status_id=status_id)


def move_deal(amocrm_url: str, account_id: int, deal_id: int, status_id: int) -> None:
    """Move a deal in the fake amoCRM the way the demo tells a person to (its control route); raises
    DemoSeedError."""
    path = f"{amocrm_url}/_fake/accounts/{account_id}/leads/{deal_id}/status"
    response = httpx.post(path, json={"status_id": status_id}, timeout=10)
    if response.status_code != 200:
        raise DemoSeedError(f"{path} answered {response.status_code}: {response.text}")


def wait_for_delivery(working: FakeOneC, down: FakeOneC, deal_id: int) -> None:
    """Wait until the deal's order reached the working base and the down one was tried; raises DemoSeedError."""
    deadline = time.monotonic() + DELIVERY_DEADLINE
    while True:
        delivered = any(order.deal_id == deal_id for order in list(working.orders.values()))
        tried = any(request.type == "new_order" for request in list(down.requests))
        if delivered and tried:
            return
        if time.monotonic() > deadline:
            raise DemoSeedError(f"the stage trigger did not send deal {deal_id} to the fake 1C in time")
        time.sleep(0.1)


def automation_lines(
    amocrm_url: str, onec_url: str, account_id: int, deal_id: int, stage_id: int, moved: int
) -> list[str]:
    """What the demo prints about its automation: the trigger, the deal it moved, the base that is down, and how to
    move a deal yourself."""
    move = f"{amocrm_url}/_fake/accounts/{account_id}/leads/{deal_id}/status"
    return [
        f"  Automation (the settings' «Автоматизация» tab): bases 'demo-trade' and {WAREHOUSE_ID_BASE!r} send a deal's",
        f"  order to 1C when it enters «{TRIGGER_STAGE}» (stage {stage_id}). Deal {moved} was moved there and its",
        f"  order reached the fake 1C ({onec_url}/_fake/state). {WAREHOUSE_ID_BASE!r} is down (its publication is",
        "  stopped, as during a nightly backup): its order waits in the outbox and is retried. Bring it up, then press",
        "  «Отправить сейчас» on the tab (or wait for the next attempt):",
        f"    curl -X POST {onec_url}{WAREHOUSE_PREFIX}/_fake/up",
        "  Move a deal yourself in the fake amoCRM and watch its order reach the fake 1C:",
        f"    curl -X POST {move} -H 'Content-Type: application/json' -d '{{\"status_id\": {stage_id}}}'",
        f"    curl {onec_url}/_fake/state",
    ]
