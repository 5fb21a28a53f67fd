from __future__ import annotations

import pytest

from backend.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError, url_origin

GOOD_SECRET = "k" * 48


def test_settings_defaults_match_the_architecture_table() -> None:
    settings = Settings.from_env({"AMO1C_SECRET_KEY": GOOD_SECRET})
    assert settings.database_url == "sqlite://var/amo1c.sqlite3"
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.amocrm_client_id is None and settings.amocrm_client_secret is None
    assert settings.amocrm_base_url is None
    assert settings.amocrm_rps == 6.0
    assert settings.admin_user is None and settings.admin_password is None
    assert settings.sync_auth == "basic"
    assert settings.onec_allow_private is False
    assert settings.onec_timeout == 30.0


def test_settings_read_every_variable() -> None:
    settings = Settings.from_env(
        {
            "AMO1C_DATABASE_URL": "postgresql://u:p@db.internal:5432/amo1c",
            "AMO1C_SECRET_KEY": GOOD_SECRET,
            "AMO1C_PUBLIC_URL": "https://amo1c.example.com/",
            "AMO1C_AMOCRM_CLIENT_ID": "cid",
            "AMO1C_AMOCRM_CLIENT_SECRET": "csecret",
            "AMO1C_AMOCRM_BASE_URL": "http://127.0.0.1:8001",
            "AMO1C_AMOCRM_RPS": "4.5",
            "AMO1C_ADMIN_USER": "root",
            "AMO1C_ADMIN_PASSWORD": "pw",
            "AMO1C_SYNC_AUTH": "NONE",
            "AMO1C_ONEC_ALLOW_PRIVATE": "yes",
            "AMO1C_ONEC_TIMEOUT": "12",
        }
    )
    assert settings.database_url == "postgresql://u:p@db.internal:5432/amo1c"
    assert settings.public_url == "https://amo1c.example.com"
    assert settings.redirect_uri == "https://amo1c.example.com/oauth/callback"
    assert (settings.amocrm_client_id, settings.amocrm_client_secret) == ("cid", "csecret")
    assert settings.amocrm_base_url == "http://127.0.0.1:8001"
    assert settings.amocrm_rps == 4.5
    assert (settings.admin_user, settings.admin_password) == ("root", "pw")
    assert settings.sync_auth == "none"
    assert settings.onec_allow_private is True
    assert settings.onec_timeout == 12.0


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("AMO1C_DATABASE_URL", "mysql://x/y", "AMO1C_DATABASE_URL must be a sqlite://"),
        ("AMO1C_DATABASE_URL", "sqlite://", "AMO1C_DATABASE_URL has no database path"),
        ("AMO1C_PUBLIC_URL", "amo1c.example.com", "AMO1C_PUBLIC_URL must be an http:// or https:// URL"),
        ("AMO1C_PUBLIC_URL", "https://x.example.com:port", "AMO1C_PUBLIC_URL has a malformed port"),
        ("AMO1C_AMOCRM_BASE_URL", "ftp://x", "AMO1C_AMOCRM_BASE_URL must be an http"),
        ("AMO1C_AMOCRM_RPS", "fast", "AMO1C_AMOCRM_RPS must be a number, got 'fast'"),
        ("AMO1C_AMOCRM_RPS", "0", "AMO1C_AMOCRM_RPS must be greater than 0 and at most 50"),
        ("AMO1C_AMOCRM_RPS", "nan", "AMO1C_AMOCRM_RPS must be greater than 0"),
        ("AMO1C_SYNC_AUTH", "token", "AMO1C_SYNC_AUTH must be 'basic' or 'none'"),
        ("AMO1C_ONEC_ALLOW_PRIVATE", "maybe", "AMO1C_ONEC_ALLOW_PRIVATE must be true or false"),
        ("AMO1C_ONEC_TIMEOUT", "-1", "AMO1C_ONEC_TIMEOUT must be greater than 0"),
    ],
)
def test_settings_refuse_a_bad_value_with_one_line_naming_it(name: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"AMO1C_SECRET_KEY": GOOD_SECRET, name: value})
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_settings_require_a_secret_key_to_serve() -> None:
    with pytest.raises(SettingsError, match="AMO1C_SECRET_KEY is not set"):
        Settings.from_env({})


@pytest.mark.parametrize("secret", ["changeme", "short-secret", DEVELOPMENT_SECRET_KEY])
def test_settings_refuse_placeholder_or_short_secret_keys_to_serve(secret: str) -> None:
    with pytest.raises(SettingsError, match="AMO1C_SECRET_KEY is"):
        Settings.from_env({"AMO1C_SECRET_KEY": secret})


def test_settings_use_the_development_key_in_demo_and_tests() -> None:
    assert Settings.from_env({}, mode="demo").secret_key == DEVELOPMENT_SECRET_KEY
    assert Settings.from_env({"AMO1C_SECRET_KEY": "short"}, mode="test").secret_key == "short"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"AMO1C_AMOCRM_CLIENT_ID": "x"}, "AMO1C_AMOCRM_CLIENT_SECRET"),
        ({"AMO1C_ADMIN_PASSWORD": "x"}, "AMO1C_ADMIN_USER"),
    ],
)
def test_settings_refuse_half_a_credential_pair(given: dict[str, str], missing: str) -> None:
    with pytest.raises(SettingsError, match=f"{missing} is not set"):
        Settings.from_env({"AMO1C_SECRET_KEY": GOOD_SECRET, **given})


def test_settings_treat_empty_variables_as_unset() -> None:
    settings = Settings.from_env({"AMO1C_SECRET_KEY": GOOD_SECRET, "AMO1C_AMOCRM_RPS": " ", "AMO1C_ADMIN_USER": ""})
    assert settings.amocrm_rps == 6.0
    assert settings.admin_user is None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://amo1c.example.com/base/path", "https://amo1c.example.com"),
        ("https://amo1c.example.com:443", "https://amo1c.example.com"),
        ("https://amo1c.example.com:8443/x", "https://amo1c.example.com:8443"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://Example.COM:80", "http://example.com"),
    ],
)
def test_url_origin_keeps_the_port_only_when_not_default(url: str, origin: str) -> None:
    assert url_origin(url) == origin
