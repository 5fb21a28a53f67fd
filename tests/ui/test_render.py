"""Every page and fragment amo1c renders carries one Content-Security-Policy: scripts, styles and the rest only from
amo1c itself, no inline script or eval, no plugins, no <base>, forms back to amo1c, framed only by amoCRM.
The templates need nothing that policy forbids."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from backend.amocrm.domains import account_frame_sources
from backend.pages import TEMPLATES_DIR
from tests.factories import seed_lead
from tests.ui.conftest import Admin

Request = Callable[[Admin], Awaitable[httpx.Response]]


async def deal_fragment(admin: Admin) -> httpx.Response:
    seed_lead(admin.amocrm, admin.account.id, 1)
    return await admin.get("/ui/cards/leads/1/documents", base="trade")


PAGES: dict[str, tuple[Request, int]] = {
    "card page": (lambda admin: admin.page("/ui/cards/leads/1"), 200),
    "card fragment": (deal_fragment, 200),
    "settings page": (lambda admin: admin.page("/ui/settings"), 200),
    "settings fragment": (lambda admin: admin.get("/ui/settings/log"), 200),
    "error page without a token": (lambda admin: admin.client.get("/ui/cards/leads/1"), 401),
    "error fragment with a forged token": (
        lambda admin: admin.client.get("/ui/settings/log", headers={"X-UI-Token": "forged", "HX-Request": "true"}),
        401,
    ),
    "oauth result page": (lambda admin: admin.client.get("/oauth/callback"), 400),
}


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as directive -> sources."""
    parsed: dict[str, list[str]] = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize("name", PAGES)
async def test_every_page_and_fragment_carries_the_content_security_policy(admin: Admin, name: str) -> None:
    request, status = PAGES[name]
    response = await request(admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert directives(response.headers["content-security-policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'", *account_frame_sources(), *admin.settings.widget_origins],
    }


# what the policy above refuses: inline scripts and handlers, eval (hx-on, htmx event filters), inline styles
FORBIDDEN = {
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "hx-on (evaluated by htmx)": re.compile(r"\s(data-)?hx-on"),
    "an htmx event filter (evaluated by htmx)": re.compile(r"hx-trigger=\"[^\"]*[a-z]\["),
    "js: values (evaluated by htmx)": re.compile(r"hx-(vals|headers)='js:|hx-(vals|headers)=\"js:"),
    "an inline <style>": re.compile(r"<style\b"),
    "a style attribute": re.compile(r"\sstyle="),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("template", sorted(TEMPLATES_DIR.rglob("*.html")), ids=lambda path: path.name)
def test_templates_need_nothing_the_policy_refuses(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert found == [], f"{template.relative_to(TEMPLATES_DIR)} has {', '.join(found)}"
