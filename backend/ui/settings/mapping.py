"""Settings: the field correspondence of a base per entity — amoCRM field (user for Сотрудник) ↔ 1C field.

The amoCRM side is chosen from the account's real fields and users (FieldDirectory's cached lists); these are
the same rows 1C writes with `*_save_fields`. Rows are edited in place (view row ↔ edit row), a bad row comes
back as 422 with the row re-rendered, and "send to 1C" sends `corr_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm import AmoCRMError
from backend.models import FieldMapping, MappingKind, OneCBase
from backend.onec import OneCError
from backend.sync.bases import remember_handlers_version
from backend.sync.directory import ENTITY_OF_KIND
from backend.sync.errors import InvalidInput, NotFound, TooMany
from backend.sync.mapping import MAX_MAPPING_ROWS, MappingRow, add_row, change_row, listed_rows
from backend.sync.payloads import corr_table_rows
from backend.ui.i18n import translator
from backend.ui.settings.common import (
    amocrm_of,
    base_of,
    chosen_base,
    form_again,
    form_text,
    fragment,
    number_of,
    section,
    services_of,
    settings_endpoint,
)
from backend.ui.tokens import UISession

TAB = "mapping"


@dataclass(frozen=True)
class Choice:
    """An amoCRM field (or user) the amoCRM side of a row can be."""

    id: int
    name: str


def kind_of(value: str | None) -> MappingKind:
    """The entity a request names (contacts by default); raises NotFound for an unknown one."""
    if not value:
        return MappingKind.CONTACT
    try:
        return MappingKind(value)
    except ValueError:
        raise NotFound from None


async def choices_for(request: Request, session: UISession, kind: MappingKind) -> list[Choice]:
    """The account's fields of the entity (users for Сотрудник), from amoCRM or its cache; raises AmoCRMError."""
    directory = services_of(request).field_directory
    amo = await amocrm_of(request, session)
    if kind == MappingKind.USER:
        return [Choice(user.id, user.name) for user in await directory.users(amo)]
    return [Choice(field.id, field.name) for field in await directory.fields(amo, ENTITY_OF_KIND[kind])]


async def _choices_or_error(request: Request, session: UISession, kind: MappingKind) -> tuple[list[Choice], str | None]:
    try:
        return await choices_for(request, session, kind), None
    except AmoCRMError as exc:
        return [], translator(session.lang)("mapping.fields_failed").format(error=exc)


async def _row_of(session: UISession, row_id: Any) -> FieldMapping:
    row = await FieldMapping.get_or_none(id=int(row_id), base__account_id=session.account_id)
    if row is None:
        raise NotFound
    return row


def _row_context(row: FieldMapping, choices: list[Choice], **extra: Any) -> dict[str, Any]:
    return {"row": row, "names": {choice.id: choice.name for choice in choices}, "known": bool(choices), **extra}


@settings_endpoint
async def mapping_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping?base=&kind=: one base's rows of one entity, the add form, "send to 1C"."""
    return await _mapping_section(request, session, request.query_params.get("base"), request.query_params.get("kind"))


@settings_endpoint
async def mapping_reload(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/reload: forget the cached amoCRM fields and users, then show the section again."""
    services_of(request).field_directory.forget(session.account_id)
    form = await request.form()
    return await _mapping_section(request, session, form_text(form, "base"), form_text(form, "kind"))


async def _mapping_section(
    request: Request, session: UISession, requested_base: str | None, requested_kind: str | None
) -> Response:
    bases, base = await chosen_base(request, session, requested_base)
    kind = kind_of(requested_kind)
    context: dict[str, Any] = {"bases": bases, "base": base, "kind": kind, "kinds": list(MappingKind), "values": {}}
    if base is not None:
        rows, total = await listed_rows(base, kind)
        choices, context["choices_error"] = await _choices_or_error(request, session, kind)
        context.update(
            rows=rows,
            hidden=total - len(rows),
            limit=MAX_MAPPING_ROWS,
            choices=choices,
            names={choice.id: choice.name for choice in choices},
            known=bool(choices),
            used={row.amo_field_id for row in rows},
            errors={},
        )
    return section(request, session, "ui/settings/mapping.html", context, tab=TAB)


@settings_endpoint
async def row_view(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping/rows/{id}: the view row (what "cancel" shows)."""
    row = await _row_of(session, request.path_params["row_id"])
    choices, _ = await _choices_or_error(request, session, MappingKind(row.kind))
    return fragment(request, session, "ui/settings/mapping_row.html", _row_context(row, choices))


@settings_endpoint
async def row_edit(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping/rows/{id}/edit: the edit row; 502 (editable without the field list) if amoCRM fails."""
    row = await _row_of(session, request.path_params["row_id"])
    choices, failure = await _choices_or_error(request, session, MappingKind(row.kind))
    values = {"amo_field_id": row.amo_field_id, "onec_field": row.onec_field, "enabled": row.enabled}
    context = _row_context(row, choices, values=values, errors={"amo_field_id": failure} if failure else {})
    return fragment(request, session, "ui/settings/mapping_edit.html", context, status=502 if failure else 200)


@settings_endpoint
async def row_add(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/rows: add a row; the view row (200), the add form with what to fix (422), 502."""
    form = await request.form()
    base = await base_of(request, session, form.get("base"))
    kind = kind_of(form_text(form, "kind"))
    t = translator(session.lang)
    choices, failure = await _choices_or_error(request, session, kind)
    row, values, errors = await _read_row(form, base, kind, choices, t)
    if failure is None and row is not None:
        try:
            added = await add_row(base, kind, row)
            return fragment(request, session, "ui/settings/mapping_row.html", _row_context(added, choices))
        except InvalidInput as exc:
            errors[exc.field] = t("mapping.error.duplicate")
        except TooMany as exc:
            errors["rows"] = t("mapping.error.too_many").format(limit=exc.limit)
    if failure is not None:
        errors["amo_field_id"] = failure
    context = {"base": base, "kind": kind, "choices": choices, "values": values, "errors": errors, "used": set()}
    status = 502 if failure is not None else 422
    return form_again(
        request, session, "ui/settings/mapping_new.html", context, form_id="amo1c-mapping-new", status=status
    )


@settings_endpoint
async def row_update(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/mapping/rows/{id}: save the edit row; the view row (200), the edit row (422), 502."""
    existing = await _row_of(session, request.path_params["row_id"])
    form = await request.form()
    base = await base_of(request, session, existing.base_id)
    kind = MappingKind(existing.kind)
    t = translator(session.lang)
    choices, failure = await _choices_or_error(request, session, kind)
    row, values, errors = await _read_row(form, base, kind, choices, t, existing=existing)
    # without amoCRM's list the row can still be saved as long as its amoCRM field stays the same
    if row is not None and (failure is None or row.amo_field_id == existing.amo_field_id):
        try:
            saved = await change_row(existing, row)
            return fragment(request, session, "ui/settings/mapping_row.html", _row_context(saved, choices))
        except InvalidInput as exc:
            errors[exc.field] = t("mapping.error.duplicate")
    if failure is not None:
        errors.setdefault("amo_field_id", failure)
    context = _row_context(existing, choices, values=values, errors=errors)
    status = 502 if failure is not None else 422
    return fragment(request, session, "ui/settings/mapping_edit.html", context, status=status)


@settings_endpoint
async def row_delete(request: Request, session: UISession) -> Response:
    """DELETE /ui/settings/mapping/rows/{id}: delete the row; empty 200."""
    row = await _row_of(session, request.path_params["row_id"])
    await row.delete()
    return Response(status_code=200, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})


@settings_endpoint
async def send_table(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/send: send the account's fields and users to 1C (`corr_table`); 200 or 502."""
    form = await request.form()
    base = await base_of(request, session, form.get("base"))
    services = services_of(request)
    rows = await corr_table_rows(await amocrm_of(request, session), services.field_directory)
    onec = services.onec.for_base(base)
    try:
        version = await onec.corr_table(rows, session.user_id or None)
    except OneCError as exc:
        return fragment(request, session, "ui/settings/mapping_sent.html", {"error": str(exc)}, status=502)
    await remember_handlers_version(base, version)
    return fragment(request, session, "ui/settings/mapping_sent.html", {"count": len(rows), "version": version})


async def _read_row(
    form: Any,
    base: OneCBase,
    kind: MappingKind,
    choices: list[Choice],
    t: Any,
    *,
    existing: FieldMapping | None = None,
) -> tuple[MappingRow | None, dict[str, Any], dict[str, str]]:
    """The row a form describes, with the values to re-render and what is wrong, by field name."""
    raw_id = form_text(form, "amo_field_id")
    values: dict[str, Any] = {
        "amo_field_id": raw_id if (number := number_of(raw_id)) is None else number,
        "onec_field": form_text(form, "onec_field"),
        "enabled": form.get("enabled") is not None,
    }
    errors: dict[str, str] = {}
    choice = next((item for item in choices if item.id == values["amo_field_id"]), None)
    if choice is None and existing is not None and values["amo_field_id"] == existing.amo_field_id:
        choice = Choice(existing.amo_field_id, existing.amo_field_name)  # kept as it was, even if gone from amoCRM
    if choice is None:
        errors["amo_field_id"] = t("mapping.error.unknown_field")
    else:
        duplicate = FieldMapping.filter(base_id=base.id, kind=kind, amo_field_id=choice.id)
        if existing is not None:
            duplicate = duplicate.exclude(id=existing.id)
        if await duplicate.exists():
            errors["amo_field_id"] = t("mapping.error.duplicate")
    if not values["onec_field"]:
        errors["onec_field"] = t("mapping.error.onec_field")
    elif len(values["onec_field"]) > 255:
        errors["onec_field"] = t("mapping.error.onec_field_long")
    if errors or choice is None:
        return None, values, errors
    return MappingRow(choice.id, values["onec_field"], choice.name, values["enabled"]), values, errors


routes = [
    Route("/ui/settings/mapping", mapping_page, methods=["GET"], name="settings_mapping"),
    Route("/ui/settings/mapping/reload", mapping_reload, methods=["POST"], name="settings_mapping_reload"),
    Route("/ui/settings/mapping/send", send_table, methods=["POST"], name="settings_mapping_send"),
    Route("/ui/settings/mapping/rows", row_add, methods=["POST"], name="settings_mapping_add"),
    Route("/ui/settings/mapping/rows/{row_id:int}", row_view, methods=["GET"], name="settings_mapping_row"),
    Route("/ui/settings/mapping/rows/{row_id:int}", row_update, methods=["PUT"], name="settings_mapping_update"),
    Route("/ui/settings/mapping/rows/{row_id:int}", row_delete, methods=["DELETE"], name="settings_mapping_delete"),
    Route("/ui/settings/mapping/rows/{row_id:int}/edit", row_edit, methods=["GET"], name="settings_mapping_edit"),
]
