"""Shared fixtures: a migrated database per test, settings, the app with its lifespan, an ASGI client; and the rule
for tests that need tools outside the virtualenv (the `browser`, `postgres` and `deploy` markers).

The database is SQLite, or PostgreSQL with AMO1C_TEST_DB=postgres: then only the tests that use a database (or are
marked `postgres`) run, each on a fresh copy of a migrated template database on the server named by AMO1C_TEST_PG,
or on a PostgreSQL 15 cluster this run starts in a temporary directory and stops at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backend import db
from backend.amocrm import LocalRequestBudget, RequestBudget, RetryPolicy
from backend.app import create_app
from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.settings import Settings
from backend.testing import postgres as pg

CHROMIUM = Path("/usr/bin/chromium")
POSTGRES_INITDB = pg.PG_BIN / "initdb"
TOOL_PATH = f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin{os.pathsep}/usr/bin"  # nginx is in /usr/sbin
TEST_DB_VARIABLE = "AMO1C_TEST_DB"  # "postgres" runs the database tests on PostgreSQL


def testing_on_postgres() -> bool:
    """This run puts the tests' databases on PostgreSQL (AMO1C_TEST_DB=postgres)."""
    return os.environ.get(TEST_DB_VARIABLE, "sqlite") == "postgres"


def browser_available() -> bool:
    """Debian's chromium and the playwright package are both installed."""
    return CHROMIUM.is_file() and importlib.util.find_spec("playwright") is not None


def deploy_tools_available() -> bool:
    """nginx and systemd-analyze, which check the files of deploy/, are installed."""
    return all(shutil.which(tool, path=TOOL_PATH) for tool in ("nginx", "systemd-analyze"))


def postgres_available() -> bool:
    """A PostgreSQL server is given (AMO1C_TEST_PG) or PostgreSQL 15's server binaries are installed."""
    return bool(os.environ.get(pg.TEST_PG_VARIABLE)) or pg.binaries_available()


# marker -> (is the tool there, what is missing)
REQUIREMENTS = {
    "browser": (browser_available, f"{CHROMIUM} or the playwright package is missing (make test installs chromium)"),
    "postgres": (
        postgres_available,
        f"{POSTGRES_INITDB} is missing (apt-get install postgresql-15) and {pg.TEST_PG_VARIABLE} names no server",
    ),
    "deploy": (deploy_tools_available, "nginx or systemd-analyze is missing (make test installs them)"),
}


def require_or_skip(marker: str, available: bool, reason: str) -> None:
    """Skip a test whose tool is missing, except on CI (CI=true), where a missing tool fails the test instead."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{marker} test cannot run with CI=true: {reason}", pytrace=False)
    pytest.skip(f"{marker} test skipped: {reason}")


def import_for(marker: str, module: str) -> Any:
    """Import a module a requirement marker's tests need (playwright for "browser"): when it is missing, the importing
    test module is skipped — or, with CI=true, fails — instead of breaking the collection of the whole suite."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"{marker} tests skipped: {module} is not installed", allow_module_level=True)


def require_tool(marker: str) -> None:
    """require_or_skip for the tool behind a requirement marker ("browser" or "postgres")."""
    available, reason = REQUIREMENTS[marker]
    require_or_skip(marker, available(), reason)


@pytest.fixture(autouse=True)
def _required_tools(request: pytest.FixtureRequest) -> None:
    """Tests marked `browser` or `postgres` skip (or, on CI, fail) when the tool they need is missing.

    Fixtures of a wider scope are set up before this one, so such a fixture that needs the tool calls
    require_tool(marker) itself first (see tests/e2e/conftest.py).
    """
    for marker in REQUIREMENTS:
        if request.node.get_closest_marker(marker) is not None:
            require_tool(marker)


def pytest_report_header(config: pytest.Config) -> str:
    where = pg.TEST_PG_VARIABLE if os.environ.get(pg.TEST_PG_VARIABLE) else "a temporary PostgreSQL 15 cluster"
    return f"databases: PostgreSQL ({where})" if testing_on_postgres() else "databases: SQLite"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL run only what touches a database: the tests using `database_url` and those marked postgres."""
    if not testing_on_postgres():
        return
    kept, dropped = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (kept if uses_database or item.get_closest_marker("postgres") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def forget_cached_queries() -> None:
    """Drop Tortoise's cached INSERT statements; every fixture handing out a database calls it.

    Tortoise caches them per (connection name, table), not per database kind, so a test on PostgreSQL after one
    on SQLite in the same run would send SQLite's `?` placeholders to PostgreSQL.
    """
    EXECUTOR_CACHE.clear()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.PostgresServer]:
    """AMO1C_TEST_PG's server, or a temporary PostgreSQL 15 cluster for the whole run."""
    require_tool("postgres")  # session fixtures are set up before the autouse per-test check
    with pg.postgres_server(os.environ.get(pg.TEST_PG_VARIABLE)) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres_server: pg.PostgresServer) -> Iterator[str]:
    """The name of a PostgreSQL database with every migration applied once per session."""
    name = pg.unique_name("amo1c_template")
    url = postgres_server.create_database(name)
    try:
        pg.run_in_thread(lambda: db.apply_migrations(url))
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def postgres_database_url(postgres_server: pg.PostgresServer, postgres_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test (a copy of the template), dropped afterwards."""
    name = pg.unique_name("amo1c_test")
    url = postgres_server.create_database(name, template=postgres_template)
    forget_cached_queries()
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table, on SQLite and on PostgreSQL."""
    forget_cached_queries()
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'fresh.sqlite3'}"
        return
    server: pg.PostgresServer = request.getfixturevalue("postgres_server")
    name = pg.unique_name("amo1c_empty")
    yield server.create_database(name)
    server.drop_database(name)


MIGRATIONS_DIR = Path(db.__file__).resolve().parent / "migrations"


async def migrate_all_but_the_last(url: str) -> str:
    """Apply every migration but the newest to the database at `url` (an isolated context, closed after); returns the
    newest one's name."""
    from tortoise.migrations.api import migrate

    *older, newest = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))
    async with db.isolated_database(url):
        await migrate(config=db.tortoise_config(url), target=f"{db.APP_LABEL}.{older[-1]}")
    return newest


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied once per session, by the real migration code."""
    path = tmp_path_factory.mktemp("template") / "amo1c.sqlite3"
    asyncio.run(db.apply_migrations(f"sqlite://{path}"))
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh migrated database for one test: SQLite, or PostgreSQL with AMO1C_TEST_DB=postgres."""
    if testing_on_postgres():
        url: str = request.getfixturevalue("postgres_database_url")
        return url
    migrated_template: Path = request.getfixturevalue("migrated_template")
    path = tmp_path / "amo1c.sqlite3"
    shutil.copyfile(migrated_template, path)
    forget_cached_queries()
    return f"sqlite://{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: a fresh database, the development secret key, demo OAuth credentials."""
    return Settings(
        database_url=database_url,
        amocrm_client_id="00000000-0000-4000-8000-000000000001",
        amocrm_client_secret="test-client-secret-0123456789abcdef",
        amocrm_base_url="http://amocrm.test",
        admin_user="admin",
        admin_password="admin-password",
        onec_allow_private=True,
        mode="test",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The application with its lifespan running (database open, HTTP clients created)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amo1c.test") as http:
        yield http


async def no_sleep(seconds: float) -> None:
    """A RetryPolicy sleep that does not wait, so retry tests run at once."""
    return None


@pytest.fixture
def fake_amocrm(settings: Settings) -> FakeAmoCRM:
    """The fake amoCRM with the test settings' OAuth credentials and no rate limit."""
    assert settings.amocrm_client_id and settings.amocrm_client_secret
    return FakeAmoCRM(
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=settings.redirect_uri,
        rps_limit=0,
    )


@contextlib.asynccontextmanager
async def amo1c_over_fakes(
    settings: Settings,
    amocrm: FakeAmoCRM,
    onec: FakeOneC | None = None,
    *,
    budget: RequestBudget | None = None,
    background: bool = True,
) -> AsyncIterator[Starlette]:
    """amo1c with its lifespan running in front of the fake amoCRM (and the fake 1C when given): a budget of 50 rps
    unless another is given, retries without sleeping. The one way tests put amo1c before the fakes."""
    application = create_app(
        settings,
        amocrm_transport=httpx.ASGITransport(app=amocrm),
        onec_transport=httpx.ASGITransport(app=onec) if onec is not None else None,
        amocrm_budget=budget if budget is not None else LocalRequestBudget(50),
        amocrm_retry=RetryPolicy(sleep=no_sleep),
        background=background,
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def amo_app(settings: Settings, fake_amocrm: FakeAmoCRM) -> AsyncIterator[Starlette]:
    """amo1c with its lifespan running, whose amoCRM is the fake (budget 50 rps, retries without sleeping)."""
    async with amo1c_over_fakes(settings, fake_amocrm) as application:
        yield application


def client_of(app: Starlette, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """An HTTP client of the in-process app whose requests come from the client `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://amo1c.test")


@pytest.fixture
async def amo_client(amo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of amo1c whose amoCRM is the fake; no account yet."""
    async with client_of(amo_app) as http:
        yield http
