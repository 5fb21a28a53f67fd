"""Card panels: a deal's 1C documents and order button, a contact's or company's counterparty button.

Every handler reads only the session's account: its bases, its links, its amoCRM data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.onec.errors import OneCError
from backend.pages import render
from backend.sync.records import Document, EntityKind
from backend.ui.access import session_token, ui_endpoint, workspace_of
from backend.ui.errors import describe, handled
from backend.ui.i18n import translator
from backend.ui.render import error_page
from backend.ui.tokens import UISession

CARD_KINDS = {"leads": EntityKind.LEAD, "contacts": EntityKind.CONTACT, "companies": EntityKind.COMPANY}


@dataclass
class Node:
    """A document with the documents filed under it (`parent_link`)."""

    document: Document
    children: list[Node] = field(default_factory=list)


def document_tree(documents: list[Document]) -> list[Node]:
    """Group documents under their parents; a document whose parent is not in the list is a root."""
    nodes = [Node(document) for document in documents]
    by_link = {node.document.link: node for node in nodes if node.document.link}
    roots: list[Node] = []
    for node in nodes:
        parent = by_link.get(node.document.parent_link) if node.document.parent_link else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


async def _context(request: Request, session: UISession, requested: str | None) -> dict[str, Any]:
    entity = str(request.path_params.get("entity", "leads"))
    amo_id = int(request.path_params["amo_id"])
    cards = workspace_of(request, session).cards
    bases, base = await cards.choose_base(session.user_id, requested)
    return {
        "entity": entity,
        "amo_id": amo_id,
        "bases": bases,
        "base": base,
        "link": await cards.link_of(base, CARD_KINDS[entity], amo_id),
        "token": session_token(request),
    }


@ui_endpoint()
async def card_page(request: Request, session: UISession) -> Response:
    """GET /ui/cards/{entity}/{id}: the whole panel (documents load right after, so the frame shows at once)."""
    return await _render_card(request, session, whole=True)


@ui_endpoint()
async def card_body(request: Request, session: UISession) -> Response:
    """GET /ui/cards/{entity}/{id}/body?base=…: the panel body for another base (the choice is remembered)."""
    return await _render_card(request, session, whole=False)


async def _render_card(request: Request, session: UISession, *, whole: bool) -> Response:
    if request.path_params["entity"] not in CARD_KINDS:
        return error_page(request, 404, "unknown card type", lang=session.lang)
    context = await _context(request, session, request.query_params.get("base"))
    kind = "lead" if context["entity"] == "leads" else "party"
    template = f"ui/cards/{kind}.html" if whole else f"ui/cards/{kind}_body.html"
    return render(request, template, context, lang=session.lang)


@ui_endpoint()
async def card_documents(request: Request, session: UISession) -> Response:
    """GET /ui/cards/leads/{id}/documents?base=…: the deal's documents from 1C (`get_orders`), as a tree."""
    context = await _context(request, session, request.query_params.get("base"))
    base = context["base"]
    if base is None:
        return error_page(request, 404, translator(session.lang)("card.no_base"), lang=session.lang)
    try:
        documents = await workspace_of(request, session).cards.documents(base, context["amo_id"])
    except OneCError as exc:
        status, context["error"] = describe(exc, session.lang)
        return render(request, "ui/cards/documents.html", context, lang=session.lang, status=status)
    return render(request, "ui/cards/documents.html", {**context, "tree": document_tree(documents)}, lang=session.lang)


@ui_endpoint()
async def card_order(request: Request, session: UISession) -> Response:
    """POST /ui/cards/leads/{id}/order: create or update the deal's order in 1C, then show its link."""
    return await _press(request, session, order=True)


@ui_endpoint()
async def card_party(request: Request, session: UISession) -> Response:
    """POST /ui/cards/{contacts|companies}/{id}/counterparty: create or update the counterparty in 1C."""
    return await _press(request, session, order=False)


async def _press(request: Request, session: UISession, *, order: bool) -> Response:
    entity = "leads" if order else request.path_params["entity"]
    if entity not in CARD_KINDS or (not order and entity == "leads"):
        return error_page(request, 404, "unknown card type", lang=session.lang)
    form = await request.form()
    requested = form.get("base")
    context = await _context(request, session, requested if isinstance(requested, str) else None)
    context["entity"] = entity
    base = context["base"]
    t = translator(session.lang)
    template = "ui/cards/order.html" if order else "ui/cards/party_action.html"
    if base is None:
        return error_page(request, 404, t("card.no_base"), lang=session.lang)
    cards = workspace_of(request, session).cards
    status = 200
    try:
        if order:
            pressed = await cards.send_order(base, context["amo_id"], session.user_id or None)
        else:
            pressed = await cards.send_counterparty(
                base, CARD_KINDS[entity], context["amo_id"], session.user_id or None
            )
        if pressed.queued_until is None:
            context["message"] = t("order.done" if order else "party.done")
        else:
            context["queued"] = pressed
    except Exception as exc:
        if not handled(exc):
            raise
        status, context["message"] = describe(exc, session.lang)
        context["failed"] = True
    context["link"] = await cards.link_of(base, CARD_KINDS[entity], context["amo_id"])
    return render(request, template, context, lang=session.lang, status=status)


routes = [
    Route("/ui/cards/{entity}/{amo_id:int}", card_page, methods=["GET"], name="card_page"),
    Route("/ui/cards/{entity}/{amo_id:int}/body", card_body, methods=["GET"], name="card_body"),
    Route("/ui/cards/leads/{amo_id:int}/documents", card_documents, methods=["GET"], name="card_documents"),
    Route("/ui/cards/leads/{amo_id:int}/order", card_order, methods=["POST"], name="card_order"),
    Route("/ui/cards/{entity}/{amo_id:int}/counterparty", card_party, methods=["POST"], name="card_party"),
]
