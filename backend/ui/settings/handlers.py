"""Settings: the 1C handler packages stored for a base — versions, dates, sizes, the latest, and their JSON.

A package may be of any size, so the list never reads the JSON and the viewer reads at most SHOWN_CHARS of it.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.ui.access import workspace_of
from backend.ui.settings.common import fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "handlers"
LISTED_VERSIONS = 50  # the newest ones; older versions stay stored but 1C only ever gets the latest
SHOWN_CHARS = 200_000


@settings_endpoint
async def handlers_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/handlers?base=: the base's stored packages, newest first, and what 1C reports."""
    bases, base = await workspace_of(request, session).bases.chosen(request.query_params.get("base"))
    handlers = workspace_of(request, session).handlers
    packages = await handlers.packages(base, LISTED_VERSIONS) if base is not None else []
    context = {"bases": bases, "base": base, "packages": packages}
    return section(request, session, "ui/settings/handlers.html", context, tab=TAB)


@settings_endpoint
async def package_json(request: Request, session: UISession) -> Response:
    """GET /ui/settings/handlers/{id}: one package's JSON, indented; a larger one's first SHOWN_CHARS as stored."""
    package = await workspace_of(request, session).handlers.package(int(request.path_params["package_id"]), SHOWN_CHARS)
    text = package.text if package.cut else _indented(package.text)
    context = {"package": package, "text": text[:SHOWN_CHARS], "cut": package.cut or len(text) > SHOWN_CHARS}
    return fragment(request, session, "ui/settings/handler_json.html", context)


def _indented(text: str) -> str:
    """The JSON text indented for reading; as it is when it cannot be (stored before checks, nested too deep)."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):
        return text


routes = [
    Route("/ui/settings/handlers", handlers_page, methods=["GET"], name="settings_handlers"),
    Route("/ui/settings/handlers/{package_id:int}", package_json, methods=["GET"], name="settings_handler_json"),
]
