"""Settings: the field correspondence of a base per entity — amoCRM field (user for Сотрудник) ↔ 1C field.

The amoCRM side is chosen from the account's real fields and users (FieldDirectory's cached lists); these are
the same rows 1C writes with `*_save_fields`. Rows are edited in place (view row ↔ edit row), a bad row comes
back as 422 with the row re-rendered, and "send to 1C" sends `corr_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.amocrm.errors import AmoCRMError
from backend.onec.errors import OneCError
from backend.pages import Lang
from backend.sync.errors import NotFound
from backend.sync.mapping import MAX_MAPPING_ROWS, EditedRow, InvalidRow, RowProblem
from backend.sync.numbers import id_of
from backend.sync.records import MappingKind, MappingRow
from backend.sync.workspace.mapping import Choice, Mapping
from backend.ui.access import workspace_of
from backend.ui.errors import describe
from backend.ui.i18n import translator
from backend.ui.settings.common import form_again, form_text, fragment, section, settings_endpoint
from backend.ui.tokens import UISession

TAB = "mapping"


def kind_of(value: str | None) -> MappingKind:
    """The entity a request names (contacts by default); raises NotFound for an unknown one."""
    if not value:
        return MappingKind.CONTACT
    try:
        return MappingKind(value)
    except ValueError:
        raise NotFound from None


async def _choices_or_failure(mapping: Mapping, kind: MappingKind) -> tuple[list[Choice], AmoCRMError | None]:
    try:
        return await mapping.choices(kind), None
    except AmoCRMError as exc:
        return [], exc


def _failure_text(failure: AmoCRMError, lang: Lang) -> str:
    return describe(failure, lang)[1].within(translator(lang)("mapping.fields_failed"))


@dataclass(frozen=True)
class FieldOption:
    """One <option> of a row's amoCRM side."""

    value: str
    name: str
    selected: bool = False
    disabled: bool = False


def field_options(
    choices: list[Choice], selected: object, used: set[int], kept: MappingRow | None = None
) -> list[FieldOption]:
    """The choices of a row's amoCRM side, the same for the add form and the edit row: every field of the entity
    (user, for Сотрудник) with `selected` chosen and those other rows map (`used`) disabled; `kept`, a stored row,
    keeps its own field choosable even when amoCRM's list lacks it (gone from amoCRM, or the list unread)."""
    chosen = "" if selected is None else str(selected)
    options = [
        FieldOption(
            str(choice.id), choice.name, str(choice.id) == chosen, choice.id in used and str(choice.id) != chosen
        )
        for choice in choices
    ]
    if kept is not None and all(option.value != str(kept.amo_field_id) for option in options):
        own = str(kept.amo_field_id)
        options.append(FieldOption(own, kept.amo_field_name or own, own == chosen))
    return options


def _row_context(row: MappingRow, choices: list[Choice], **extra: Any) -> dict[str, Any]:
    return {"row": row, "names": {choice.id: choice.name for choice in choices}, "known": bool(choices), **extra}


@settings_endpoint
async def mapping_page(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping?base=&kind=: one base's rows of one entity, the add form, "send to 1C"."""
    return await _mapping_section(request, session, request.query_params.get("base"), request.query_params.get("kind"))


@settings_endpoint
async def mapping_reload(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/reload: forget the cached amoCRM fields and users, then show the section again."""
    workspace_of(request, session).mapping.forget_choices()
    form = await request.form()
    return await _mapping_section(request, session, form_text(form, "base"), form_text(form, "kind"))


async def _mapping_section(
    request: Request, session: UISession, requested_base: str | None, requested_kind: str | None
) -> Response:
    bases, base = await workspace_of(request, session).bases.chosen(requested_base)
    kind = kind_of(requested_kind)
    context: dict[str, Any] = {"bases": bases, "base": base, "kind": kind, "kinds": list(MappingKind), "values": {}}
    if base is not None:
        mapping = workspace_of(request, session).mapping
        rows, total = await mapping.rows(base, kind)
        choices, failure = await _choices_or_failure(mapping, kind)
        context.update(
            rows=rows,
            hidden=total - len(rows),
            limit=MAX_MAPPING_ROWS,
            choices=choices,
            choices_error=_failure_text(failure, session.lang) if failure is not None else None,
            names={choice.id: choice.name for choice in choices},
            known=bool(choices),
            options=field_options(choices, None, {row.amo_field_id for row in rows}),
            errors={},
        )
    return section(request, session, "ui/settings/mapping.html", context, tab=TAB)


@settings_endpoint
async def row_view(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping/rows/{id}: the view row (what "cancel" shows)."""
    mapping = workspace_of(request, session).mapping
    row = await mapping.row(request.path_params["row_id"])
    choices, _ = await _choices_or_failure(mapping, MappingKind(row.kind))
    return fragment(request, session, "ui/settings/mapping_row.html", _row_context(row, choices))


@settings_endpoint
async def row_edit(request: Request, session: UISession) -> Response:
    """GET /ui/settings/mapping/rows/{id}/edit: the edit row; 502 (editable without the field list) if amoCRM fails."""
    mapping = workspace_of(request, session).mapping
    row = await mapping.row(request.path_params["row_id"])
    choices, failure = await _choices_or_failure(mapping, MappingKind(row.kind))
    values = {"amo_field_id": row.amo_field_id, "onec_field": row.onec_field, "enabled": row.enabled}
    status, errors = 200, {}
    if failure is not None:
        status, errors = describe(failure, session.lang)[0], {"amo_field_id": _failure_text(failure, session.lang)}
    options = field_options(choices, row.amo_field_id, await mapping.others_fields(row), kept=row)
    context = _row_context(row, choices, values=values, errors=errors, options=options)
    return fragment(request, session, "ui/settings/mapping_edit.html", context, status=status)


@settings_endpoint
async def row_add(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/rows: add a row; the view row (200), the add form with what to fix (422), 502."""
    form = await request.form()
    base = await workspace_of(request, session).base(form.get("base"))
    kind = kind_of(form_text(form, "kind"))
    mapping = workspace_of(request, session).mapping
    choices, failure = await _choices_or_failure(mapping, kind)
    edited, values = _edited_row(form)
    try:
        added = await mapping.add(base, kind, edited)
    except InvalidRow as exc:
        status, errors = _what_to_fix(exc, failure, session.lang)
        options = field_options(choices, values["amo_field_id"], set())
        context = {"base": base, "kind": kind, "options": options, "values": values, "errors": errors}
        return form_again(
            request, session, "ui/settings/mapping_new.html", context, form_id="amo1c-mapping-new", status=status
        )
    return fragment(request, session, "ui/settings/mapping_row.html", _row_context(added, choices))


@settings_endpoint
async def row_update(request: Request, session: UISession) -> Response:
    """PUT /ui/settings/mapping/rows/{id}: save the edit row; the view row (200), the edit row (422), 502.

    Without amoCRM's list the row can still be saved as long as its amoCRM field stays the same.
    """
    mapping = workspace_of(request, session).mapping
    stored = await mapping.row(request.path_params["row_id"])
    form = await request.form()
    choices, failure = await _choices_or_failure(mapping, MappingKind(stored.kind))
    edited, values = _edited_row(form)
    try:
        saved = await mapping.update(stored, edited)
    except InvalidRow as exc:
        status, errors = _what_to_fix(exc, failure, session.lang)
        options = field_options(choices, values["amo_field_id"], await mapping.others_fields(stored), kept=stored)
        context = _row_context(stored, choices, values=values, errors=errors, options=options)
        return fragment(request, session, "ui/settings/mapping_edit.html", context, status=status)
    return fragment(request, session, "ui/settings/mapping_row.html", _row_context(saved, choices))


@settings_endpoint
async def row_delete(request: Request, session: UISession) -> Response:
    """DELETE /ui/settings/mapping/rows/{id}: delete the row; empty 200."""
    await workspace_of(request, session).mapping.delete(request.path_params["row_id"])
    return Response(status_code=200, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})


@settings_endpoint
async def send_table(request: Request, session: UISession) -> Response:
    """POST /ui/settings/mapping/send: send the account's fields and users to 1C (`corr_table`); 200 or 502."""
    form = await request.form()
    base = await workspace_of(request, session).base(form.get("base"))
    try:
        sent = await workspace_of(request, session).mapping.send_table(base, session.user_id or None)
    except OneCError as exc:  # 1C's refusal is said where the result goes; amoCRM's is the section's problem
        status, message = describe(exc, session.lang)
        return fragment(request, session, "ui/settings/mapping_sent.html", {"error": message}, status=status)
    return fragment(request, session, "ui/settings/mapping_sent.html", {"count": sent.count, "version": sent.version})


def _edited_row(form: FormData) -> tuple[EditedRow, dict[str, Any]]:
    """The row a form describes, and its values as the form shows them again."""
    raw_id = form_text(form, "amo_field_id")
    edited = EditedRow(id_of(raw_id), form_text(form, "onec_field"), form.get("enabled") is not None)
    values = {
        "amo_field_id": raw_id if edited.amo_field_id is None else edited.amo_field_id,
        "onec_field": edited.onec_field,
        "enabled": edited.enabled,
    }
    return edited, values


def _what_to_fix(exc: InvalidRow, failure: AmoCRMError | None, lang: Lang) -> tuple[int, dict[str, str]]:
    """The status and the words, by field, for a refused row; the amoCRM failure (if the fields could not be
    read) makes the status and is said under the amoCRM field."""
    t = translator(lang)
    errors = {
        field: t(f"mapping.error.{problem.value}").format(limit=MAX_MAPPING_ROWS)
        for field, problem in exc.problems.items()
        if problem != RowProblem.FIELDS_UNREAD
    }
    if failure is None:
        return describe(exc, lang)[0], errors
    errors.setdefault("amo_field_id", _failure_text(failure, lang))
    return describe(failure, lang)[0], errors


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
