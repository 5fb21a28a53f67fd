"""Every route of the settings pages, for the app to mount."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backend.ui.settings import automation, bases, handlers, log, mapping, outbox, overview, requests, rules

routes: list[BaseRoute] = [
    *overview.routes,
    *bases.routes,
    *requests.routes,
    *mapping.routes,
    *rules.routes,
    *automation.routes,
    *outbox.routes,
    *handlers.routes,
    *log.routes,
]
