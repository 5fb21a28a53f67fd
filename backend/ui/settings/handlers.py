"""Settings: the 1C handler packages stored for a base — versions, dates, sizes, the latest, and their JSON."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.models import HandlerPackage
from backend.ui.settings.common import NotFound, chosen_base, fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "handlers"
LISTED_VERSIONS = 50  # the newest ones; older versions stay stored but 1C only ever gets the latest
MAX_SHOWN_CHARS = 1_000_000


@settings_endpoint
async def handlers_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/handlers?base=: the base's stored packages, newest first, and what 1C reports."""
    bases, base = await chosen_base(session, request.query_params.get("base"))
    packages = []
    if base is not None:
        packages = await HandlerPackage.filter(base_id=base.id).order_by("-version").limit(LISTED_VERSIONS)
    context = {"bases": bases, "base": base, "packages": packages}
    return section(request, session, "ui/settings/handlers.html", context, tab=TAB)


@settings_endpoint
async def package_json(request: Request, session: UISession) -> Response:
    """GET /ui/settings/handlers/{id}: one package's JSON, indented (cut past a million characters)."""
    package = await HandlerPackage.get_or_none(
        id=int(request.path_params["package_id"]), base__account_id=session.account_id
    ).prefetch_related("base")
    if package is None:
        raise NotFound
    text = json.dumps(package.handlers, ensure_ascii=False, indent=2)
    context = {"package": package, "text": text[:MAX_SHOWN_CHARS], "cut": len(text) > MAX_SHOWN_CHARS}
    return fragment(request, session, "ui/settings/handler_json.html", context)


routes = [
    Route("/ui/settings/handlers", handlers_page, methods=["GET"], name="settings_handlers"),
    Route("/ui/settings/handlers/{package_id:int}", package_json, methods=["GET"], name="settings_handler_json"),
]
