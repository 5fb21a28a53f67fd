from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.testing import postgres as pg
from tests.test_models import MIGRATIONS

GOOD_SECRET = "s" * 48


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def amo1c_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_")}
    env["AMO1C_DATABASE_URL"] = f"sqlite://{tmp_path / 'db' / 'amo1c.sqlite3'}"
    env.update(extra)
    return env


def run_amo1c(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early: {process.stderr.read() if process.stderr else ''}")
        try:
            return httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port)],
        env=amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_serve_without_secret_key_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = run_amo1c("serve", env=amo1c_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("amo1c: configuration error: AMO1C_SECRET_KEY is not set")
    assert not (tmp_path / "db").exists(), "nothing may be created before the settings are valid"


@pytest.mark.parametrize(
    ("name", "value"),
    [("AMO1C_AMOCRM_RPS", "six"), ("AMO1C_DATABASE_URL", "mysql://x"), ("AMO1C_PUBLIC_URL", "example.com")],
)
def test_serve_with_a_malformed_setting_prints_one_line_and_exits_2(tmp_path: Path, name: str, value: str) -> None:
    result = run_amo1c("serve", env=amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET, **{name: value}), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"amo1c: configuration error: {name}" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = run_amo1c("serve", "--workers", "2", env=amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET), cwd=tmp_path)
    assert result.returncode == 1
    assert "several workers need PostgreSQL" in result.stderr


def test_serve_on_postgres_refuses_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    env = amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET, AMO1C_DATABASE_URL="postgres://u:hunter2@127.0.0.1:9/x")
    result = run_amo1c("serve", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("amo1c: error: cannot use the database postgres://u:***@127.0.0.1:9/x")
    assert "hunter2" not in result.stderr


def test_migrate_applies_then_reports_up_to_date(tmp_path: Path) -> None:
    env = amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET)
    first = run_amo1c("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"{MIGRATIONS} migration(s) applied" in first.stdout
    assert (tmp_path / "db" / "amo1c.sqlite3").exists()
    second = run_amo1c("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0
    assert "up to date" in second.stdout


def test_serve_migrates_sqlite_and_answers_healthz(served: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = served
    response = wait_for(f"{url}/healthz", process)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_serve_access_log_shows_no_ui_token(served: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = served
    wait_for(f"{url}/healthz", process)
    token = "eyJhIjoxLCJ1IjoyLCJhZG0iOnRydWUsImwiOiJydSJ9.aBcDeF.c2lnbmF0dXJlLW9mLXRoZS11aS10b2tlbg"
    httpx.get(f"{url}/ui/settings", params={"token": token, "lang": "ru"}, timeout=5.0)
    process.terminate()
    stdout, stderr = process.communicate(timeout=20)
    assert "GET /ui/settings?token=***&lang=ru HTTP/1.1" in stdout
    assert token not in stdout + stderr and token[:12] not in stdout + stderr


@pytest.fixture
def empty_postgres_url(postgres_server: pg.PostgresServer) -> Iterator[str]:
    name = pg.unique_name("amo1c_cli")
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


@pytest.mark.postgres
def test_on_postgres_serve_waits_for_migrate_then_runs_several_workers(tmp_path: Path, empty_postgres_url: str) -> None:
    env = amo1c_env(tmp_path, AMO1C_SECRET_KEY=GOOD_SECRET, AMO1C_DATABASE_URL=empty_postgres_url)
    refused = run_amo1c("serve", "--workers", "2", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert f"the database lacks {MIGRATIONS} migration(s)" in refused.stderr and "amo1c migrate" in refused.stderr

    migrated = run_amo1c("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"{MIGRATIONS} migration(s) applied" in migrated.stdout
    assert "up to date" in run_amo1c("migrate", env=env, cwd=tmp_path).stdout

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        response = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        process.communicate(timeout=20)
