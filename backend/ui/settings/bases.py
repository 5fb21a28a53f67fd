"""Settings: the account's linked 1C bases — list, link, edit, unlink, and asking 1C whether it answers.

The base's password is write-only here: no response carries it, and an edit form left empty keeps it.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.onec.errors import OneCError
from backend.sync.bases import BaseAddress, base_field_problems
from backend.sync.errors import InvalidInput
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.i18n import translator
from backend.ui.settings.common import (
    LISTED_BASES,
    form_again,
    form_text,
    fragment,
    section,
    settings_endpoint,
)
from backend.ui.tokens import UISession

TAB = "bases"


async def bases_section(
    request: Request, session: UISession, *, notice: str = "", failed: bool = False, status: int = 200
) -> Response:
    """The bases section (requests awaiting approval first), with a line saying what just happened."""
    bases = workspace_of(request, session).bases
    items = [await bases.item(base) for base in await bases.listed()]
    hidden = await bases.count() - len(items) if len(items) == LISTED_BASES else 0
    context = {
        "items": items,
        "hidden": hidden,
        "values": {},
        "requests": await bases.requests(),
        "notice": notice,
        "notice_failed": failed,
    }
    return section(request, session, "ui/settings/bases.html", context, tab=TAB, status=status)


@settings_endpoint
async def bases_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/bases: bases awaiting approval first, then the linked ones (their 1C versions load right
    after), and the link form."""
    return await bases_section(request, session)


@settings_endpoint
async def base_card(request: Request, session: UISession) -> Response:
    """GET /ui/settings/bases/{id}: the base's card (what "cancel" of the edit form shows)."""
    workspace = workspace_of(request, session)
    item = await workspace.bases.item(await workspace.base(request.path_params["base_id"]))
    return fragment(request, session, "ui/settings/base_card.html", {"item": item})


@settings_endpoint
async def base_edit(request: Request, session: UISession) -> Response:
    """GET /ui/settings/bases/{id}/edit: the card as a form (the password field empty: "keep it")."""
    base = await workspace_of(request, session).base(request.path_params["base_id"])
    values = {"web_address": base.web_address, "url_address": base.url_address, "param1": base.param1}
    return fragment(request, session, "ui/settings/base_edit.html", {"base": base, "values": values, "errors": {}})


@settings_endpoint
async def base_link(request: Request, session: UISession) -> Response:
    """POST /ui/settings/bases: link a base; its card (200) or the form with what to fix (422)."""
    form = await request.form()
    password = form.get("param2")
    values = _values(form, "id_base", "web_address", "url_address", "param1")
    t = translator(session.lang)
    errors = _check(values, t)
    if not values["id_base"] or len(values["id_base"]) > 100:
        errors["id_base"] = t("bases.error.id_base")
    if not isinstance(password, str) or not password:
        errors["param2"] = t("bases.error.password")
    if not errors:
        address = BaseAddress(values["id_base"], values["web_address"], values["url_address"], values["param1"],
                              str(password))  # fmt: skip
        bases = workspace_of(request, session).bases
        try:
            base = await bases.add(address)
            return fragment(request, session, "ui/settings/base_card.html", {"item": await bases.item(base)})
        except InvalidInput as exc:
            errors[exc.field] = t("bases.error.taken") if exc.field == "id_base" else str(exc)
    context = {"values": values, "errors": errors}
    return form_again(request, session, "ui/settings/base_new.html", context, form_id="amo1c-base-new", status=422)


@settings_endpoint
async def base_update(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/bases/{id}: change addresses, login and (when typed) the password; card or 422 form."""
    workspace = workspace_of(request, session)
    base = await workspace.base(request.path_params["base_id"])
    form = await request.form()
    values = _values(form, "web_address", "url_address", "param1")
    errors = _check(values, translator(session.lang))
    if errors:
        context = {"base": base, "values": values, "errors": errors}
        return fragment(request, session, "ui/settings/base_edit.html", context, status=422)
    password = form.get("param2")
    bases = workspace.bases
    await bases.change(
        base,
        web_address=values["web_address"],
        url_address=values["url_address"],
        param1=values["param1"],
        param2=password if isinstance(password, str) and password else None,
    )
    return fragment(request, session, "ui/settings/base_card.html", {"item": await bases.item(base)})


@settings_endpoint
async def base_unlink(request: Request, session: UISession) -> Response:
    """DELETE /ui/settings/bases/{id}: unlink the base with its correspondence, packages and links; empty 200."""
    workspace = workspace_of(request, session)
    await workspace.bases.unlink(await workspace.base(request.path_params["base_id"]))
    return Response(status_code=200, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})


@settings_endpoint
async def base_live(request: Request, session: UISession) -> Response:
    """GET /ui/settings/bases/{id}/live: ask 1C its handlers version; 200 with it, or 502 with 1C's error."""
    return await _ask_1c(request, session, checked=False)


@settings_endpoint
async def base_check(request: Request, session: UISession) -> Response:
    """POST /ui/settings/bases/{id}/check: "check the connection" — the same question, answered in words."""
    return await _ask_1c(request, session, checked=True)


async def _ask_1c(request: Request, session: UISession, *, checked: bool) -> Response:
    workspace = workspace_of(request, session)
    base = await workspace.base(request.path_params["base_id"])
    context: dict[str, Any] = {"base": base, "checked": checked}
    started = time.perf_counter()
    try:
        version = await workspace.bases.live_version(base)
    except OneCError as exc:
        status, context["error"] = describe(exc, session.lang)
        return fragment(request, session, "ui/settings/base_live.html", context, status=status)
    context.update(version=version, took_ms=round((time.perf_counter() - started) * 1000))
    return fragment(request, session, "ui/settings/base_live.html", context)


def _values(form: Any, *names: str) -> dict[str, str]:
    return {name: form_text(form, name) for name in names}


FIELD_ERRORS = {
    "web_address": "bases.error.address",
    "url_address": "bases.error.address",
    "param1": "bases.error.login",
}


def _check(values: dict[str, str], t: Any) -> dict[str, str]:
    """What is wrong with the address and login fields (sync/bases' rule), by field name, in the page's language."""
    problems = base_field_problems(values["param1"], values["web_address"], values["url_address"])
    return {name: t(FIELD_ERRORS[name]) for name in problems}


routes = [
    Route("/ui/settings/bases", bases_page, methods=["GET"], name="settings_bases"),
    Route("/ui/settings/bases", base_link, methods=["POST"], name="settings_base_link"),
    Route("/ui/settings/bases/{base_id:int}", base_card, methods=["GET"], name="settings_base"),
    Route("/ui/settings/bases/{base_id:int}", base_update, methods=["PUT"], name="settings_base_update"),
    Route("/ui/settings/bases/{base_id:int}", base_unlink, methods=["DELETE"], name="settings_base_unlink"),
    Route("/ui/settings/bases/{base_id:int}/edit", base_edit, methods=["GET"], name="settings_base_edit"),
    Route("/ui/settings/bases/{base_id:int}/live", base_live, methods=["GET"], name="settings_base_live"),
    Route("/ui/settings/bases/{base_id:int}/check", base_check, methods=["POST"], name="settings_base_check"),
]
