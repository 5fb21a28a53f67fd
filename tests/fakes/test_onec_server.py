"""FakeOneC as a real server: the command line and uvicorn serving it on loopback."""

from __future__ import annotations

import subprocess
import sys

import httpx

from backend.fakes.onec.cli import build_parser, fake_from_args
from tests.fakes.onec_helpers import LOGIN, PASSWORD, PATH, answer_json, make_fake, payload
from tests.fakes.servers import serving


def test_onec_cli_builds_fake_from_arguments() -> None:
    args = build_parser().parse_args(
        ["--port", "8123", "--login", "Бухгалтер", "--password", "p", "--account-id", "5", "--latency", "0.5"]
    )
    fake = fake_from_args(args)
    assert (fake.login, fake.password, fake.path) == ("Бухгалтер", "p", "/base/hs/amo1c/handler")
    assert fake.url_address == "http://127.0.0.1:8123/base"
    assert (fake.account_id, fake.id_base, fake.latency) == (5, None, 0.5)


def test_onec_cli_url_address_follows_path_and_can_be_given() -> None:
    parser = build_parser()
    derived = fake_from_args(parser.parse_args(["--password", "", "--path", "/trade/hs/amo/h"]))
    given = fake_from_args(parser.parse_args(["--password", "", "--url-address", "https://1c.example/ut"]))
    assert derived.url_address == "http://127.0.0.1:8002/trade"
    assert given.url_address == "https://1c.example/ut"


def test_onec_module_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.fakes.onec", "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    assert "--password" in result.stdout


async def test_onec_serves_over_loopback_with_uvicorn() -> None:
    fake = make_fake()
    async with (
        serving(fake) as base_url,
        httpx.AsyncClient(base_url=base_url, auth=(LOGIN, PASSWORD), trust_env=False) as client,
    ):
        response = await client.post(PATH, json=payload("get_handlers_version"))
        state = await client.get("/_fake/state")
    assert response.status_code == 200
    assert answer_json(response) == {"version": "1.4.2"}
    assert state.json()["version"] == "1.4.2"
