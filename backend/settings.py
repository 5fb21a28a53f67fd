"""Settings read once from the AMO1C_* environment variables and validated before anything starts."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, TypeVar
from urllib.parse import urlsplit

Mode = Literal["serve", "demo", "test"]
LogFormat = Literal["text", "json"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_DATABASE_URL = "sqlite://var/amo1c.sqlite3"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# Used only by `amo1c demo` and the test suite; `serve` refuses to start with it.
DEVELOPMENT_SECRET_KEY = "amo1c-development-secret-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "please-change", "xxx", DEVELOPMENT_SECRET_KEY})
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg", "psycopg")
MAX_AMOCRM_RPS = 50.0  # amoCRM's own ceiling per account across all integrations
MIN_METRICS_TOKEN_LENGTH = 16
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")  # what an Authorization: Bearer header can carry (RFC 6750)

T = TypeVar("T")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one line naming the variable."""


@dataclass(frozen=True)
class Settings:
    """Every AMO1C_* setting, typed; build it with `Settings.from_env`."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = DEVELOPMENT_SECRET_KEY
    public_url: str = DEFAULT_PUBLIC_URL
    amocrm_client_id: str | None = None
    amocrm_client_secret: str | None = None
    amocrm_base_url: str | None = None
    amocrm_rps: float = 6.0
    admin_user: str | None = None
    admin_password: str | None = None
    sync_auth: Literal["basic", "none"] = "basic"
    onec_allow_private: bool = False
    onec_timeout: float = 30.0
    sync_log_retention_days: int = 30
    widget_origins: tuple[str, ...] = ()
    metrics: bool = False
    metrics_token: str | None = None
    metrics_allow: tuple[Network, ...] = ()
    log_format: LogFormat = "text"
    mode: Mode = "serve"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, mode: Mode = "serve") -> Settings:
        """Read and validate the AMO1C_* variables; raises SettingsError with a one-line message."""
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        secret_key = reader.text("AMO1C_SECRET_KEY")
        if secret_key is None:
            if mode == "serve":
                raise SettingsError(
                    "AMO1C_SECRET_KEY is not set: generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                )
            secret_key = DEVELOPMENT_SECRET_KEY
        elif mode == "serve":
            _check_production_secret(secret_key)
        client_id = reader.text("AMO1C_AMOCRM_CLIENT_ID")
        client_secret = reader.text("AMO1C_AMOCRM_CLIENT_SECRET")
        _require_together("AMO1C_AMOCRM_CLIENT_ID", client_id, "AMO1C_AMOCRM_CLIENT_SECRET", client_secret)
        admin_user = reader.text("AMO1C_ADMIN_USER")
        admin_password = reader.text("AMO1C_ADMIN_PASSWORD")
        _require_together("AMO1C_ADMIN_USER", admin_user, "AMO1C_ADMIN_PASSWORD", admin_password)
        metrics = reader.parsed("AMO1C_METRICS", False, _boolean)
        metrics_token = _metrics_token(reader.text("AMO1C_METRICS_TOKEN"))
        metrics_allow: tuple[Network, ...] = reader.parsed("AMO1C_METRICS_ALLOW", (), _networks)
        if metrics and mode == "serve" and metrics_token is None and not metrics_allow:
            raise SettingsError(
                "AMO1C_METRICS is on but neither AMO1C_METRICS_TOKEN nor AMO1C_METRICS_ALLOW is set: "
                "anyone could read /metrics"
            )
        return cls(
            database_url=reader.parsed("AMO1C_DATABASE_URL", DEFAULT_DATABASE_URL, _database_url),
            secret_key=secret_key,
            public_url=reader.parsed("AMO1C_PUBLIC_URL", DEFAULT_PUBLIC_URL, _http_url),
            amocrm_client_id=client_id,
            amocrm_client_secret=client_secret,
            amocrm_base_url=reader.parsed_optional("AMO1C_AMOCRM_BASE_URL", _http_url),
            amocrm_rps=reader.parsed("AMO1C_AMOCRM_RPS", 6.0, _positive_number(upper=MAX_AMOCRM_RPS)),
            admin_user=admin_user,
            admin_password=admin_password,
            sync_auth=reader.parsed("AMO1C_SYNC_AUTH", "basic", _sync_auth),
            onec_allow_private=reader.parsed("AMO1C_ONEC_ALLOW_PRIVATE", False, _boolean),
            onec_timeout=reader.parsed("AMO1C_ONEC_TIMEOUT", 30.0, _positive_number(upper=600.0)),
            sync_log_retention_days=reader.parsed("AMO1C_SYNC_LOG_RETENTION_DAYS", 30, _days),
            widget_origins=reader.parsed("AMO1C_WIDGET_ORIGINS", (), _origins),
            metrics=metrics,
            metrics_token=metrics_token,
            metrics_allow=metrics_allow,
            log_format=reader.parsed("AMO1C_LOG_FORMAT", "text", _log_format),
            mode=mode,
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced (tests and the demo use it)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def public_origin(self) -> str:
        """The scheme://host[:port] of PUBLIC_URL, the `aud` amoCRM puts in widget tokens."""
        return url_origin(self.public_url)

    @property
    def redirect_uri(self) -> str:
        """The OAuth redirect URI registered with amoCRM."""
        return self.public_url.rstrip("/") + "/oauth/callback"


def url_origin(url: str) -> str:
    """scheme://host, with :port only when it is not the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = parts.port
    suffix = f":{port}" if port is not None and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


class _Reader:
    """Reads variables, treating empty strings as unset and naming the variable in every error."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def parsed(self, name: str, default: T, parse: Callable[[str], T]) -> T:
        raw = self.text(name)
        if raw is None:
            return default
        return self._parse(name, raw, parse)

    def parsed_optional(self, name: str, parse: Callable[[str], T]) -> T | None:
        raw = self.text(name)
        return None if raw is None else self._parse(name, raw, parse)

    @staticmethod
    def _parse(name: str, raw: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} {exc}, got {raw!r}") from None


def _database_url(raw: str) -> str:
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in DATABASE_SCHEMES:
        raise ValueError("must be a sqlite://… or postgres://… URL")
    if raw.split("://", 1)[1] == "":
        raise ValueError("has no database path or host")
    return raw


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError("has a malformed port") from None
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return raw.rstrip("/")


def _positive_number(*, upper: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(value) or value <= 0 or value > upper:
            raise ValueError(f"must be greater than 0 and at most {upper:g}")
        return value

    return parse


def _origins(raw: str) -> tuple[str, ...]:
    origins = []
    for item in raw.split(","):
        if not item.strip():
            continue
        origin = _http_url(item.strip())
        if url_origin(origin) != origin.lower():
            raise ValueError("must list origins only (scheme://host[:port], comma-separated)")
        origins.append(url_origin(origin))
    return tuple(origins)


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 3650:
        raise ValueError("must be a whole number of days from 1 to 3650")
    return int(raw)


def _sync_auth(raw: str) -> Literal["basic", "none"]:
    value = raw.lower()
    if value == "basic":
        return "basic"
    if value == "none":
        return "none"
    raise ValueError("must be 'basic' or 'none'")


def _log_format(raw: str) -> LogFormat:
    value = raw.lower()
    if value == "text":
        return "text"
    if value == "json":
        return "json"
    raise ValueError("must be 'text' or 'json'")


def _metrics_token(raw: str | None) -> str | None:
    """The token, checked; the error never repeats it (it is a secret)."""
    if raw is None:
        return None
    if not _BEARER_TOKEN.fullmatch(raw):
        raise SettingsError(
            "AMO1C_METRICS_TOKEN must be letters, digits and . _ ~ + / = - only (it travels as a Bearer token)"
        )
    if len(raw) < MIN_METRICS_TOKEN_LENGTH or raw.lower() in PLACEHOLDER_SECRETS:
        raise SettingsError(
            f"AMO1C_METRICS_TOKEN is too weak: use a random value of {MIN_METRICS_TOKEN_LENGTH}+ characters"
        )
    return raw


def _networks(raw: str) -> tuple[Network, ...]:
    networks = []
    for item in raw.split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ValueError("must list IP addresses or networks (10.0.0.0/8), comma-separated") from None
    return tuple(networks)


def _boolean(raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _require_together(name_a: str, a: str | None, name_b: str, b: str | None) -> None:
    if (a is None) != (b is None):
        missing = name_b if b is None else name_a
        given = name_a if b is None else name_b
        raise SettingsError(f"{missing} is not set but {given} is: set both or neither")


def _check_production_secret(secret_key: str) -> None:
    if secret_key.lower() in PLACEHOLDER_SECRETS:
        raise SettingsError("AMO1C_SECRET_KEY is a placeholder value: set a random secret of your own")
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"AMO1C_SECRET_KEY is too short ({len(secret_key)} characters): use at least {MIN_SECRET_KEY_LENGTH}"
        )
