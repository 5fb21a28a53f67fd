"""The sync API's OpenAPI document: complete, well-formed, and true to what the endpoints really answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.routing import Route

from backend.api.openapi import OPENAPI_PATH, openapi_document
from backend.api.routes import sync_routes
from backend.models import Account
from tests.api.conftest import World
from tests.factories import ADMIN_AUTH, BASE_AUTH, base_body, basic, install_account

DOCUMENT_URI = "urn:amo1c:sync-openapi"


def pointer(*parts: str) -> str:
    """A JSON pointer to `parts` (escaping "/" in paths)."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (components/responses) to the node it names."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema_at(document: dict[str, Any], *parts: str) -> Draft202012Validator:
    """A validator for the schema at `parts` of the document, its `$ref`s resolved against the whole document."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": DOCUMENT_URI + "#" + pointer(*parts)}, registry=registry)


def response_validator(document: dict[str, Any], path: str, method: str, status: int) -> Draft202012Validator:
    """The validator of the JSON answer the document declares for (path, method, status); fails when undeclared."""
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which the document does not declare"
    response = responses[str(status)]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[1]
        assert resolve(document, response)["content"]["application/json"]
        return schema_at(document, "components", "responses", name, "content", "application/json", "schema")
    return schema_at(
        document, "paths", path, method.lower(), "responses", str(status), "content", "application/json", "schema"
    )


def assert_answer_documented(document: dict[str, Any], method: str, path: str, response: httpx.Response) -> None:
    """The real answer validates against the schema the document declares for its path and status."""
    validator = response_validator(document, path, method, response.status_code)
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert not errors, f"{method} {path} {response.status_code} {response.text[:300]}: {errors}"


def api_paths() -> dict[str, set[str]]:
    """Path → lower-case methods of every sync API route (the OpenAPI route itself excluded)."""
    paths: dict[str, set[str]] = {}
    for route in sync_routes():
        assert isinstance(route, Route)
        if route.path != OPENAPI_PATH:
            paths[route.path] = {method.lower() for method in route.methods or () if method != "HEAD"}
    return paths


def test_openapi_has_every_route_with_responses_and_valid_schemas() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]
    paths = api_paths()
    assert {path: set(item) for path, item in document["paths"].items()} == paths
    operation_ids = []
    for path, methods in paths.items():
        for method in methods:
            operation = document["paths"][path][method]
            operation_ids.append(operation["operationId"])
            assert operation["summary"] and operation["responses"]["200"]
            for status, response in operation["responses"].items():
                assert status.isdigit() and resolve(document, response)["description"]
                assert response_validator(document, path, method, int(status)).is_valid(None) is False
            if method == "post":
                assert operation["requestBody"]["content"]["application/json"]["schema"]
            for scheme in operation["security"]:
                assert set(scheme) <= set(document["components"]["securitySchemes"])
    assert len(operation_ids) == len(set(operation_ids))
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises SchemaError naming the problem
    assert openapi_document() == document, "built fresh and the same every time"


def test_openapi_declares_the_envelope_of_each_status() -> None:
    document = openapi_document()
    failure = {"success": False, "data": None, "error": "нет"}
    for path, methods in api_paths().items():
        for method in methods:
            statuses = {int(status) for status in document["paths"][path][method]["responses"]}
            assert {200, 400, 404, 500} <= statuses, path
            for status in statuses - {200}:
                assert response_validator(document, path, method, status).is_valid(failure)
                assert not response_validator(document, path, method, status).is_valid({**failure, "success": True})
            success = response_validator(document, path, method, 200)
            assert not success.is_valid(failure)
            assert not success.is_valid({"success": True, "data": None, "error": None, "extra": 1})


def test_openapi_says_an_order_on_the_misprinted_path_is_served_as_leads() -> None:
    document = openapi_document()
    operation = document["paths"]["/sync/clients_companies"]["post"]
    assert "POST /sync/leads" in operation["description"] and "400" in operation["description"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    options = resolve(document, schema)["anyOf"]
    assert {option["$ref"].rsplit("/", 1)[1] for option in options} == {"CompanyRequest", "LeadRequest"}


def test_openapi_auth_follows_the_sync_auth_mode() -> None:
    basic_mode, open_mode = openapi_document("basic"), openapi_document("none")
    contacts = "/sync/clients_contacts"
    assert basic_mode["paths"][contacts]["post"]["security"] == [{"base1C": []}]
    assert "401" in basic_mode["paths"][contacts]["post"]["responses"]
    assert open_mode["paths"][contacts]["post"]["security"] == []
    assert "401" not in open_mode["paths"][contacts]["post"]["responses"]
    for document in (basic_mode, open_mode):
        handlers = document["paths"]["/update_handlers/set_handlers"]["post"]
        assert handlers["security"] == [{"amo1cAdmin": []}] and "401" in handlers["responses"]
        assert document["paths"]["/sync/check_active"]["get"]["security"] == []
    assert basic_mode["paths"]["/sync/base"]["post"]["security"] == [{}, {"base1C": []}, {"amo1cAdmin": []}]
    assert open_mode["paths"]["/sync/base"]["post"]["security"] == [{}, {"amo1cAdmin": []}]
    assert "429" in basic_mode["paths"][contacts]["post"]["responses"]
    assert "429" not in open_mode["paths"][contacts]["post"]["responses"]


async def test_openapi_is_served_as_plain_json(world: World) -> None:
    response = await world.client.get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert "success" not in document
    assert document == openapi_document(world.settings.sync_auth, world.settings.public_url)
    assert document["servers"] == [{"url": world.settings.public_url.rstrip("/")}]


@dataclass
class Calls:
    """Real calls made through amo1c, kept to check each answer (and each accepted body) against the document."""

    world: World
    made: list[tuple[str, str, dict[str, Any] | None, httpx.Response]] = field(default_factory=list)

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        headers = BASE_AUTH if headers is None else headers
        if "content" in kwargs:
            response = await self.world.client.post(path, headers=headers, **kwargs)
        else:
            response = await self.world.client.post(path, json=body, headers=headers)
        self.made.append(("POST", path, body if isinstance(body, dict) else None, response))
        return response

    async def get(self, path: str, **params: Any) -> httpx.Response:
        response = await self.world.client.get(path, params=params)
        self.made.append(("GET", path, None, response))
        return response


async def test_real_answers_of_every_endpoint_match_the_document(world: World) -> None:
    key = world.account.id
    calls = Calls(world)
    ok = {"key": key, "id_base": "trade"}
    contact = {**ok, "id_1c": "c-1", "name": "Анна", "phone": "+7 912 345-67-89"}

    assert (await calls.get("/sync/check_active", key=str(key))).json()["data"] is True
    assert (await calls.get("/sync/check_active")).status_code == 400
    assert (await calls.get("/sync/check_active", key="1")).status_code == 404

    assert (await calls.post("/sync/base", base_body(key, "second"), headers={})).status_code == 200
    assert (await calls.post("/sync/base", base_body(key, "third"), headers=ADMIN_AUTH)).status_code == 200
    assert (await calls.post("/sync/base", base_body(key), headers=BASE_AUTH)).status_code == 200
    assert (await calls.post("/sync/base", base_body(key, web_address="ftp://x"))).status_code == 400
    assert (await calls.post("/sync/base", base_body(key), headers=basic("Обмен1С", "нет"))).status_code == 401
    assert (await calls.post("/sync/base", base_body(1))).status_code == 404
    assert (await calls.post("/sync/base", None, content=b"{" + b" " * (1 << 20) + b"}")).status_code == 413

    contact_id = (await calls.post("/sync/clients_contacts", {**contact, "key": str(key)})).json()["data"]
    assert isinstance(contact_id, int)
    assert (await calls.post("/sync/clients_contacts", {**ok, "name": "нет данных"})).status_code == 400
    assert (await calls.post("/sync/clients_contacts", contact, headers={})).status_code == 401
    assert (await calls.post("/sync/clients_contacts", {**contact, "id_base": "чужая"})).status_code == 401
    assert (await calls.post("/sync/clients_contacts", {**contact, "id_base": "second"})).status_code == 403
    world.fake.fail_next(1, status=400, path_prefix="/api/v4/contacts", method="POST")
    assert (
        await calls.post("/sync/clients_contacts", {**contact, "id_1c": "c-2", "phone": "+7 900 000-00-02"})
    ).status_code == 502
    world.fake.fail_next(10, status=429, path_prefix="/api/v4/contacts")
    response = await calls.post("/sync/clients_contacts", {**contact, "id_1c": "c-3", "phone": "+7 900 000-00-03"})
    assert response.status_code == 503 and response.headers["retry-after"].isdigit()
    world.fake.clear_faults()

    company = {**ok, "id_1c": "org-1", "name": "ООО Ромашка", "inn": "7701234567"}
    company_id = (await calls.post("/sync/clients_companies", company)).json()["data"]
    assert (await calls.post("/sync/clients_companies", {**ok, "inn": "x" * 21})).status_code == 400

    lead = {**ok, "id_1c": "order-1", "order_number": "77", "budget": "1 500,50", "contact_id": str(contact_id)}
    lead_id = (await calls.post("/sync/leads", {**lead, "company_id": company_id})).json()["data"]
    assert isinstance(lead_id, int)
    # 2.5 as the spec prints it, on 2.4's path
    assert (await calls.post("/sync/clients_companies", lead)).json()["data"] == lead_id
    assert (await calls.post("/sync/clients_companies", {**lead, "name": "ООО Ромашка"})).status_code == 400
    assert (await calls.post("/sync/leads", {**lead, "budget": "-5"})).status_code == 400
    world.fake.fail_next(10, status=504, path_prefix="/api/v4/leads")
    assert (await calls.post("/sync/leads", {**lead, "id_1c": "order-2"})).status_code == 503
    world.fake.clear_faults()

    event = {**ok, "event_name": "payment", "id_1c": "order-1", "sum": "1 500,50", "document_name": "Оплата №5"}
    assert (await calls.post("/sync/process_event", event)).json()["data"] == lead_id
    assert (await calls.post("/sync/process_event", {**event, "event_name": "refund"})).status_code == 400
    assert (await calls.post("/sync/process_event", {**event, "id_1c": "never-synced"})).status_code == 409

    contacts_batch = {**ok, "items": [{"id_1c": "c-1", "name": "Анна"}, {"id_1c": "c-4"}, {"phone": "x" * 501}]}
    answered = (await calls.post("/sync/clients_contacts/batch", contacts_batch)).json()["data"]
    assert [item["success"] for item in answered] == [True, False, False]
    companies_batch = {**ok, "items": [company, {"id_1c": "org-2", "name": "ООО Лютик", "inn": "7701234568"}]}
    assert (await calls.post("/sync/clients_companies/batch", companies_batch)).status_code == 200
    assert (await calls.post("/sync/clients_companies/batch", {**ok, "items": []})).status_code == 400
    lead_items = {**ok, "items": [{**lead, "key": key}, {"id_1c": "order-3", "budget": "-1"}]}
    assert (await calls.post("/sync/leads/batch", lead_items)).json()["data"][0]["data"] == lead_id
    assert (await calls.post("/sync/leads/batch", {**ok, "items": [lead] * 501})).status_code == 413
    event_items = {
        **ok,
        "items": [
            {**event, "key": 1, "id_base": "trade"},
            {key: value for key, value in event.items() if key not in ok},
        ],
    }
    answered = (await calls.post("/sync/process_event/batch", event_items)).json()["data"]
    assert [item["success"] for item in answered] == [False, True]
    assert (await calls.post("/sync/process_event/batch", {**ok, "items": [event]}, headers={})).status_code == 401

    for name, entity in (("clients_contacts", "contacts"), ("clients_companies", "companies"), ("leads", "leads")):
        path = f"/sync/{name}_save_fields"
        first, second = (item.id for item in world.fake_account.custom_fields[entity][:2])
        assert (await calls.post(path, {**ok, f"p_{first}": "ИНН", "Телефон": f"p_{second}"})).status_code == 200
        assert (await calls.post(path, {**ok, f"p_{first}": ["ИНН"]})).status_code == 400
        assert (await calls.post(path, {**ok, "p_424242": "ИНН"})).status_code == 400
        assert (await calls.post(path, {**ok, f"p_{first}": "ИНН"}, headers={})).status_code == 401
        assert (await calls.post(path, {**ok, "id_base": "нет такой"})).status_code == 401

    version_path, handlers_path = "/update_handlers/get_actual_version", "/update_handlers/get_actual_handlers"
    assert (await calls.post(version_path, ok)).json()["data"] == {"version": 0}
    assert (await calls.post(handlers_path, ok)).json()["data"] == {"version": 0, "handlers": None}
    stored = await calls.post("/update_handlers/set_handlers", {**ok, "handlers": {"a": [1]}}, headers=ADMIN_AUTH)
    assert stored.json()["data"] == {"version": 1}
    assert (await calls.post(handlers_path, ok)).json()["data"] == {"version": 1, "handlers": {"a": [1]}}
    assert (await calls.post(version_path, {**ok, "key": "x"})).status_code == 400
    assert (await calls.post(handlers_path, ok, headers=basic("Обмен1С", "нет"))).status_code == 401
    assert (await calls.post("/update_handlers/set_handlers", {**ok, "handlers": {"a": 1}})).status_code == 401
    assert (await calls.post("/update_handlers/set_handlers", {**ok}, headers=ADMIN_AUTH)).status_code == 400
    assert (await calls.post("/update_handlers/set_handlers", {**ok, "key": 5}, headers=ADMIN_AUTH)).status_code == 404

    disabled = await install_account(world.fake, world.settings, subdomain="disabled")
    await Account.filter(id=disabled.id).update(active=False)
    assert (await calls.post("/sync/base", base_body(disabled.id))).status_code == 403
    assert (await calls.get("/sync/check_active", key=disabled.id)).json()["data"] is False

    document = (await world.client.get(OPENAPI_PATH)).json()
    for method, path, body, response in calls.made:
        assert_answer_documented(document, method, path, response)
        if response.status_code == 200 and body is not None:
            request_schema = schema_at(
                document, "paths", path, "post", "requestBody", "content", "application/json", "schema"
            )
            if path.endswith("/batch"):  # a batch is read whole; each item is held to the document when it succeeded
                answers = response.json()["data"]
                body = {
                    **body,
                    "items": [item for item, answer in zip(body["items"], answers, strict=True) if answer["success"]],
                }
            assert not list(request_schema.iter_errors(body)), f"accepted body of {path} contradicts the document"
    exercised = {(path, response.status_code) for _, path, _, response in calls.made}
    assert {path for path, _ in exercised} == set(api_paths())
    assert {status for _, status in exercised} == {200, 400, 401, 403, 404, 409, 413, 502, 503}
