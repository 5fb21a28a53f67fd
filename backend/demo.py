"""`amo1c demo`: amo1c with the fake amoCRM and the fake 1C on their own ports, seeded with sample data."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

import httpx

from backend import db
from backend.app import create_app
from backend.demo_automation import (
    TRIGGER_STAGE,
    WAREHOUSE_ID_BASE,
    WAREHOUSE_PREFIX,
    add_stage_triggers,
    automation_lines,
    move_deal,
    wait_for_delivery,
    warehouse_base,
)
from backend.demo_data import (
    SAMPLE_503,
    SAMPLE_FAILURE,
    SAMPLE_UNKNOWN_ORDER,
    DemoBase,
    DemoSeedError,
    ask_to_link,
    fail_documents_call,
    install_through_callback,
    link_as_operator,
    push_directory,
    push_sample_data,
    push_settings_samples,
    sample_documents,
    set_demo_event_rule,
)
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.fakes.onec.publications import Publications
from backend.liveserver import ServerStartError, ThreadedServer
from backend.settings import Settings

DEMO_DIRECTORY = Path("var")  # under the directory the demo runs in: var/demo-<amo1c port>.sqlite3
DEMO_CLIENT_ID = "a1b2c3d4-0000-4000-8000-00000000demo"
DEMO_CLIENT_SECRET = "demo-client-secret-for-the-fake-amocrm-only"
DEMO_ONEC_LOGIN = "Администратор"
DEMO_ONEC_PASSWORD = "demo-1c-password"
DEMO_ID_BASE = "demo-trade"
DEMO_AWAITING_BASE = "demo-branch"  # a second base 1C asked to link: it awaits the admin's approval
DEMO_ADMIN = ("admin", "admin")  # AMO1C_ADMIN_USER/PASSWORD of the demo: uploads handler packages
# Where a busy port is named: the server, `make demo`'s variable and `amo1c demo`'s option.
PORTS = (("amo1c", "PORT", "--port"), ("fake amoCRM", "AMOCRM_PORT", "--amocrm-port"),
         ("fake 1C", "ONEC_PORT", "--onec-port"))  # fmt: skip


class DemoError(Exception):
    """The demo cannot start (a port is taken, a server failed); the message says which."""


@dataclass
class DemoWorld:
    """The running demo: the three servers and what was seeded, for printing and for tests."""

    amo1c: ThreadedServer
    amocrm: ThreadedServer
    onec: ThreadedServer
    account_id: int
    deal_id: int
    synced: dict[str, int]
    directory: dict[str, Any]  # what the directory batch did (demo_data.push_directory)
    moved_deal_id: int  # moved onto the trigger stage: its order reached the fake 1C and waits for the other base
    stage_id: int  # the trigger stage
    lock: IO[str]  # held while the demo runs: no other demo in this directory may touch its database

    def stop(self) -> None:
        """Stop amo1c first, then the fakes it talks to; then let another demo use the database."""
        for server in (self.amo1c, self.amocrm, self.onec):
            server.stop()
        self.lock.close()


def run_demo(*, host: str, port: int, amocrm_port: int, onec_port: int) -> None:
    """Start everything, print what to open, and serve until Ctrl+C or SIGTERM; raises DemoError."""
    check_ports(host, (port, amocrm_port, onec_port))
    print(
        f"amo1c demo: starting on {host} ports {port}, {amocrm_port} and {onec_port} and seeding sample data.\n"
        f"amo1c demo: warnings «1C … failed» below are its intentional sample failures («{SAMPLE_FAILURE}»).",
        flush=True,
    )
    world = start_demo(host=host, port=port, amocrm_port=amocrm_port, onec_port=onec_port)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(describe(world), flush=True)
    try:
        stop.wait()
    finally:
        world.stop()
        print("amo1c demo stopped.", flush=True)


def check_ports(host: str, ports: tuple[int, int, int]) -> None:
    """Raise DemoError naming the first of amo1c's, the fake amoCRM's and the fake 1C's ports (in that order) that
    is repeated or cannot be listened on (another demo or program has it); touches nothing."""
    for index, ((name, variable, option), port) in enumerate(zip(PORTS, ports, strict=True)):
        choose = f"choose another with `make demo {variable}=…` or `amo1c demo {option} …`"
        if port in ports[:index]:
            other = PORTS[ports.index(port)][0]
            raise DemoError(f"port {port} is given to both {other} and {name}; {choose}")
        try:
            _probe(host, port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DemoError(
                    f"port {port} ({name}) is already in use on {host}, by another demo or program; {choose}"
                ) from None
            advice = f"; {choose}" if exc.errno == errno.EACCES else ""  # a port below 1024, for one
            raise DemoError(f"{name} cannot listen on {host}:{port}: {exc.strerror or exc}{advice}") from None


def _probe(host: str, port: int) -> None:
    """Bind, then release, every address `host` resolves to, as asyncio's create_server does for uvicorn (with
    SO_REUSEADDR, IPv6 sockets IPv6-only); raises OSError where a server could not listen."""
    for family, kind, proto, _, address in dict.fromkeys(
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    ):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            probe.bind(address)


def demo_database(port: int) -> Path:
    """The demo database of the demo whose amo1c listens on `port`, under the current directory."""
    return DEMO_DIRECTORY / f"demo-{port}.sqlite3"


def start_demo(*, host: str, port: int, amocrm_port: int, onec_port: int) -> DemoWorld:
    """Check the ports, start the fakes, seed them, migrate a fresh demo database and start amo1c; raises DemoError
    (before the database is touched when a port is busy or another demo here uses the database)."""
    check_ports(host, (port, amocrm_port, onec_port))
    database = demo_database(port)
    public_url = f"http://{host}:{port}"
    amocrm_url = f"http://{host}:{amocrm_port}"
    onec_url = f"http://{host}:{onec_port}"
    fake_amocrm = FakeAmoCRM(
        client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, redirect_uri=f"{public_url}/oauth/callback"
    )
    account = fake_amocrm.add_account(subdomain="demo", name="Демо: торговый дом «Ромашка»")
    fake_onec = FakeOneC(
        login=DEMO_ONEC_LOGIN,
        password=DEMO_ONEC_PASSWORD,
        path="/demo/hs/amo1c/handler",
        url_address=f"{onec_url}/demo",
        handlers_version="2",  # the newest of the sample packages the demo stores (demo_data.SAMPLE_PACKAGES)
        account_id=account.id,
        id_base=None,  # the linked base and the one awaiting approval are served by this one fake 1C
    )
    warehouse = warehouse_base(DEMO_ONEC_LOGIN, DEMO_ONEC_PASSWORD, onec_url, account.id)
    settings = Settings.from_env(mode="demo").with_overrides(
        database_url=f"sqlite://{database}",
        public_url=public_url,
        amocrm_client_id=DEMO_CLIENT_ID,
        amocrm_client_secret=DEMO_CLIENT_SECRET,
        amocrm_base_url=amocrm_url,
        admin_user=DEMO_ADMIN[0],
        admin_password=DEMO_ADMIN[1],
        onec_allow_private=True,
    )
    lock = _lock_database(database)
    servers: list[ThreadedServer] = []
    try:
        _fresh_database(settings.database_url)
        amocrm = _start(ThreadedServer(fake_amocrm, host=host, port=amocrm_port), "fake amoCRM", servers)
        published = Publications(fake_onec, {WAREHOUSE_PREFIX: warehouse})
        onec = _start(ThreadedServer(published, host=host, port=onec_port), "fake 1C", servers)
        inn_field = next(field.id for field in account.custom_fields["companies"] if field.name == "ИНН")
        seeded = asyncio.run(_seed_amocrm(amocrm_url, fake_amocrm.issue_code(account.id), public_url, inn_field))
        deal_id, other_deal_id = seeded
        fake_onec.add_documents(deal_id, sample_documents(f"{onec_url}/demo"))
        time.sleep(1.1)  # let the seeding requests leave the fake's 1-second rate window before amo1c starts
        amo1c = _start(ThreadedServer(create_app(settings), host=host, port=port), "amo1c", servers)
        asyncio.run(install_through_callback(amo1c.url, fake_amocrm.issue_code(account.id), "demo.amocrm.ru"))
        main = next(pipeline for pipeline in account.pipelines.values() if pipeline.is_main)
        paid_stage = [status.id for status in main.statuses if status.id not in (142, 143)][-1]
        asyncio.run(set_demo_event_rule(settings, account.id, main.id, paid_stage))
        base = DemoBase(
            id_base=DEMO_ID_BASE,
            web_address=f"{onec_url}/demo/hs/amo1c/handler",
            url_address=f"{onec_url}/demo",
            login=DEMO_ONEC_LOGIN,
            password=DEMO_ONEC_PASSWORD,
        )
        synced = asyncio.run(push_sample_data(amo1c.url, account.id, base, DEMO_ADMIN))
        directory = asyncio.run(push_directory(amo1c.url, account.id, base))
        branch = DemoBase(DEMO_AWAITING_BASE, base.web_address, base.url_address, base.login, base.password)
        asyncio.run(ask_to_link(amo1c.url, account.id, branch))
        fake_onec.generate_documents(synced["order"], 14)  # the synced order's documents, as 1C would hold them
        fields = {entity: {f.name: f.id for f in account.custom_fields[entity]} for entity in account.custom_fields}
        asyncio.run(push_settings_samples(amo1c.url, account.id, base, fields, DEMO_ADMIN))
        fake_onec.fail_next(1, status=503, body=SAMPLE_503, type="get_orders")
        asyncio.run(fail_documents_call(amo1c.url, deal_id, DEMO_ID_BASE))  # the log's "send again" has a call
        stored = DemoBase(WAREHOUSE_ID_BASE, f"{onec_url}{WAREHOUSE_PREFIX}/hs/amo1c/handler",
                          f"{onec_url}{WAREHOUSE_PREFIX}", base.login, base.password)  # fmt: skip
        asyncio.run(link_as_operator(amo1c.url, account.id, stored, DEMO_ADMIN))
        stage_id = next(status.id for status in main.statuses if status.name == TRIGGER_STAGE)
        asyncio.run(add_stage_triggers(settings.database_url, account.id, main.id, stage_id))
        move_deal(amocrm_url, account.id, other_deal_id, stage_id)  # as the printed instructions do
        wait_for_delivery(fake_onec, warehouse, other_deal_id)
    except DemoSeedError as exc:
        for server in reversed(servers):
            server.stop()
        lock.close()
        raise DemoError(f"seeding the demo through the sync API failed: {exc}") from None
    except BaseException:
        for server in reversed(servers):
            server.stop()
        lock.close()
        raise
    return DemoWorld(
        amo1c=amo1c,
        amocrm=amocrm,
        onec=onec,
        account_id=account.id,
        deal_id=deal_id,
        synced=synced,
        directory=directory,
        moved_deal_id=other_deal_id,
        stage_id=stage_id,
        lock=lock,
    )


READY = "amo1c demo is ready (Ctrl+C stops it)."  # the banner's last line: all of it has been printed
SETTINGS_TABS = (("/bases", "1C bases"), ("/mapping", "field mapping"), ("/rules", "event rules"),
                 ("/handlers", "handlers"), ("/log", "sync log"), ("/automation", "automation"))  # fmt: skip


def describe(world: DemoWorld) -> str:
    """The text printed for the person running the demo: every link, the fake 1C's login, what was seeded and
    which failures are the demo's own samples."""
    ui = f"{world.amo1c.url}/ui/demo/login?to=/ui"
    handler = f"{world.onec.url}/demo/hs/amo1c/handler"
    return "\n".join(
        [
            "",
            "amo1c demo is running (Ctrl+C stops it).",
            "",
            f"  amo1c               {world.amo1c.url}",
            f"    health            {world.amo1c.url}/healthz",
            f"    sync API          {world.amo1c.url}/sync/openapi.json  (its OpenAPI description)",
            "  Card panels and settings pages, as amoCRM frames them (the demo account was installed through the",
            "  real /oauth/callback; these sign-in links exist only under `amo1c demo`):",
            f"    deal card         {ui}/cards/leads/{world.synced['order']}  (the order 1C synced, with its events)",
            f"    another deal      {ui}/cards/leads/{world.deal_id}"
            "  (its documents; «Создать заказ в 1С» sends it to the fake 1C)",
            f"    contact card      {ui}/cards/contacts/{world.synced['contact']}",
            f"    company card      {ui}/cards/companies/{world.synced['company']}",
            f"    settings          {ui}/settings  (the overview «Обзор», and its tabs:)",
            *(f"      {name:<16}{ui}/settings{path}" for path, name in SETTINGS_TABS),
            f"  fake amoCRM         {world.amocrm.url}",
            f"    demo account      {world.amocrm.url}/_fake/accounts/{world.account_id}/state",
            f"    request log       {world.amocrm.url}/_fake/requests",
            f"  fake 1C             {handler}",
            f"    login / password  {DEMO_ONEC_LOGIN} / {DEMO_ONEC_PASSWORD}  (Basic Auth, both ways)",
            f"    1C state          {world.onec.url}/_fake/state",
            f"    base down         {world.onec.url}{WAREHOUSE_PREFIX}/hs/amo1c/handler  ({WAREHOUSE_ID_BASE!r})",
            "",
            f"  demo deal {world.deal_id} has sample 1C documents in the fake 1C.",
            f"  1C base {DEMO_AWAITING_BASE!r} asked to be linked and awaits approval on the settings page",
            "  («Подключить» / «Отклонить»): until then it can do nothing and card panels do not offer it.",
            f"  1C base {DEMO_ID_BASE!r} is linked (by the server's operator). Through the sync API it synced",
            f"  contact {world.synced['contact']}, company {world.synced['company']} and deal {world.synced['order']}:",
            "  paid, so the demo event rule moved the deal, with a note for each 1C event.",
            f"  Another 1C counterparty matched contact {world.synced['known_contact']} by phone: no duplicate.",
            f"  A directory of {world.directory['items']} counterparties came as one batch "
            "(POST /sync/clients_contacts/batch):",
            f"  {world.directory['created']} created, one matched contact {world.directory['matched']} by phone, "
            f"{world.directory['refused']} refused (no name): each item has its own answer. Send one yourself:",
            f"    {_batch_example(world)}",
            "",
            f"  Intentional sample failures (made on purpose; their texts say «{SAMPLE_FAILURE}»):",
            f"    - get_orders of deal {world.deal_id} answered 503: the sync log's failed call into 1C to send again;",
            f"    - 1C sent an event for an order amo1c does not know ({SAMPLE_UNKNOWN_ORDER!r}): refused with 409, in",
            "      the sync log;",
            f"    - base {WAREHOUSE_ID_BASE!r} is down: its order waits in the outbox; each retry logs",
            "      «1C new_order failed».",
            "",
            *automation_lines(
                world.amocrm.url, world.onec.url, world.account_id, world.deal_id, world.stage_id, world.moved_deal_id
            ),
            "",
            READY,
        ]
    )


def _batch_example(world: DemoWorld) -> str:
    """A curl command sending a batch of two counterparties (one without a name) as 1C would."""
    items = [{"id_1c": "demo-1", "name": "Тест"}, {"id_1c": "demo-2"}]
    body = json.dumps({"key": world.account_id, "id_base": DEMO_ID_BASE, "items": items}, ensure_ascii=False)
    return (
        f"curl -u '{DEMO_ONEC_LOGIN}:{DEMO_ONEC_PASSWORD}' -H 'Content-Type: application/json' "
        f"-d '{body}' {world.amo1c.url}/sync/clients_contacts/batch"
    )


def _start(server: ThreadedServer, name: str, started: list[ThreadedServer]) -> ThreadedServer:
    try:
        server.start()
    except ServerStartError as exc:
        raise DemoError(f"{name} could not listen on {server.url} ({exc}); is the port taken? see --help") from None
    started.append(server)
    return server


def _lock_database(database: Path) -> IO[str]:
    """Hold the demo database's lock file (released when the returned file is closed, or the process ends); raises
    DemoError when another demo in this directory holds it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    lock = database.with_suffix(".lock").open("a", encoding="utf-8")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise DemoError(f"another amo1c demo in this directory is using {database}; stop it first") from None
    return lock


def _fresh_database(database_url: str) -> None:
    path = db.sqlite_path(database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).unlink(missing_ok=True)
    asyncio.run(db.apply_migrations(database_url))


async def _seed_amocrm(amocrm_url: str, code: str, public_url: str, inn_field: int) -> tuple[int, int]:
    """Create sample contacts, a company and two deals in the fake amoCRM through its real API; the deals' ids."""
    async with httpx.AsyncClient(base_url=amocrm_url, timeout=10.0) as http:
        grant = await http.post(
            "/oauth2/access_token",
            json={
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{public_url}/oauth/callback",
            },
        )
        grant.raise_for_status()
        http.headers["Authorization"] = f"Bearer {grant.json()['access_token']}"
        contacts = await http.post(
            "/api/v4/contacts",
            json=[
                {
                    "name": "Анна Смирнова",
                    "custom_fields_values": [
                        {"field_code": "PHONE", "values": [{"value": "+7 912 345-67-89", "enum_code": "MOB"}]},
                        {"field_code": "EMAIL", "values": [{"value": "anna@romashka.example", "enum_code": "WORK"}]},
                    ],
                },
                {
                    "name": "Олег Кузнецов",
                    "custom_fields_values": [
                        {"field_code": "PHONE", "values": [{"value": "+7 495 111-22-33", "enum_code": "WORK"}]}
                    ],
                },
            ],
        )
        contacts.raise_for_status()
        contact_id = contacts.json()["_embedded"]["contacts"][0]["id"]
        company = await http.post(
            "/api/v4/companies",
            json=[
                {
                    "name": "ООО «Ромашка»",
                    "custom_fields_values": [{"field_id": inn_field, "values": [{"value": "7704123456"}]}],
                }
            ],
        )
        company.raise_for_status()
        company_id = company.json()["_embedded"]["companies"][0]["id"]
        leads = await http.post(
            "/api/v4/leads",
            json=[
                {
                    "name": "Поставка офисной мебели",
                    "price": 184500,
                    "_embedded": {"contacts": [{"id": contact_id, "is_main": True}], "companies": [{"id": company_id}]},
                },
                {"name": "Сервисное обслуживание", "price": 36000},
            ],
        )
        leads.raise_for_status()
        made = leads.json()["_embedded"]["leads"]
        return int(made[0]["id"]), int(made[1]["id"])
