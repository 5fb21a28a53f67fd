"""API handlers for an account's settings: the account, users, pipelines and custom field definitions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from backend.fakes.amocrm.entities import entity_type_of
from backend.fakes.amocrm.gateway import ApiCall
from backend.fakes.amocrm.render import hal_page, self_link
from backend.fakes.amocrm.responses import ApiError, json_response, no_content
from backend.fakes.amocrm.search import filter_values
from backend.fakes.amocrm.state import Account, CustomField, Pipeline, User


def account_json(base: str, account: Account, current_user_id: int) -> dict[str, Any]:
    """Return the account in the shape of GET /api/v4/account."""
    return {
        "id": account.id,
        "name": account.name,
        "subdomain": account.subdomain,
        "created_at": account.created_at,
        "created_by": account.admin_id,
        "updated_at": account.created_at,
        "updated_by": account.admin_id,
        "current_user_id": current_user_id,
        "country": "RU",
        "currency": "RUB",
        "currency_symbol": "₽",
        "customers_mode": "disabled",
        "is_unsorted_on": True,
        "is_loss_reason_enabled": True,
        "is_helpbot_enabled": False,
        "is_technical_account": False,
        "contact_name_display_order": 1,
        "mobile_feature_version": 0,
        "_links": self_link(base, "/api/v4/account"),
    }


def get_account(call: ApiCall) -> Response:
    """GET /api/v4/account: the account of the token, current_user_id being the token's user."""
    return json_response(account_json(call.base, call.account, call.user_id))


def user_json(base: str, user: User) -> dict[str, Any]:
    """Return a user in the shape of GET /api/v4/users."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "lang": "ru",
        "rights": {
            "leads": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "contacts": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "companies": {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "A"},
            "mail_access": True,
            "catalog_access": True,
            "is_admin": user.is_admin,
            "is_free": False,
            "is_active": True,
            "group_id": None,
            "role_id": None,
        },
        "_links": self_link(base, f"/api/v4/users/{user.id}"),
    }


def list_users(call: ApiCall) -> Response:
    """GET /api/v4/users: the account's users, paged."""
    users = [user_json(call.base, u) for u in call.account.users.values()]
    return hal_page(call.base, call.request, "users", users)


def get_user(call: ApiCall) -> Response:
    """GET /api/v4/users/{id}: one user, 204 when it does not exist."""
    user = call.account.users.get(int(call.request.path_params["id"]))
    return json_response(user_json(call.base, user)) if user else no_content()


def pipeline_json(base: str, account: Account, pipeline: Pipeline) -> dict[str, Any]:
    """Return a pipeline with its statuses under _embedded, like amoCRM."""
    statuses = [
        {
            "id": s.id,
            "name": s.name,
            "sort": s.sort,
            "is_editable": s.is_editable,
            "pipeline_id": pipeline.id,
            "color": s.color,
            "type": s.type,
            "account_id": account.id,
            "_links": self_link(base, f"/api/v4/leads/pipelines/{pipeline.id}/statuses/{s.id}"),
        }
        for s in pipeline.statuses
    ]
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "sort": pipeline.sort,
        "is_main": pipeline.is_main,
        "is_unsorted_on": True,
        "is_archive": False,
        "account_id": account.id,
        "_links": self_link(base, f"/api/v4/leads/pipelines/{pipeline.id}"),
        "_embedded": {"statuses": statuses},
    }


def list_pipelines(call: ApiCall) -> Response:
    """GET /api/v4/leads/pipelines: every pipeline (not paged, as in amoCRM)."""
    pipelines = [pipeline_json(call.base, call.account, p) for p in call.account.pipelines.values()]
    body = {
        "_total_items": len(pipelines),
        "_links": self_link(call.base, "/api/v4/leads/pipelines"),
        "_embedded": {"pipelines": pipelines},
    }
    return json_response(body)


def get_pipeline(call: ApiCall) -> Response:
    """GET /api/v4/leads/pipelines/{id}: one pipeline, 204 when it does not exist."""
    pipeline = call.account.pipelines.get(int(call.request.path_params["id"]))
    return json_response(pipeline_json(call.base, call.account, pipeline)) if pipeline else no_content()


def field_json(base: str, account: Account, field: CustomField) -> dict[str, Any]:
    """Return a custom field definition in amoCRM's shape."""
    enums = None
    if field.enums is not None:
        enums = [{"id": e.id, "value": e.value, "sort": e.sort, "code": e.code} for e in field.enums]
    return {
        "id": field.id,
        "name": field.name,
        "type": field.type,
        "account_id": account.id,
        "code": field.code,
        "sort": field.sort,
        "is_api_only": field.is_api_only,
        "enums": enums,
        "group_id": None,
        "required_statuses": [],
        "is_deletable": field.code is None,
        "is_predefined": field.code in ("PHONE", "EMAIL", "POSITION", "WEB", "ADDRESS"),
        "entity_type": field.entity_type,
        "remind": None,
        "_links": self_link(base, f"/api/v4/{field.entity_type}/custom_fields/{field.id}"),
    }


def list_fields(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/custom_fields: definitions, 50 per page by default (limit up to 250)."""
    entity_type = entity_type_of(call)
    fields = call.account.fields(entity_type)
    types = filter_values(call.request, "type")
    if types is not None:
        fields = [f for f in fields if f.type in types]
    items = [field_json(call.base, call.account, f) for f in fields]
    return hal_page(call.base, call.request, "custom_fields", items)


def get_field(call: ApiCall) -> Response:
    """GET /api/v4/{entity}/custom_fields/{id}: one definition, 204 when it does not exist."""
    entity_type = entity_type_of(call)
    field = call.account.field_by_id(entity_type, int(call.request.path_params["id"]))
    return json_response(field_json(call.base, call.account, field)) if field else no_content()


def add_fields(call: ApiCall) -> Response:
    """POST /api/v4/{entity}/custom_fields: define every field of a JSON array ({name, type, code?, sort?, enums?}),
    or none if one is invalid; answers the definitions under `_embedded.custom_fields`."""
    entity_type = entity_type_of(call)
    items = call.json()
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise ApiError(400, "Request body must be a non-empty JSON array of field objects")
    try:
        created = call.world.add_custom_fields(call.account.id, entity_type, items)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    fields = [field_json(call.base, call.account, field) for field in created]
    body = {"_total_items": len(fields), "_embedded": {"custom_fields": fields}}
    return json_response(body)
