"""The one templating module of every page amo1c renders (ui/ and oauth): the Jinja2 environment, its filters, the
security headers, and the texts of the viewer's language.

`Pages` is made where the app is assembled and kept in `app.state.pages`; the texts are handed to it there, so this
module knows no screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from backend.amocrm.domains import ACCOUNT_DOMAINS, account_frame_sources
from backend.sync.hrefs import link_href

Lang = Literal["ru", "en"]
Translator = Callable[[Lang], Callable[[str], str]]
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTMX_FILE = "htmx-2.0.11.min.js"
# Scripts, styles, fonts and images only from amo1c's own files: no inline script or style, no eval (htmx runs with
# allowEval off), no plugins, no <base>, forms post only back to amo1c.
CONTENT_POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment of every page (autoescaping on), with the `when`, `filesize` and `link_href` filters."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["when"] = when
    templates.env.filters["filesize"] = filesize
    templates.env.filters["link_href"] = link_href
    return templates


def when(moment: datetime | None) -> Markup:
    """A moment as `<time>` in UTC; amo1c.js rewrites it in the viewer's own time zone."""
    if moment is None:
        return Markup("")
    utc = moment.astimezone(UTC)
    text = utc.strftime("%d.%m.%Y %H:%M") + " UTC"
    return Markup('<time class="amo1c-time" datetime="{}">{}</time>').format(utc.isoformat(), escape(text))


def filesize(size: int, lang: Lang = "ru") -> str:
    """A byte count for people: 812 Б, 12,4 КБ, 1,2 МБ (B, KB, MB in English)."""
    units = ("Б", "КБ", "МБ") if lang == "ru" else ("B", "KB", "MB")
    value, unit = float(size), units[0]
    for next_unit in units[1:]:
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    text = f"{value:.0f}" if unit == units[0] else f"{value:.1f}"
    return f"{text.replace('.', ',') if lang == 'ru' else text}\u00a0{unit}"


def content_security_policy(widget_origins: Iterable[str]) -> str:
    """The Content-Security-Policy of every page amo1c renders, framed only by amoCRM and `widget_origins`."""
    return f"{CONTENT_POLICY}; frame-ancestors 'self' {' '.join([*account_frame_sources(), *widget_origins])}"


@dataclass(frozen=True)
class Pages:
    """The templates, the texts of each language and the extra origins allowed to frame amo1c."""

    templates: Jinja2Templates
    translator: Translator
    widget_origins: tuple[str, ...] = ()


def pages_of(request: Request) -> Pages:
    """The app's Pages (made where the app is assembled)."""
    pages: Pages = request.app.state.pages
    return pages


def render(
    request: Request, template: str, context: dict[str, Any], *, lang: Lang = "ru", status: int = 200
) -> Response:
    """A page or fragment with the headers every framed page needs: who may frame it, no referrer, no caching."""
    pages = pages_of(request)
    response = pages.templates.TemplateResponse(
        request,
        template,
        {
            "t": pages.translator(lang),
            "lang": lang,
            "htmx_file": HTMX_FILE,
            "extra_origins": " ".join(pages.widget_origins),
            "amocrm_domains": " ".join(ACCOUNT_DOMAINS),
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(pages.widget_origins)
    response.headers["Referrer-Policy"] = "no-referrer"  # the first load carries the session token in its URL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request"
    return response
