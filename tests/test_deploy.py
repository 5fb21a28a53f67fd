"""deploy/, the production recipe, checked as far as this machine can: the systemd unit with `systemd-analyze
verify`, the nginx site with `nginx -t`, the Dockerfile's install steps run into a clean virtualenv and its entry
point, command and health check started from it, compose.yaml read; and every AMO1C_* name they use is one amo1c
reads. (Docker itself is not used: the machine may have no daemon.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from backend.cli import _build_parser
from backend.settings import Settings
from backend.widget import SOURCE_ROOT
from tests.conftest import TOOL_PATH
from tests.onec.test_address_tls import self_signed
from tests.test_cli import GOOD_SECRET, free_port

DEPLOY = SOURCE_ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "amo1c.service"
ENV_EXAMPLE = DEPLOY / "amo1c.env.example"
NGINX_SITE = DEPLOY / "nginx" / "amo1c.conf"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
INSTALLED = "/opt/amo1c/bin/amo1c"  # where the unit expects the console script
SETTING = re.compile(r"\bAMO1C_[A-Z0-9_]+\b")


def settings_names() -> set[str]:
    """Every AMO1C_* variable backend/settings.py reads."""
    return set(re.findall(r'"(AMO1C_[A-Z0-9_]+)"', (SOURCE_ROOT / "backend" / "settings.py").read_text("utf-8")))


def unit_entries(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit, in order."""
    section, entries = "", []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def cli_arguments(command: list[str]) -> Any:
    """`amo1c` arguments as the CLI parses them; fails the test (argparse exits 2) on an option it lacks."""
    return _build_parser().parse_args(command)


# --- systemd ---------------------------------------------------------------------------------------------------


@pytest.mark.deploy
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "amo1c"
    assert script.is_file(), f"{script} is missing: install amo1c into the test's virtualenv (make test does)"
    unit = tmp_path / "amo1c.service"
    unit.write_text(UNIT.read_text("utf-8").replace(INSTALLED, str(script)), encoding="utf-8")

    analyze = shutil.which("systemd-analyze", path=TOOL_PATH)
    verified = subprocess.run([str(analyze), "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify only warns about unknown keys and bad values: any word about the unit is a failure
    about_unit = [line for line in (verified.stdout + verified.stderr).splitlines() if "amo1c.service" in line]
    assert verified.returncode == 0 and about_unit == [], verified.stdout + verified.stderr

    security = subprocess.run(
        [str(analyze), "security", "--offline=true", str(unit)], capture_output=True, text=True, timeout=60
    )
    exposure = re.search(r"Overall exposure level for amo1c\.service: (\d+\.\d+)", security.stdout)
    assert exposure is not None, security.stdout + security.stderr
    assert float(exposure.group(1)) <= 2.5, security.stdout  # systemd's "OK" band: the hardening is in effect


def test_the_systemd_unit_runs_amo1c_serve_as_its_own_user_and_restarts_on_failure() -> None:
    entries = unit_entries(UNIT.read_text("utf-8"))
    service = {key: value for section, key, value in entries if section == "Service"}
    assert service["User"] not in ("", "root", "0") and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/amo1c/amo1c.env"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    program, *arguments = shlex.split(service["ExecStart"])
    assert program == INSTALLED
    served = cli_arguments(arguments)
    assert (served.command, served.host, served.port, served.workers) == ("serve", "127.0.0.1", 8000, 4)
    migrate, *arguments = shlex.split(service["ExecStartPre"])
    assert migrate == INSTALLED and cli_arguments(arguments).command == "migrate"
    assert ("Install", "WantedBy", "multi-user.target") in entries


def test_the_settings_file_lists_every_setting_amo1c_reads_and_nothing_else() -> None:
    names = [line.partition("=")[0] for line in ENV_EXAMPLE.read_text("utf-8").splitlines() if SETTING.match(line)]
    assert sorted(names) == sorted(settings_names())
    assert len(names) == len(set(names))
    for source in (UNIT, COMPOSE, DOCKERFILE, NGINX_SITE):
        unknown = set(SETTING.findall(source.read_text("utf-8"))) - settings_names()
        assert not unknown, f"{source.name} names settings amo1c does not read: {sorted(unknown)}"


# --- nginx ------------------------------------------------------------------------------------------------------


def nginx_test(site: str, prefix: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` of `site` included in a minimal nginx.conf under the scratch `prefix`."""
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {prefix}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    nginx = str(shutil.which("nginx", path=TOOL_PATH))
    command = [nginx, "-t", "-p", str(prefix), "-e", str(prefix / "logs" / "error.log"), "-c", str(main)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.deploy
def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    cert, key = self_signed("amo1c.example.com", tmp_path)
    site = NGINX_SITE.read_text("utf-8")
    live = "/etc/letsencrypt/live/amo1c.example.com"
    assert f"{live}/fullchain.pem" in site and f"{live}/privkey.pem" in site
    site = site.replace(f"{live}/fullchain.pem", str(cert)).replace(f"{live}/privkey.pem", str(key))

    checked = nginx_test(site, tmp_path / "nginx")
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    broken = nginx_test(site.replace("proxy_pass http://amo1c;", "proxy_pass http://amo1c"), tmp_path / "broken")
    assert broken.returncode != 0, "nginx -t must notice a broken site (else this test proves nothing)"


def test_the_nginx_site_lets_amo1c_answer_the_bodies_it_takes() -> None:
    site = NGINX_SITE.read_text("utf-8")
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size is not None and int(size.group(1)) > 8, "the batch calls take up to 8 MiB"
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "server 127.0.0.1:8000;" in site  # where the systemd unit's workers listen
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", site), "the metrics stay off the public site"


def test_the_readme_points_to_the_deploy_files_instead_of_copying_them() -> None:
    readme = (SOURCE_ROOT / "README.md").read_text("utf-8")
    assert "```nginx" not in readme and "proxy_pass" not in readme
    for path in ("deploy/nginx/amo1c.conf", "deploy/systemd/amo1c.service", "deploy/Dockerfile", "deploy/compose.yaml"):
        assert path in readme and (SOURCE_ROOT / path).is_file()


# --- Dockerfile -------------------------------------------------------------------------------------------------


@dataclass
class Dockerfile:
    """The instructions of a Dockerfile, continuation lines joined, comments dropped."""

    instructions: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Dockerfile:
        parsed = cls()
        logical = ""
        for line in path.read_text("utf-8").splitlines():
            if line.lstrip().startswith("#") or not line.strip():
                continue
            logical += line.rstrip().removesuffix("\\") + " "
            if not line.rstrip().endswith("\\"):
                keyword, _, rest = logical.strip().partition(" ")
                parsed.instructions.append((keyword.upper(), rest.strip()))
                logical = ""
        return parsed

    def all(self, keyword: str) -> list[str]:
        return [rest for name, rest in self.instructions if name == keyword]

    def one(self, keyword: str) -> str:
        found = self.all(keyword)
        assert len(found) == 1, f"{keyword}: {found}"
        return found[0]

    def environment(self) -> dict[str, str]:
        """ENV key=value pairs, in order (later ones win)."""
        pairs: dict[str, str] = {}
        for rest in self.all("ENV"):
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                pairs[key] = value
        return pairs


def relocated(command: str, root: Path) -> str:
    """`command` with every absolute path moved under `root` (the image's filesystem in a scratch directory);
    fails the test when a path would still point outside it."""
    moved = re.sub(r"(?<![\w./$-])/(?=[A-Za-z])", f"{root}/", command)
    for token in shlex.split(moved):
        for part in token.split(":"):
            assert not part.startswith("/") or part.startswith(str(root)), f"{part} escapes the scratch root"
    return moved


@dataclass
class Image:
    """The image's filesystem built in a scratch directory from the Dockerfile's COPY and install steps."""

    dockerfile: Dockerfile
    root: Path
    env: dict[str, str]
    workdir: Path


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    dockerfile = Dockerfile.read(DOCKERFILE)
    root = tmp_path_factory.mktemp("image")
    for copy in dockerfile.all("COPY"):
        *sources, destination = shlex.split(copy)
        target = Path(relocated(destination, root))
        for source in sources:
            origin = SOURCE_ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, target / origin.name)
    host = {key: value for key, value in os.environ.items() if not key.startswith("AMO1C_") and key != "PYTHONPATH"}
    declared = dockerfile.environment()
    image_path = relocated(declared.pop("PATH", "$PATH"), root).replace("$PATH", host["PATH"])
    build = host | declared | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{host['PATH']}"}  # the base's python
    installs = [run for run in dockerfile.all("RUN") if "pip install" in run]
    assert installs, "the Dockerfile installs amo1c with pip"
    for run in installs:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", relocated(run, root)],
            cwd=root, env=build, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, f"RUN {run}\n{done.stdout}\n{done.stderr}"
    workdir = Path(relocated(dockerfile.one("WORKDIR"), root))
    workdir.mkdir(parents=True, exist_ok=True)
    return Image(dockerfile, root, host | declared | {"PATH": image_path}, workdir)


def exec_form(instruction: str) -> list[str]:
    """The JSON (exec) form of ENTRYPOINT, CMD or HEALTHCHECK CMD."""
    words = json.loads(instruction)
    assert isinstance(words, list) and all(isinstance(word, str) for word in words), instruction
    return words


def test_the_dockerfile_is_slim_python_run_by_a_user_of_its_own() -> None:
    dockerfile = Dockerfile.read(DOCKERFILE)
    assert re.fullmatch(r"python:3\.1[1-9]-slim", dockerfile.one("FROM"))
    assert dockerfile.all("USER")[-1] not in ("root", "0")
    assert exec_form(dockerfile.one("ENTRYPOINT")) == ["amo1c"]
    assert "/healthz" in dockerfile.one("HEALTHCHECK")
    assert "README.md" in (SOURCE_ROOT / "pyproject.toml").read_text("utf-8")  # why README.md is copied
    ignored = (SOURCE_ROOT / ".dockerignore").read_text("utf-8").split()
    assert {".venv", "var", ".git", "deploy/amo1c.env"} <= set(ignored)


def test_the_image_installs_cleanly_and_serves_healthz(image: Image) -> None:
    entry = exec_form(image.dockerfile.one("ENTRYPOINT"))
    program = shutil.which(entry[0], path=image.env["PATH"])
    assert program is not None and program.startswith(str(image.root)), f"{entry[0]} is not installed in the image"
    helped = subprocess.run([program, "--help"], env=image.env, capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "serve" in helped.stdout, helped.stderr

    port = free_port()
    command = exec_form(image.dockerfile.one("CMD"))
    assert cli_arguments(command).command == "serve"
    command = [
        {"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(word, word) for word in command
    ]  # the image's port, on this machine's loopback
    env = image.env | {"AMO1C_SECRET_KEY": GOOD_SECRET}
    health = image.dockerfile.one("HEALTHCHECK")
    probe = exec_form(health.partition(" CMD ")[2].strip())
    probe = [word.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for word in probe]
    assert shutil.which(probe[0], path=env["PATH"]) == str(Path(program).parent / probe[0])

    with serving([program, *command], env, image.workdir, f"http://127.0.0.1:{port}") as url:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        page = httpx.get(f"{url}/ui/settings")  # a template and the static files come from the installed package
        assert page.status_code == 401 and page.text.startswith("<!doctype html>")
        assert httpx.get(f"{url}/static/amo1c.css").status_code == 200
        checked = subprocess.run(probe, env=env, cwd=image.workdir, capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
    failed = subprocess.run(probe, env=env, cwd=image.workdir, capture_output=True, text=True, timeout=30)
    assert failed.returncode != 0, "the health check must fail once amo1c is gone"


class serving:
    """A process started for the test and stopped after it; the context value is `url` once it answers."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, url: str) -> None:
        self.process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.url = url

    def __enter__(self) -> str:
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the image's command exited: {self.process.communicate()[0]}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=2)
                return self.url
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the image's command did not answer in 30 s"
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.communicate(timeout=30)


# --- compose.yaml -----------------------------------------------------------------------------------------------


@pytest.fixture
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_builds_the_dockerfile_and_waits_for_a_healthy_postgres(compose: dict[str, Any]) -> None:
    services = compose["services"]
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert set(compose["volumes"]) == {volume.partition(":")[0] for volume in postgres["volumes"]}
    for name in ("migrate", "amo1c"):
        build = services[name]["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert (COMPOSE.parent / services[name]["env_file"]).resolve() == ENV_EXAMPLE.with_suffix("").resolve()
    assert cli_arguments(services["migrate"]["command"]).command == "migrate"
    served = cli_arguments(services["amo1c"]["command"])
    assert (served.command, served.port, served.workers) == ("serve", 8000, 2)
    assert services["amo1c"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["amo1c"]["ports"] == ["127.0.0.1:8000:8000"]
    ignored = (SOURCE_ROOT / ".gitignore").read_text("utf-8").split()
    assert "deploy/amo1c.env" in ignored and "deploy/.env" in ignored  # the filled-in secrets stay out of git


def test_compose_gives_amo1c_a_database_url_it_accepts(compose: dict[str, Any]) -> None:
    services = compose["services"]
    postgres = services["postgres"]["environment"]
    for name in ("migrate", "amo1c"):
        environment = services[name]["environment"]
        assert set(environment) - {"FORWARDED_ALLOW_IPS"} <= settings_names()
        url = re.sub(r"\$\{POSTGRES_PASSWORD[^}]*\}", "s3cret", environment["AMO1C_DATABASE_URL"])
        settings = Settings.from_env({"AMO1C_DATABASE_URL": url, "AMO1C_SECRET_KEY": GOOD_SECRET})
        assert settings.database_url == f"postgres://{postgres['POSTGRES_USER']}:s3cret@postgres:5432/amo1c"
        assert url.endswith(f"/{postgres['POSTGRES_DB']}")
