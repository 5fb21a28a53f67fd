"""Output shapes: entities as amoCRM returns them, and paged HAL collections with _links."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from backend.fakes.amocrm.custom_values import render_custom_values
from backend.fakes.amocrm.responses import ApiError, json_response, no_content
from backend.fakes.amocrm.state import Account, Entity

MAX_LIMIT = 250
DEFAULT_LIMIT = 50


def self_link(base: str, path: str) -> dict[str, dict[str, str]]:
    """Return a HAL _links object pointing at base + path."""
    return {"self": {"href": f"{base}{path}"}}


def with_options(request: Request) -> set[str]:
    """Return the comma-separated `with` options of a request."""
    return {w.strip() for w in request.query_params.get("with", "").split(",") if w.strip()}


def entity_json(base: str, account: Account, entity: Entity, with_: Collection[str] = ()) -> dict[str, Any]:
    """Return an entity in amoCRM's GET shape; `with` adds contacts/leads under _embedded."""
    kind = entity.entity_type
    body: dict[str, Any] = {"id": entity.id, "name": entity.name}
    if kind == "contacts":
        body.update(first_name=entity.first_name, last_name=entity.last_name)
    if kind == "leads":
        body.update(price=entity.price)
    body.update(responsible_user_id=entity.responsible_user_id, group_id=0)
    if kind == "leads":
        body.update(status_id=entity.status_id, pipeline_id=entity.pipeline_id, loss_reason_id=None)
    body.update(
        created_by=entity.created_by,
        updated_by=entity.updated_by,
        created_at=entity.created_at,
        updated_at=entity.updated_at,
    )
    if kind == "leads":
        body.update(closed_at=entity.closed_at, score=None, labor_cost=None)
    body.update(
        closest_task_at=None,
        is_deleted=False,
        custom_fields_values=render_custom_values(account, entity),
        account_id=account.id,
        _links=self_link(base, f"/api/v4/{kind}/{entity.id}"),
        _embedded=_embedded(base, account, entity, with_),
    )
    if kind == "contacts":
        body["is_unsorted"] = False
    return body


def _embedded(base: str, account: Account, entity: Entity, with_: Collection[str]) -> dict[str, Any]:
    """Return the _embedded block: tags and companies always, contacts/leads when asked for."""
    partners = account.partners(entity.entity_type, entity.id)
    embedded: dict[str, Any] = {"tags": [{"id": account.tag_ids.get(t), "name": t, "color": None} for t in entity.tags]}
    if entity.entity_type != "companies":
        embedded["companies"] = [
            {"id": pid, "_links": self_link(base, f"/api/v4/companies/{pid}")}
            for ptype, pid, _ in partners
            if ptype == "companies"
        ][:1]
    if "contacts" in with_ and entity.entity_type != "contacts":
        embedded["contacts"] = [
            {
                "id": pid,
                "is_main": bool((meta or {}).get("main_contact", False)),
                "_links": self_link(base, f"/api/v4/contacts/{pid}"),
            }
            for ptype, pid, meta in partners
            if ptype == "contacts"
        ]
    if "leads" in with_ and entity.entity_type != "leads":
        embedded["leads"] = [
            {"id": pid, "_links": self_link(base, f"/api/v4/leads/{pid}")}
            for ptype, pid, _ in partners
            if ptype == "leads"
        ]
    return embedded


def page_window(request: Request, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """Return (page, limit) of a list request; raises ApiError (400) for bad values or limit over 250."""
    try:
        page = int(request.query_params.get("page", "1"))
        limit = int(request.query_params.get("limit", str(default_limit)))
    except ValueError:
        raise ApiError(400, "page and limit must be integers") from None
    if page < 1:
        raise ApiError(400, "page must be at least 1")
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}")
    return page, limit


def _page_href(base: str, request: Request, page: int, limit: int) -> str:
    """Return the URL of another page of the same list, keeping the other query parameters."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "limit")]
    params += [("page", str(page)), ("limit", str(limit))]
    return f"{base}{request.url.path}?{urlencode(params)}"


def hal_page(
    base: str, request: Request, key: str, items: Sequence[dict[str, Any]], default_limit: int = DEFAULT_LIMIT
) -> Response:
    """Answer one page of a list; 204 with an empty body when the page is empty, like amoCRM."""
    page, limit = page_window(request, default_limit)
    start = (page - 1) * limit
    chunk = list(items[start : start + limit])
    if not chunk:
        return no_content()
    links: dict[str, Any] = {"self": {"href": _page_href(base, request, page, limit)}}
    if start + limit < len(items):
        links["next"] = {"href": _page_href(base, request, page + 1, limit)}
    if page > 1:
        links["prev"] = {"href": _page_href(base, request, page - 1, limit)}
    return json_response({"_page": page, "_links": links, "_embedded": {key: chunk}})
