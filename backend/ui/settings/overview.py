"""Settings, «Обзор» (the settings' first tab): is the exchange with 1C all right, at a glance.

The page is drawn from the database at once: each base's state, the handlers version 1C last reported against the
newest stored, the newest successful call each way, the last day's errors by kind (each a link to the log so
filtered) and a chart of calls per hour over seven days. Whether each base's 1C answers is asked right after, by the
bases table's own request: every base at once, each bounded by a few seconds (sync.overview.probe), so a 1C that
hangs never holds the page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.sync.overview import CHART_DAYS, DIRECTIONS, Activity, concerns
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.settings.activity_chart import panel
from backend.ui.settings.common import fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "overview"


@settings_endpoint
async def overview_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings: the overview; the bases' reachability loads right after (overview_bases)."""
    overview = workspace_of(request, session).overview
    statuses, hidden = await overview.bases()
    errors = await overview.errors()
    activity = await overview.activity()
    context = {
        "statuses": statuses,
        "hidden": hidden,
        "reach": None,
        "errors": errors,
        "concerns": concerns(statuses, errors),
        "last_ok": await overview.last_ok(),
        "activity": activity,
        "panels": [panel(activity, direction) for direction in DIRECTIONS],
        "days": _days(activity),
    }
    return section(request, session, "ui/settings/overview.html", context, tab=TAB)


@settings_endpoint
async def overview_bases(request: Request, session: UISession) -> Response:
    """GET /ui/settings/overview/bases: the bases' table with what each base's 1C answered just now (its handlers
    version, or why it did not answer), and the page's verdict again (out of band) counting the bases that did not
    answer."""
    overview = workspace_of(request, session).overview
    _, answers = await overview.reachability()  # first: an answer updates the base's reported version
    statuses, hidden = await overview.bases()
    reach: dict[int, dict[str, Any]] = {}
    for base_id, answer in answers.items():
        error = describe(answer.error, session.lang)[1] if answer.error is not None else None
        reach[base_id] = {"version": answer.version, "ms": answer.took_ms, "error": error}
    unreachable = sum(answer.error is not None for answer in answers.values())
    context = {
        "statuses": statuses,
        "hidden": hidden,
        "reach": reach,
        "concerns": concerns(statuses, await overview.errors(), unreachable),  # the verdict, redrawn with them
    }
    return fragment(request, session, "ui/settings/overview_bases.html", context)


def _days(activity: Activity) -> list[dict[str, Any]]:
    """The chart's numbers a day a row, for its table."""
    return [
        {
            "day": activity.day_start(index),
            **{direction.value: activity.day(direction, index) for direction in DIRECTIONS},
        }
        for index in range(CHART_DAYS)
    ]


routes = [
    Route("/ui/settings", overview_page, methods=["GET"], name="settings_overview"),
    Route("/ui/settings/overview/bases", overview_bases, methods=["GET"], name="settings_overview_bases"),
]
