"""End-to-end fixtures: the fake amoCRM, amo1c and the amoCRM imitation as real servers on 127.0.0.1, and Chromium.

The servers live for one test module. amo1c keeps Tortoise's context global, so the test process never opens the
database while amo1c runs: it is migrated before the server starts and everything else goes over HTTP.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from backend import db
from backend.app import create_app
from backend.demo import READY, demo_database
from backend.fakes.amocrm import FakeAmoCRM
from backend.liveserver import ThreadedServer
from backend.pages import CONTENT_POLICY
from backend.settings import Settings
from backend.widget import SOURCE_ROOT, build_widget
from tests.conftest import CHROMIUM, require_tool
from tests.demo_process import running_demo
from tests.e2e.harness import create_harness, read_widget_zip
from tests.factories import widget_jwt

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HOST = "127.0.0.1"
CLIENT_ID = "00000000-0000-4000-8000-0000000000e2"
CLIENT_SECRET = "e2e-client-secret-0123456789abcdef"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
EXPECT_TIMEOUT_MS = 10_000


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Ports:
    amo1c: int
    amocrm: int
    harness: int
    closed: int  # never listened on: the backend URL of the "amo1c is down" widget build


@dataclass(frozen=True)
class Stack:
    """What a browser test needs to know about the running servers."""

    amo1c_url: str
    harness_url: str
    account_id: int  # installed in amo1c through the real OAuth callback


@pytest.fixture(scope="module")
def ports() -> Ports:
    return Ports(amo1c=free_port(), amocrm=free_port(), harness=free_port(), closed=free_port())


@pytest.fixture(scope="module")
def e2e_settings(ports: Ports, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """amo1c's settings, on a freshly migrated SQLite file; the harness origin may call /ui/session and frame it."""
    database_url = f"sqlite://{tmp_path_factory.mktemp('e2e-db') / 'amo1c.sqlite3'}"
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one once Chromium is up.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(db.apply_migrations(database_url))).result()
    return Settings(
        mode="test",
        database_url=database_url,
        public_url=f"http://{HOST}:{ports.amo1c}",
        amocrm_base_url=f"http://{HOST}:{ports.amocrm}",
        amocrm_client_id=CLIENT_ID,
        amocrm_client_secret=CLIENT_SECRET,
        widget_origins=(f"http://{HOST}:{ports.harness}",),
        onec_allow_private=True,
    )


@pytest.fixture(scope="module")
def amocrm_server(e2e_settings: Settings, ports: Ports) -> Iterator[FakeAmoCRM]:
    """The fake amoCRM serving over HTTP with amo1c's OAuth credentials."""
    fake = FakeAmoCRM(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=e2e_settings.redirect_uri, rps_limit=0
    )
    with ThreadedServer(fake, host=HOST, port=ports.amocrm):
        yield fake


@pytest.fixture(scope="module")
def amo1c_server(e2e_settings: Settings, ports: Ports, amocrm_server: FakeAmoCRM) -> Iterator[str]:
    """amo1c serving over HTTP, talking to the fake amoCRM; yields its URL."""
    with ThreadedServer(create_app(e2e_settings), host=HOST, port=ports.amo1c) as server:
        yield server.url


@pytest.fixture(scope="module")
def installed_account(amo1c_server: str, amocrm_server: FakeAmoCRM) -> int:
    """An account of the fake amoCRM installed through amo1c's real callback, as amoCRM's widget install does."""
    account = amocrm_server.add_account(subdomain="shop", name="Магазин")
    query = {"code": amocrm_server.issue_code(account.id), "referer": "shop.amocrm.ru", "from_widget": "1"}
    response = httpx.get(f"{amo1c_server}/oauth/callback", params=query, timeout=20)
    assert response.status_code == 200, response.text
    return account.id


@pytest.fixture(scope="module")
def widget_builds(ports: Ports, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """The widget built as for upload: "live" points at amo1c, "down" at a port where nothing listens."""
    out = tmp_path_factory.mktemp("widget")
    urls = {"live": f"http://{HOST}:{ports.amo1c}", "down": f"http://{HOST}:{ports.closed}"}
    return {name: read_widget_zip(build_widget(SOURCE_ROOT, url, out / f"{name}.zip")) for name, url in urls.items()}


@pytest.fixture(scope="module")
def harness_server(e2e_settings: Settings, ports: Ports, widget_builds: dict[str, dict[str, bytes]]) -> Iterator[str]:
    """The amoCRM imitation (tests/e2e/harness.py) on its own origin; yields its URL."""

    def sign(account_id: int, user_id: int, is_admin: bool, forged: bool) -> str:
        key = "not-the-client-secret-of-this-integration" if forged else None
        return widget_jwt(e2e_settings, account_id, user_id=user_id, is_admin=is_admin, key=key)

    with ThreadedServer(create_harness(widget_builds, sign), host=HOST, port=ports.harness) as server:
        yield server.url


@pytest.fixture(scope="module")
def stack(amo1c_server: str, harness_server: str, installed_account: int) -> Stack:
    return Stack(amo1c_url=amo1c_server, harness_url=harness_server, account_id=installed_account)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never Playwright's own browser download)."""
    require_tool("browser")  # module fixtures run before the autouse per-test check
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class BrowserPage:
    """A fresh page, the uncaught JavaScript errors it raised and its console errors (a refused request is one),
    what broke amo1c's Content-Security-Policy and the browser's own dialogs it opened (alert, confirm: amo1c asks
    in the page); each test using the page fails on the last two."""

    page: Page
    errors: list[str]
    console_errors: list[str]
    csp_violations: list[str] = field(default_factory=list)
    native_dialogs: list[str] = field(default_factory=list)

    def saw_error(self, text: str) -> None:
        """An uncaught error; a CSP refusal (an eval) is a violation too."""
        self.errors.append(text)
        if CSP_TEXT in text:
            self.csp_violations.append(text)

    def saw_console(self, kind: str, text: str) -> None:
        """A console message; Chromium logs every CSP refusal there."""
        if kind == "error":
            self.console_errors.append(text)
        if CSP_TEXT in text:
            self.csp_violations.append(text)

    def saw_violation(self, policy: str, text: str) -> None:
        """A securitypolicyviolation event of a document under `policy`."""
        if policy.startswith(CONTENT_POLICY):  # a frame of amo1c's, not the amoCRM imitation around it
            self.csp_violations.append(text)


CSP_TEXT = "Content Security Policy"  # in Chromium's console message for every violation
# Runs in every frame before the page's own scripts; also sees violations that a page catches (htmx's eval).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.amo1cCspViolation(event.originalPolicy,
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " in " + event.documentURI);
});
"""


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[BrowserPage]:
    """A fresh page in a fresh context; the test fails if any amo1c frame in it broke the Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    context.expose_binding("amo1cCspViolation", lambda source, policy, text: opened.saw_violation(policy, text))
    context.add_init_script(CSP_REPORTER)
    opened = BrowserPage(context.new_page(), [], [])
    opened.page.on("pageerror", lambda error: opened.saw_error(str(error)))
    opened.page.on("console", lambda message: opened.saw_console(message.type, message.text))
    opened.page.on("dialog", lambda dialog: (opened.native_dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield opened
    finally:
        context.close()
    if opened.csp_violations:
        pytest.fail("amo1c's Content-Security-Policy was violated:\n" + "\n".join(opened.csp_violations), pytrace=False)
    if opened.native_dialogs:
        pytest.fail("the browser's own dialog opened:\n" + "\n".join(opened.native_dialogs), pytrace=False)


def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (gitignored)."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@dataclass(frozen=True)
class Demo:
    """A running `amo1c demo` (a subprocess, as a person starts it) and what it printed."""

    amo1c: str
    amocrm: str
    onec: str
    account_id: int
    deal_id: int  # the deal with sample documents
    order_deal_id: int  # the deal 1C synced as its order
    database: Path  # the demo's SQLite file, for tests that assert what amo1c stored (read-only)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    ports = {"amo1c": free_port(), "amocrm": free_port(), "onec": free_port()}
    workdir = tmp_path_factory.mktemp("demo")
    with running_demo(workdir, ports) as process:
        printed = process.wait_for(READY)  # the banner's last line
        found = [
            re.search(pattern, printed)
            for pattern in (
                r"_fake/accounts/(\d+)/state",
                r"demo deal (\d+) has sample 1C documents",
                r"and deal (\d+):",
            )
        ]
        assert all(found), f"the demo did not start: {printed} {process.stderr}"
        account_id, deal_id, order_deal_id = (int(match.group(1)) for match in found if match)
        yield Demo(
            process.url("amo1c"),
            process.url("amocrm"),
            process.url("onec"),
            account_id,
            deal_id,
            order_deal_id,
            workdir / demo_database(ports["amo1c"]),
        )
