from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.demo import (
    DEMO_AWAITING_BASE,
    DEMO_ID_BASE,
    DEMO_ONEC_LOGIN,
    DEMO_ONEC_PASSWORD,
    PORTS,
    READY,
    SETTINGS_TABS,
)
from backend.demo_data import SAMPLE_503, SAMPLE_FAILURE, SAMPLE_UNKNOWN_ORDER
from backend.widget import SOURCE_ROOT
from tests.demo_process import DemoProcess, running_demo
from tests.test_cli import free_port

OPTIONS = [option for _, _, option in PORTS]
LINK = re.compile(r"http://127\.0\.0\.1:\d+[^\s)]*")


def demo_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}


def run_demo(cwd: Path, *ports: int | str) -> subprocess.CompletedProcess[str]:
    """`amo1c demo` with amo1c's, the fake amoCRM's and the fake 1C's ports, for one that must not start."""
    options = [item for option, port in zip(OPTIONS, ports, strict=True) for item in (option, str(port))]
    return subprocess.run(
        [sys.executable, "-m", "backend", "demo", *options],
        cwd=cwd, env=demo_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    """One demo for the module's tests, in a directory of its own (its cwd)."""
    ports = {"amo1c": free_port(), "amocrm": free_port(), "onec": free_port()}
    with running_demo(tmp_path_factory.mktemp("demo"), ports) as process:
        process.wait_for(READY)
        yield process
        assert "amo1c demo stopped." in process.stop()


@pytest.fixture
def demo(demo_process: DemoProcess) -> dict[str, str]:
    return {name: demo_process.url(name) for name in demo_process.ports} | {"printed": demo_process.stdout}


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


def test_the_banner_lists_every_link_and_the_fake_1c_login_and_each_answers(demo_process: DemoProcess) -> None:
    printed = demo_process.stdout
    first, second, *_ = printed.splitlines()
    assert first.startswith("amo1c demo: starting on 127.0.0.1 ports")
    assert "intentional sample failures" in second and SAMPLE_FAILURE in second
    login = next(line for line in printed.splitlines() if "login / password" in line)
    assert f"{DEMO_ONEC_LOGIN} / {DEMO_ONEC_PASSWORD}" in login
    links = {link for line in printed.splitlines() if "curl" not in line for link in LINK.findall(line)}
    ui = f"{demo_process.url('amo1c')}/ui/demo/login?to=/ui"
    for page in (
        "cards/leads/",
        "cards/contacts/",
        "cards/companies/",
        *(f"settings{path}" for path, _ in SETTINGS_TABS),
    ):
        assert any(link.startswith(f"{ui}/{page}") for link in links), f"no link to {page}: {printed}"
    assert f"{ui}/settings" in links
    with httpx.Client(timeout=20, follow_redirects=True) as http:
        for link in sorted(link for link in links if link.count("/") > 2):  # not a server's bare base URL
            answer = http.get(link)
            if link.endswith("/hs/amo1c/handler") and "/warehouse/" not in link:
                assert answer.status_code == 405, link  # 1C's HTTP service takes POST only
            elif "/warehouse/" in link:
                assert answer.status_code == 503 and SAMPLE_FAILURE in answer.text, link  # down on purpose
            else:
                assert answer.status_code == 200, (link, answer.text[:300])
                assert 'class="amo1c-error"' not in answer.text, link


def test_the_intentional_failures_are_labelled_where_they_are_printed(demo_process: DemoProcess) -> None:
    printed = demo_process.stdout
    assert "Intentional sample failures" in printed and repr(SAMPLE_UNKNOWN_ORDER) in printed
    warnings = [line for line in demo_process.stderr.splitlines() if "failed" in line]
    assert any("get_orders" in line for line in warnings) and any("new_order" in line for line in warnings)
    for line in warnings:
        assert SAMPLE_FAILURE in line, line
    assert "Traceback" not in demo_process.stderr
    with httpx.Client(base_url=demo_process.url("amo1c"), timeout=20, follow_redirects=True) as http:
        log = http.get("/ui/demo/login", params={"to": "/ui/settings/log"}).text
        automation = http.get("/ui/demo/login", params={"to": "/ui/settings/automation"}).text
    assert f"1С {SAMPLE_UNKNOWN_ORDER}" in log  # the event 1C sent for an order amo1c does not know
    assert SAMPLE_503.split(":")[0] in log  # the get_orders refused with 503
    assert SAMPLE_FAILURE in automation  # the order waiting for the base that is down


def test_a_second_demo_in_the_same_directory_names_the_busy_port_and_leaves_the_first_alone(
    demo_process: DemoProcess,
) -> None:
    workdir = demo_process.workdir
    var = workdir / "var"
    database = var / f"demo-{demo_process.ports['amo1c']}.sqlite3"
    before, files = database.stat(), sorted(var.iterdir())
    taken = [demo_process.ports[name] for name in ("amo1c", "amocrm", "onec")]
    for busy, (server, variable, option) in enumerate(PORTS):
        ports = [port if index == busy else free_port() for index, port in enumerate(taken)]
        for attempt in (ports, taken):  # only that port shared, then all three (the first busy one is named)
            result = run_demo(workdir, *attempt)
            named = busy if attempt is ports else 0
            server, variable, option = PORTS[named]
            assert result.returncode == 1, result.stderr
            assert result.stderr == (
                f"amo1c: error: port {taken[named]} ({server}) is already in use on 127.0.0.1, by another demo or "
                f"program; choose another with `make demo {variable}=…` or `amo1c demo {option} …`\n"
            )
            assert result.stdout == ""
    after = database.stat()
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino), "the first demo's database was replaced"
    assert after.st_size >= before.st_size and sorted(var.iterdir()) == files
    with httpx.Client(base_url=demo_process.url("amo1c"), timeout=20, follow_redirects=True) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        bases = http.get("/ui/demo/login", params={"to": "/ui/settings"})
    assert bases.status_code == 200 and DEMO_ID_BASE in bases.text and DEMO_AWAITING_BASE in bases.text
    assert demo_process.process.poll() is None


def test_a_demo_whose_database_another_demo_holds_refuses_without_touching_it(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "var").mkdir()
    database = tmp_path / "var" / f"demo-{port}.sqlite3"
    database.write_bytes(b"another demo's data")
    with (tmp_path / "var" / f"demo-{port}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_demo(tmp_path, port, free_port(), free_port())
    assert result.returncode == 1
    assert result.stderr == (
        f"amo1c: error: another amo1c demo in this directory is using var/demo-{port}.sqlite3; stop it first\n"
    )
    assert database.read_bytes() == b"another demo's data"


@pytest.mark.parametrize(
    ("ports", "message"),
    [
        ((0, 8001, 8002), "argument --port: '0' is not a port number (1–65535)"),
        ((8000, "70000", 8002), "argument --amocrm-port: '70000' is not a port number (1–65535)"),
        ((8000, 8001, "x"), "argument --onec-port: 'x' is not a port number (1–65535)"),
    ],
)
def test_demo_refuses_what_is_not_a_port(tmp_path: Path, ports: tuple[int | str, ...], message: str) -> None:
    result = run_demo(tmp_path, *ports)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"amo1c demo: error: {message}"
    assert not (tmp_path / "var").exists()


def test_demo_refuses_one_port_for_two_servers(tmp_path: Path) -> None:
    port = free_port()
    result = run_demo(tmp_path, free_port(), port, port)
    assert result.returncode == 1
    assert result.stderr == (
        f"amo1c: error: port {port} is given to both fake amoCRM and fake 1C; "
        "choose another with `make demo ONEC_PORT=…` or `amo1c demo --onec-port …`\n"
    )


def make_dry_run(*args: str, **env: str) -> list[str]:
    """The commands `make -n` would run in this checkout (nothing is run), with `env` added to the environment —
    as a make of its own, also when the suite itself runs under `make test` (no inherited MAKEFLAGS/MAKELEVEL)."""
    outer = {key: value for key, value in demo_env().items() if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", *args], cwd=SOURCE_ROOT, env=outer | env, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    return result.stdout.splitlines()


def test_make_demo_passes_the_port_variables_to_amo1c_demo() -> None:
    default = ".venv/bin/amo1c demo --port 8000 --amocrm-port 8001 --onec-port 8002"
    assert make_dry_run("demo")[-1] == default
    assert make_dry_run("demo", PORT="5000")[-1] == default  # a PORT meant for something else is not taken
    chosen = make_dry_run("demo", "PORT=9100", "AMOCRM_PORT=9101", "ONEC_PORT=9102")
    assert chosen[-1] == ".venv/bin/amo1c demo --port 9100 --amocrm-port 9101 --onec-port 9102"


def test_make_test_checks_the_formatting() -> None:
    assert ".venv/bin/ruff format --check backend tests benchmarks" in make_dry_run("test")


def test_demo_with_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_demo(tmp_path, free_port(), port, free_port())
    assert result.returncode == 1
    assert result.stderr == (
        f"amo1c: error: port {port} (fake amoCRM) is already in use on 127.0.0.1, by another demo or program; "
        "choose another with `make demo AMOCRM_PORT=…` or `amo1c demo --amocrm-port …`\n"
    )
    assert result.stdout == ""
    assert not (tmp_path / "var").exists(), "nothing may be created before the ports are known to be free"
