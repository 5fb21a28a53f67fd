"""Tortoise ORM configuration shared by the application, `amo1c migrate` and Tortoise's own CLI."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from backend.settings import DEFAULT_DATABASE_URL

MODELS_MODULE = "backend.models"
MIGRATIONS_MODULE = "backend.migrations"
APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The one Tortoise config dict for `database_url`, with the models app and its migrations."""
    return {
        "connections": {"default": _connection(database_url)},
        "apps": _apps(),
        "use_tz": True,
        "timezone": "UTC",
    }


def _apps() -> dict[str, Any]:
    return {APP_LABEL: {"models": [MODELS_MODULE], "migrations": MIGRATIONS_MODULE, "default_connection": "default"}}


def masked_url(url: str) -> str:
    """The URL with its password (if any) replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _normalize_url(database_url: str) -> str:
    # Tortoise names its asyncpg backend "postgres"; accept the URL spellings operators paste from elsewhere.
    for alias in ("postgresql://", "asyncpg://"):
        if database_url.startswith(alias):
            return "postgres://" + database_url[len(alias) :]
    return database_url


SQLITE_ENGINE = "backend.sqlite_reads"  # Tortoise's SQLite engine with a reader for the per-call path


def _connection(database_url: str) -> str | dict[str, Any]:
    url = _normalize_url(database_url)
    if url.startswith("sqlite://"):
        config = expand_db_url(url)
        config["engine"] = SQLITE_ENGINE
        return config
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = keep_session  # asyncpg's pool calls it instead of its own reset round trip
    return config


async def keep_session(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs before its next user, beyond the rollback of a transaction left
    open that asyncpg's pool always does first: nothing.

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` after every
    use — a round trip per query. amo1c leaves no session state on pooled connections (its advisory locks hold
    connections of their own, store/locks.py; it sets no session variables, opens no cursor outside a transaction
    and listens to nothing; tests/test_db.py keeps it so), so that round trip would buy nothing.
    """
    return None


def is_postgres(database_url: str) -> bool:
    """True for a PostgreSQL URL: several workers may share the database, so coordination goes through it."""
    return _normalize_url(database_url).startswith(("postgres://", "psycopg://"))


def postgres_connect_args(database_url: str) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments for a postgres:// URL, read the way Tortoise reads it."""
    credentials = expand_db_url(_normalize_url(database_url))["credentials"]
    args = {name: credentials.get(name) for name in ("host", "port", "user", "password", "database")}
    if "ssl" in credentials:
        args["ssl"] = credentials["ssl"]
    return args


def sqlite_path(database_url: str) -> str | None:
    """The file path of a sqlite:// URL (None for other databases and for :memory:)."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url[len("sqlite://") :].split("?", 1)[0]
    return None if path in ("", ":memory:") else path


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration to the database at `database_url`, then close its connections."""
    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


async def pending_migrations(database_url: str) -> list[str]:
    """Names of the migrations not yet applied to the database at `database_url` (opened and closed here)."""
    try:
        await Tortoise.init(config=tortoise_config(database_url))
        await ask_database()
        return await pending_here()
    finally:
        await Tortoise.close_connections()


async def pending_here() -> list[str]:
    """Names of the migrations not yet applied to the database open in this context: the one rule of "migrations
    applied" (`amo1c serve`/`migrate`, /readyz and `amo1c doctor`); raises what the database raises.

    It trusts the table of applied migrations, which Tortoise reads as empty when the query fails: ask the database
    something first (`ask_database`) so that an unreachable one is not taken for an empty one.
    """
    executor = MigrationExecutor(get_connection("default"), _apps())
    steps = await executor.plan([MigrationTarget(app_label=APP_LABEL, name="__latest__")])
    return [f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward]


async def ask_database() -> None:
    """A trivial query on the database open in this context; raises what the database raises when it does not
    answer (planning migrations alone may never touch the server)."""
    await get_connection("default").execute_query("SELECT 1")


async def open_database(database_url: str) -> None:
    """Open the application's connections to an already migrated database.

    The context is made the global fallback because uvicorn runs the lifespan in a task of its own, so request
    tasks do not inherit its context variables (Tortoise's own Starlette helper does the same).
    """
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


@contextlib.asynccontextmanager
async def isolated_database(database_url: str) -> AsyncIterator[None]:
    """Use the database from code running beside an app that owns the global context (the demo's seeding)."""
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url))
        yield


async def close_database() -> None:
    """Close every connection opened by `open_database`."""
    await Tortoise.close_connections()


async def database_answers() -> bool:
    """True when a trivial query succeeds on the default connection (used by /healthz)."""
    try:
        await ask_database()
    except Exception:
        return False
    return True


# For Tortoise's own CLI (`tortoise makemigrations`, see pyproject [tool.tortoise]); the app never reads it.
TORTOISE_ORM = tortoise_config(DEFAULT_DATABASE_URL)
