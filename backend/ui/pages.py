"""The framed pages: a card's 1C panel and the settings page, each scoped to the session's account."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.models import EntityKind, EntityLink, OneCBase
from backend.ui.access import AccessRefused, require_session, session_token
from backend.ui.render import error_page, render

CARD_ENTITIES = {"leads": EntityKind.LEAD, "contacts": EntityKind.CONTACT, "companies": EntityKind.COMPANY}


async def card(request: Request) -> Response:
    """GET /ui/cards/{entity}/{id}: what amo1c knows in 1C about one amoCRM entity of the session's account."""
    try:
        session = require_session(request)
    except AccessRefused as exc:
        return error_page(request, exc.status, str(exc), lang=exc.lang)
    entity = request.path_params["entity"]
    kind = CARD_ENTITIES.get(entity)
    if kind is None:
        return error_page(request, 404, f"unknown card type {entity!r}", lang=session.lang)
    amo_id = int(request.path_params["amo_id"])
    links = (
        await EntityLink.filter(base__account_id=session.account_id, kind=kind, amo_id=amo_id)
        .prefetch_related("base")
        .order_by("base__id_base")
    )
    context = {"entity": entity, "amo_id": amo_id, "links": links, "token": session_token(request)}
    return render(request, "ui/card.html", context, lang=session.lang)


async def settings_page(request: Request) -> Response:
    """GET /ui/settings: the account's integration settings (admins only)."""
    try:
        session = require_session(request, admin=True)
    except AccessRefused as exc:
        return error_page(request, exc.status, str(exc), lang=exc.lang)
    bases = await OneCBase.filter(account_id=session.account_id).order_by("id_base")
    return render(request, "ui/settings.html", {"bases": bases, "token": session_token(request)}, lang=session.lang)


routes = [
    Route("/ui/cards/{entity}/{amo_id:int}", card, methods=["GET"]),
    Route("/ui/settings", settings_page, methods=["GET"]),
]
