"""Card panels: a deal's 1C order and documents with the order button, a contact's or company's counterparty with
its button.

Every handler reads only the session's account: its bases, its links, its amoCRM data. Every failure is shown the
one way backend.ui.errors says: one sentence, 1C's or amoCRM's own text under «Подробнее».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm.errors import AmoCRMError
from backend.onec.errors import OneCError
from backend.pages import render
from backend.sync.failures import FailureKind, classify, readable
from backend.sync.records import Base, Document, EntityKind
from backend.ui.access import session_token, ui_endpoint, workspace_of
from backend.ui.errors import Problem, describe, handled
from backend.ui.i18n import translator
from backend.ui.render import error_page
from backend.ui.tokens import UISession

CARD_KINDS = {"leads": EntityKind.LEAD, "contacts": EntityKind.CONTACT, "companies": EntityKind.COMPANY}
# Failures that say the base is not answering at all: its documents are not asked for again right after.
SILENT = frozenset({FailureKind.ONEC_DOWN, FailureKind.ONEC_ADDRESS})
# Failures after which a deal's documents are not asked for again at once: they would repeat the same error.
REPEATING = frozenset(
    {
        *SILENT,
        FailureKind.ONEC_WEB_PAGE,
        FailureKind.ONEC_FAILED,
        FailureKind.ONEC_CREDENTIALS,
        FailureKind.ONEC_BAD_ANSWER,
    }
)


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
    linked = await cards.linked(base, CARD_KINDS[entity], amo_id)
    return {
        "entity": entity,
        "kind": CARD_KINDS[entity],
        "amo_id": amo_id,
        "bases": bases,
        "base": base,
        "silent": await cards.silent_bases(bases) if len(bases) > 1 else set(),
        "linked": linked,
        "order_total": money(linked.total),
        "token": session_token(request),
    }


@ui_endpoint()
async def card_page(request: Request, session: UISession) -> Response:
    """GET /ui/cards/{entity}/{id}: the whole panel (a deal's documents load right after: the frame shows at once)."""
    return await _render_card(request, session, whole=True)


@ui_endpoint()
async def card_body(request: Request, session: UISession) -> Response:
    """GET /ui/cards/{entity}/{id}/body?base=…: the panel body for the base the user chose in the selector (the
    choice is remembered unless the base did not answer its last call)."""
    return await _render_card(request, session, whole=False)


async def _render_card(request: Request, session: UISession, *, whole: bool) -> Response:
    if request.path_params["entity"] not in CARD_KINDS:
        return error_page(request, 404, "unknown card type", lang=session.lang)
    context = await _context(request, session, request.query_params.get("base"))
    if not whole and context["base"] is not None:
        await workspace_of(request, session).cards.remember_base(session.user_id, context["base"])
    kind = "lead" if context["entity"] == "leads" else "party"
    template = f"ui/cards/{kind}.html" if whole else f"ui/cards/{kind}_body.html"
    return render(request, template, context, lang=session.lang)


@ui_endpoint()
async def card_documents(request: Request, session: UISession) -> Response:
    """GET /ui/cards/leads/{id}/documents?base=…: the deal's order and its documents from 1C (`get_orders`)."""
    context = await _context(request, session, request.query_params.get("base"))
    if context["base"] is None:
        return error_page(request, 404, translator(session.lang)("card.no_base"), lang=session.lang)
    return await _deal(request, session, context)


async def _deal(request: Request, session: UISession, context: dict[str, Any], *, documents: bool = True) -> Response:
    """The deal block: whether amoCRM knows the deal, its order in 1C, its documents (when `documents`), and one
    error box at most; a base that answered becomes the remembered one."""
    cards = workspace_of(request, session).cards
    base: Base = context["base"]
    status = 200
    try:
        context["deal"] = await cards.deal(context["amo_id"])
        if context["deal"] is None:
            context["unknown_deal"] = True
            return render(request, "ui/cards/deal.html", context, lang=session.lang, status=404)
    except AmoCRMError:
        context["deal"] = None  # amoCRM cannot say now: the order button stays, its press will tell
    if documents:
        try:
            found = await cards.documents(base, context["amo_id"])
        except OneCError as exc:
            status, context["error"] = _problem(request, session, exc, context)
            failure = classify(exc)
            if failure is not None and failure.kind in SILENT:
                await cards.forget_base(session.user_id, base)
                if len(context["bases"]) > 1:
                    context["silent"] = {*context["silent"], base.id}
                    context["selector_oob"] = True
        else:
            context["tree"] = document_tree(found)
            context["documents"] = found
            await cards.remember_base(session.user_id, base, answered=True)
            if base.id in context["silent"]:  # it answers again: the selector stops saying it does not
                context["silent"] = context["silent"] - {base.id}
                context["selector_oob"] = True
    if context["linked"].total is None and context["deal"] is not None:
        context["order_total"] = money(context["deal"].price)  # no sum logged: the deal's budget in amoCRM
    return render(request, "ui/cards/deal.html", context, lang=session.lang, status=status)


def money(total: Decimal | int | None) -> str:
    """A sum as a Russian reader writes it: "12 500 ₽", "1 250,50 ₽" ("" without one)."""
    if total is None:
        return ""
    text = f"{Decimal(total):,.2f}".removesuffix(".00")
    return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0₽"


def _problem(request: Request, session: UISession, exc: Exception, context: dict[str, Any]) -> tuple[int, Problem]:
    """The status and problem of a failure in a panel; an admin also gets the link to the entity's failed calls in
    the sync log (opened in a tab of its own, so it carries the session token as a first load does)."""
    status, problem = describe(exc, session.lang)
    if session.is_admin and isinstance(exc, OneCError) and context["token"]:
        query = {"q": context["amo_id"], "base": context["base"].id_base, "outcome": "error"}
        query |= {"token": context["token"], "lang": session.lang}
        problem = problem.with_log(f"{request.url_for('settings_log').path}?{urlencode(query)}")
    return status, problem


@ui_endpoint()
async def card_order(request: Request, session: UISession) -> Response:
    """POST /ui/cards/leads/{id}/order: create or update the deal's order in 1C, then show the deal block again."""
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
    base = context["base"]
    t = translator(session.lang)
    if base is None:
        return error_page(request, 404, t("card.no_base"), lang=session.lang)
    cards = workspace_of(request, session).cards
    status = 200
    failure = None
    try:
        if order:
            pressed = await cards.send_order(base, context["amo_id"], session.user_id or None)
        else:
            pressed = await cards.send_counterparty(base, context["kind"], context["amo_id"], session.user_id or None)
        if pressed.queued_until is None:
            context["message"] = t("order.done" if order else "party.done")
        else:
            context["queued"] = pressed
            queued = t("order.queued" if order else "party.queued")
            context["queued_problem"] = Problem(queued, readable(pressed.reason), session.lang)
    except Exception as exc:
        if not handled(exc):
            raise
        status, context["press_error"] = _problem(request, session, exc, context)
        failure = classify(exc)
    context["linked"] = await cards.linked(base, context["kind"], context["amo_id"])
    if not order:
        return render(request, "ui/cards/party_action.html", context, lang=session.lang, status=status)
    # The deal block again, so that its documents show the new order and one failure shows in one box: after 1C
    # could not be reached or answered no words of its own, its documents are not asked for again.
    repeating = failure is not None and failure.kind in REPEATING
    response = await _deal(request, session, context, documents=not repeating and "queued" not in context)
    response.status_code = status if status != 200 else response.status_code
    return response


routes = [
    Route("/ui/cards/{entity}/{amo_id:int}", card_page, methods=["GET"], name="card_page"),
    Route("/ui/cards/{entity}/{amo_id:int}/body", card_body, methods=["GET"], name="card_body"),
    Route("/ui/cards/leads/{amo_id:int}/documents", card_documents, methods=["GET"], name="card_documents"),
    Route("/ui/cards/leads/{amo_id:int}/order", card_order, methods=["POST"], name="card_order"),
    Route("/ui/cards/{entity}/{amo_id:int}/counterparty", card_party, methods=["POST"], name="card_party"),
]
