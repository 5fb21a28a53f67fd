"""A PostgreSQL server for the tests and benchmarks: the one named by AMO1C_TEST_PG, or a PostgreSQL 15 cluster
started in a temporary directory on 127.0.0.1 (initdb, pg_ctl) and removed when done."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TEST_PG_VARIABLE = "AMO1C_TEST_PG"
SUPERUSER = "amo1c"
# A throwaway cluster need not survive a crash: skipping every flush to disk makes creating databases cheap.
SPEED_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
T = TypeVar("T")


class PostgresError(RuntimeError):
    """The cluster could not be started or stopped; the message ends with the tail of the server's log."""


def binaries_available(bin_dir: Path = PG_BIN) -> bool:
    """True when the PostgreSQL server programs (initdb, pg_ctl) are installed."""
    return (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file()


def unique_name(prefix: str) -> str:
    """A database name no other test run on a shared server will pick."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class PostgresServer:
    """A server where we may create and drop databases; `admin_url` points at its maintenance database."""

    admin_url: str

    def url_of(self, database: str) -> str:
        """The postgres:// URL of one database on this server."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(scheme="postgres", path=f"/{database}", query=""))

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database `name` (a copy of `template` when given) and return its URL; raises asyncpg errors."""
        statement = f'CREATE DATABASE "{_checked(name)}"'
        if template is not None:
            statement += f' TEMPLATE "{_checked(template)}"'
        self._execute(statement)
        return self.url_of(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` if it exists, disconnecting whoever still uses it."""
        self._execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        async def execute() -> None:
            connection = await asyncpg.connect(self.admin_url)
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        run_in_thread(execute)


class TemporaryCluster:
    """PostgreSQL 15 in a temporary directory, listening on 127.0.0.1 only; a context manager that starts and
    removes it. As root the server runs as the `postgres` user (`nobody` where there is none): initdb refuses root.
    Raises PostgresError."""

    def __init__(self, bin_dir: Path = PG_BIN) -> None:
        self._bin = bin_dir
        self._dir: Path | None = None
        self._owner = _unprivileged_user() if os.geteuid() == 0 else None
        self.server: PostgresServer | None = None

    def start(self) -> PostgresServer:
        """initdb and start the cluster; returns the server. Raises PostgresError."""
        self._dir = Path(tempfile.mkdtemp(prefix="amo1c-pg-", dir=_memory_backed_dir()))
        atexit.register(self.stop)
        if self._owner is not None:
            os.chown(self._dir, self._owner.pw_uid, self._owner.pw_gid)
        data = self._dir / "data"
        self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
        for _ in range(3):  # the free port may be taken between finding and binding it
            port = _free_port()
            options = [f"-c {option}" for option in SPEED_OPTIONS]
            options += ["-c listen_addresses=127.0.0.1", f"-p {port}", f"-c unix_socket_directories={self._dir}"]
            started = self._run(
                "pg_ctl", "start", "-w", "-t", "30", "-D", str(data), "-l", str(self._log), "-o", " ".join(options),
                check=False,
            )  # fmt: skip
            if started.returncode == 0:
                self.server = PostgresServer(f"postgres://{SUPERUSER}@127.0.0.1:{port}/postgres")
                return self.server
        raise PostgresError(f"PostgreSQL did not start: {self._log_tail()}")

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and delete its directory."""
        atexit.unregister(self.stop)
        if self._dir is None:
            return
        if self.server is not None:
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self._dir / "data"), check=False)
            self.server = None
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def _log(self) -> Path:
        assert self._dir is not None
        return self._dir / "server.log"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        owner = self._owner
        completed = subprocess.run(
            [str(self._bin / program), *args],
            cwd=self._dir,
            capture_output=True,
            text=True,
            timeout=60,
            user=None if owner is None else owner.pw_uid,
            group=None if owner is None else owner.pw_gid,
            extra_groups=None if owner is None else [],
        )
        if check and completed.returncode != 0:
            raise PostgresError(f"{program} failed: {completed.stderr.strip() or completed.stdout.strip()}")
        return completed

    def _log_tail(self) -> str:
        try:
            return " | ".join(self._log.read_text(errors="replace").strip().splitlines()[-5:])
        except OSError:
            return "no server log"


@contextlib.contextmanager
def postgres_server(url: str | None = None) -> Iterator[PostgresServer]:
    """The server at `url` (e.g. the value of AMO1C_TEST_PG) when given, else a TemporaryCluster while in use."""
    if url:
        yield PostgresServer(url)
        return
    with TemporaryCluster() as server:
        yield server


def run_in_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on an event loop of its own thread, so callers may already be in one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def _memory_backed_dir() -> str | None:
    # CREATE DATABASE copies the template's files: on tmpfs that takes ~15 ms, on this VM's disk ~250 ms.
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresError("running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")
