"""The domains amoCRM and Kommo accounts live on: one pattern for account hosts, browser origins and frame sources."""

from __future__ import annotations

import re

ACCOUNT_DOMAINS = ("amocrm.ru", "amocrm.com", "kommo.com")
_DOMAINS = "|".join(re.escape(domain) for domain in ACCOUNT_DOMAINS)
ACCOUNT_HOST = re.compile(rf"(?P<subdomain>[a-z0-9][a-z0-9-]{{0,62}})\.(?P<domain>{_DOMAINS})")


def is_account_origin(origin: str) -> bool:
    """Whether `origin` is an account's page origin, such as https://shop.amocrm.ru; raises nothing."""
    scheme, _, host = origin.lower().partition("://")
    return scheme == "https" and ACCOUNT_HOST.fullmatch(host) is not None


def account_frame_sources() -> list[str]:
    """The CSP sources of every account's pages (https://*.amocrm.ru …); raises nothing."""
    return [f"https://*.{domain}" for domain in ACCOUNT_DOMAINS]
