from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.demo_process import running_demo
from tests.test_cli import free_port


def demo_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[dict[str, str]]:
    ports = {"amo1c": free_port(), "amocrm": free_port(), "onec": free_port()}
    with running_demo(tmp_path, ports) as process:
        printed = process.wait_for("demo deal")
        yield {name: process.url(name) for name in ports} | {"printed": printed}
        assert "amo1c demo stopped." in process.stop()


def test_demo_serves_healthz_and_both_fakes_with_sample_data(demo: dict[str, str]) -> None:
    assert demo["amo1c"] in demo["printed"] and demo["amocrm"] in demo["printed"] and demo["onec"] in demo["printed"]
    assert httpx.get(f"{demo['amo1c']}/healthz").json() == {"status": "ok"}
    accounts = httpx.get(f"{demo['amocrm']}/_fake/accounts").json()["accounts"]
    assert [account["subdomain"] for account in accounts] == ["demo"]
    state = httpx.get(f"{demo['amocrm']}/_fake/accounts/{accounts[0]['account_id']}/state").json()
    assert len(state["leads"]) == 3 and len(state["companies"]) == 2
    deal_id = str(state["leads"][0]["id"])
    assert f"demo deal {deal_id}" in demo["printed"]
    documents = httpx.get(f"{demo['onec']}/_fake/state").json()["documents"][deal_id]
    order = next(doc for doc in documents if doc["parent_link"] == "")
    assert {doc["parent_link"] for doc in documents if doc is not order} == {order["link"]}
    synced = state["leads"][-1]
    assert synced["name"] == "Заказ 1С №00000058" and synced["price"] == 248900
    texts = [note["params"]["text"] for note in state["notes"] if note["entity_id"] == synced["id"]]
    assert [text.split(",")[0] for text in texts] == ["1С: Частичная оплата", "1С: Оплата", "1С: Частичная отгрузка"]
    assert len(state["contacts"]) == 12, "two 1C counterparties were matched by phone, not duplicated"
    names = [contact["name"] for contact in state["contacts"]]
    assert "Павел Егоров" in names and names.count("Марина Волкова") == 1
    assert "9 created, one matched contact" in demo["printed"] and "1 refused (no name)" in demo["printed"]
    example = next(line for line in demo["printed"].splitlines() if "curl -u" in line).strip()
    answered = subprocess.run(example, shell=True, capture_output=True, text=True, check=True).stdout
    assert [item["success"] for item in json.loads(answered)["data"]] == [True, False]
    assert (
        sum(1 for record in httpx.get(f"{demo['amocrm']}/_fake/requests").json()["requests"] if record["status"] == 429)
        == 0
    )
    unauthenticated = httpx.post(f"{demo['onec']}/demo/hs/amo1c/handler", json={"type": "get_handlers_version"})
    assert unauthenticated.status_code == 401


def test_demo_with_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "backend", "demo", "--port", str(free_port()), "--amocrm-port", str(port),
             "--onec-port", str(free_port())],
            cwd=tmp_path, env=demo_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"amo1c: error: fake amoCRM could not listen on http://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
