"""Every /ui/ route: a valid session is required, and a session of account A never sees account B's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.models import (
    Account,
    Direction,
    EntityKind,
    EntityLink,
    EventRule,
    FieldMapping,
    HandlerPackage,
    Intent,
    IntentKind,
    MappingKind,
    OneCBase,
    Outcome,
    SyncLogEntry,
    Trigger,
    TriggerKind,
)
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens
from tests.factories import install_account
from tests.ui.conftest import Admin

UI_PAGES = [
    "/ui/cards/leads/5001",
    "/ui/cards/contacts/5001",
    "/ui/cards/companies/5001",
    "/ui/cards/leads/5001/body",
    "/ui/cards/contacts/5001/body",
    "/ui/settings",
    "/ui/settings/bases",
    "/ui/settings/mapping",
    "/ui/settings/mapping?kind=user",
    "/ui/settings/handlers",
    "/ui/settings/log",
    "/ui/settings/automation",
    "/ui/settings/automation/outbox",
]
# Every settings route, with {base}, {row}, {package} and {entry} standing for ids of one account's rows.
SETTINGS_ROUTES = [
    ("GET", "/ui/settings"),
    ("GET", "/ui/settings/overview/bases"),
    ("GET", "/ui/settings/bases"),
    ("POST", "/ui/settings/bases"),
    ("GET", "/ui/settings/bases/{base}"),
    ("PUT", "/ui/settings/bases/{base}"),
    ("DELETE", "/ui/settings/bases/{base}"),
    ("GET", "/ui/settings/bases/{base}/edit"),
    ("GET", "/ui/settings/bases/{base}/live"),
    ("POST", "/ui/settings/bases/{base}/check"),
    ("GET", "/ui/settings/mapping"),
    ("POST", "/ui/settings/mapping/reload"),
    ("POST", "/ui/settings/mapping/send"),
    ("POST", "/ui/settings/mapping/rows"),
    ("GET", "/ui/settings/mapping/rows/{row}"),
    ("PUT", "/ui/settings/mapping/rows/{row}"),
    ("DELETE", "/ui/settings/mapping/rows/{row}"),
    ("GET", "/ui/settings/mapping/rows/{row}/edit"),
    ("GET", "/ui/settings/rules"),
    ("PUT", "/ui/settings/rules/payment/{pipeline}"),
    ("GET", "/ui/settings/handlers"),
    ("GET", "/ui/settings/handlers/{package}"),
    ("GET", "/ui/settings/log"),
    ("GET", "/ui/settings/log/entries"),
    ("GET", "/ui/settings/log/{entry}"),
    ("POST", "/ui/settings/log/{entry}/resend"),
    ("GET", "/ui/settings/automation"),
    ("POST", "/ui/settings/automation/triggers"),
    ("DELETE", "/ui/settings/automation/triggers/{trigger}"),
    ("PUT", "/ui/settings/automation/changed/deal_changed"),
    ("POST", "/ui/settings/automation/subscription"),
    ("GET", "/ui/settings/automation/outbox"),
    ("GET", "/ui/settings/automation/intents"),
    ("GET", "/ui/settings/automation/intents/{intent}"),
    ("POST", "/ui/settings/automation/intents/{intent}/send"),
    ("POST", "/ui/settings/automation/intents/{intent}/cancel"),
]
# The settings routes naming a row by id: another account's id is "not found".
SETTINGS_ROW_ROUTES = [(method, path) for method, path in SETTINGS_ROUTES if "{" in path and "{pipeline}" not in path]
UI_ACTIONS = [
    ("GET", "/ui/cards/leads/5001/documents"),
    ("POST", "/ui/cards/leads/5001/order"),
    ("POST", "/ui/cards/contacts/5001/counterparty"),
    ("POST", "/ui/cards/companies/5001/counterparty"),
    *[
        (method, path.format(base=1, row=1, pipeline=1, package=1, entry=1, trigger=1, intent=1))
        for method, path in SETTINGS_ROUTES
    ],
]


async def two_accounts() -> tuple[Account, Account]:
    a = await Account.create(id=1001, subdomain="alpha")
    b = await Account.create(id=2002, subdomain="beta")
    for account, id_base, secret in ((a, "alpha-base", "ALPHA-SECRET-LINK"), (b, "beta-base", "BETA-SECRET-LINK")):
        base = await OneCBase.create(
            account=account,
            id_base=id_base,
            web_address="http://1c/x",
            url_address="http://1c",
            param1="u",
            param2_enc="x",
        )
        for kind in EntityKind:
            await EntityLink.create(
                base=base, kind=kind, amo_id=5001, id_1c=f"{id_base}-1c", link=f"http://1c#{secret}"
            )
        for mapping_kind in MappingKind:
            await FieldMapping.create(base=base, kind=mapping_kind, amo_field_id=1, onec_field=f"{id_base}-field")
        await HandlerPackage.create(base=base, version=1, handlers_json=f'"{secret}"')
        await Trigger.create(base=base, kind=TriggerKind.STAGE, pipeline_id=1, status_id=2)
        await Intent.create(
            base=base, account_id=account.id, kind=IntentKind.NEW_ORDER, entity_kind=EntityKind.LEAD, amo_id=5001,
            next_attempt_at=datetime.now(UTC) + timedelta(hours=1), last_error=secret, cause=f"{id_base} cause",
        )  # fmt: skip
        await SyncLogEntry.create(
            account_id=account.id, id_base=id_base, direction=Direction.TO_1C, operation="get_orders", amo_id=5001,
            outcome=Outcome.ERROR, error=secret,
        )  # fmt: skip
    return a, b


async def ids_of(account: Account) -> dict[str, int]:
    """The ids of one account's base, correspondence row, handler package and log entry."""
    base = await OneCBase.get(account_id=account.id)
    row = await FieldMapping.filter(base_id=base.id).order_by("id").first()
    assert row is not None
    return {
        "base": base.id,
        "row": row.id,
        "package": (await HandlerPackage.get(base_id=base.id)).id,
        "entry": (await SyncLogEntry.get(account_id=account.id)).id,
        "trigger": (await Trigger.get(base_id=base.id)).id,
        "intent": (await Intent.get(account_id=account.id)).id,
    }


def token_for(settings: Settings, account_id: int, *, admin: bool = True) -> str:
    return UITokens(settings.secret_key).issue(UISession(account_id, 1, admin))


@pytest.mark.parametrize("path", UI_PAGES)
async def test_ui_pages_require_a_valid_session(client: httpx.AsyncClient, path: str) -> None:
    for params in ({}, {"token": "forged"}, {"token": ""}):
        response = await client.get(path, params=params)
        assert response.status_code == 401, (path, params)
        assert "amo1c-error" in response.text


@pytest.mark.parametrize("path", UI_PAGES)
async def test_a_session_of_account_a_never_shows_account_b(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    alpha, beta = await two_accounts()
    response = await client.get(path, params={"token": token_for(settings, alpha.id)})
    assert response.status_code == 200
    assert "BETA-SECRET-LINK" not in response.text and "beta-base" not in response.text
    assert "ALPHA-SECRET-LINK" in response.text or "alpha-base" in response.text
    other = await client.get(path, headers={"X-UI-Token": token_for(settings, beta.id)})
    assert "ALPHA-SECRET-LINK" not in other.text and "alpha-base" not in other.text


async def test_settings_refuse_non_admins(client: httpx.AsyncClient, settings: Settings) -> None:
    alpha, _ = await two_accounts()
    response = await client.get("/ui/settings", params={"token": token_for(settings, alpha.id, admin=False)})
    assert response.status_code == 403
    assert "администраторам" in response.text
    ids = await ids_of(alpha)
    for method, path in SETTINGS_ROUTES:
        url = path.format(pipeline=1, **ids)
        refused = await client.request(method, url, headers={"X-UI-Token": token_for(settings, alpha.id, admin=False)})
        assert refused.status_code == 403, (method, url)
        assert "ALPHA-SECRET-LINK" not in refused.text and "alpha-base" not in refused.text
    card = await client.get("/ui/cards/leads/5001", params={"token": token_for(settings, alpha.id, admin=False)})
    assert card.status_code == 200


async def test_demo_sign_in_does_not_exist_outside_the_demo(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ui/demo/login")).status_code == 404


@pytest.mark.parametrize(("method", "path"), UI_ACTIONS)
async def test_ui_actions_require_a_valid_session(client: httpx.AsyncClient, method: str, path: str) -> None:
    for headers in ({}, {"X-UI-Token": "forged"}):
        response = await client.request(method, path, headers=headers, data={"base": "alpha-base"})
        assert response.status_code == 401, (method, path, headers)


@pytest.mark.parametrize("path", ["/ui/cards/leads/5001", "/ui/cards/leads/5001/body"])
async def test_naming_another_accounts_base_shows_only_your_own(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    alpha, _ = await two_accounts()
    response = await client.get(
        path, params={"base": "beta-base"}, headers={"X-UI-Token": token_for(settings, alpha.id)}
    )
    assert response.status_code == 200
    assert "beta-base" not in response.text and "BETA-SECRET-LINK" not in response.text
    assert "alpha-base" in response.text


@pytest.mark.parametrize(("method", "path"), SETTINGS_ROW_ROUTES)
async def test_another_accounts_rows_are_not_found(
    client: httpx.AsyncClient, settings: Settings, method: str, path: str
) -> None:
    alpha, beta = await two_accounts()
    url = path.format(**await ids_of(beta))
    data = {"web_address": "http://1c/y", "url_address": "http://1c", "param1": "x", "onec_field": "x"}
    response = await client.request(method, url, headers={"X-UI-Token": token_for(settings, alpha.id)}, data=data)
    assert response.status_code == 404, (method, url, response.text)
    assert "BETA-SECRET-LINK" not in response.text and "beta-base" not in response.text
    base = await OneCBase.get(account_id=beta.id)
    assert (base.web_address, await FieldMapping.filter(base_id=base.id).count()) == ("http://1c/x", 4)


@pytest.mark.parametrize("form", [{"base": "{base}", "kind": "contact"}, {"base": "{base}"}])
@pytest.mark.parametrize(
    "path",
    [
        "/ui/settings/mapping/rows",
        "/ui/settings/mapping/send",
        "/ui/settings/mapping/reload",
        "/ui/settings/automation/triggers",
    ],
)
async def test_naming_another_accounts_base_in_a_form_is_not_found(
    client: httpx.AsyncClient, settings: Settings, path: str, form: dict[str, str]
) -> None:
    alpha, beta = await two_accounts()
    ids = await ids_of(beta)
    data = {name: value.format(**ids) for name, value in form.items()} | {"amo_field_id": "1", "onec_field": "x"}
    response = await client.post(path, headers={"X-UI-Token": token_for(settings, alpha.id)}, data=data)
    assert response.status_code == 404, response.text
    for page in ("/ui/settings/mapping", "/ui/settings/handlers"):
        shown = await client.get(page, params={"base": str(ids["base"]), "token": token_for(settings, alpha.id)})
        assert shown.status_code == 404 and "beta-base" not in shown.text


async def test_event_rules_belong_to_one_account(admin: Admin) -> None:
    beta = await install_account(admin.amocrm, admin.settings, subdomain="beta")
    pipeline = next(p for p in admin.amocrm.account(beta.id).pipelines.values() if p.is_main)
    stage = pipeline.statuses[2]
    beta_token = token_for(admin.settings, beta.id)
    saved = await admin.client.put(
        f"/ui/settings/rules/payment/{pipeline.id}",
        data={"status_id": str(stage.id)},
        headers={"X-UI-Token": beta_token},
    )
    assert saved.status_code == 200
    assert (await admin.put(f"/ui/settings/rules/payment/{pipeline.id}", {"status_id": ""})).status_code == 404
    page = await admin.get("/ui/settings/rules")
    assert f'value="{stage.id}" selected' not in page.text and str(pipeline.id) not in page.text
    assert await EventRule.filter(account_id=admin.account.id).count() == 0
    assert await EventRule.filter(account_id=beta.id).count() == 1
