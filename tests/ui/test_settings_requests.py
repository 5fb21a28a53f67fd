"""Settings, requests of 1C bases: shown first with what the admin needs to decide, approved exactly as seen,
refused to anyone but an admin of the account, and never offered to managers before approval."""

from __future__ import annotations

import html
import re

import pytest

from backend.models import Account, BaseRequest, OneCBase
from backend.ui.tokens import UISession, UITokens
from tests.factories import BASE_AUTH, BASE_LOGIN, BASE_PASSWORD, base_body, basic, install_account
from tests.ui.conftest import WEB_ADDRESS, Admin, sync


async def ask(admin: Admin, id_base: str = "склад", **overrides: str) -> BaseRequest:
    body = base_body(admin.account.id, id_base, **{"web_address": WEB_ADDRESS, **overrides})
    response = await admin.client.post("/sync/base", json=body)
    assert response.json() == {"success": True, "data": None, "error": None}
    return await BaseRequest.get(account_id=admin.account.id, id_base=id_base)


def approve_url(request: BaseRequest) -> str:
    return f"/ui/settings/requests/{request.id}/approve"


async def test_a_request_is_shown_first_with_what_the_admin_decides_on(admin: Admin) -> None:
    await ask(admin, url_address="https://1c.example.test/sklad")
    page = await admin.page("/ui/settings/bases")
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert text.index("Ожидают подтверждения") < text.index('id="amo1c-base-')
    card = text[text.index('id="amo1c-request-') :]
    for shown in ("склад", WEB_ADDRESS, "https://1c.example.test/sklad", BASE_LOGIN, "127.0.0.1", "Подключить"):
        assert shown in card, shown


async def test_approving_links_the_base_and_1c_may_then_call(admin: Admin) -> None:
    request = await ask(admin)
    ok = {"key": admin.account.id, "id_base": "склад"}
    before = await admin.client.post("/update_handlers/get_actual_version", json=ok, headers=BASE_AUTH)
    assert before.status_code == 403
    response = await admin.post(approve_url(request), {"revision": request.revision})
    assert response.status_code == 200, response.text
    assert response.headers["hx-retarget"] == "#amo1c-section"
    assert "База «склад» подключена" in html.unescape(response.text) and 'data-id-base="склад"' in response.text
    base = await OneCBase.get(account_id=admin.account.id, id_base="склад")
    assert base.web_address == WEB_ADDRESS and not base.awaiting_change
    assert not await BaseRequest.filter(id=request.id).exists()
    after = await admin.client.post("/update_handlers/get_actual_version", json=ok, headers=BASE_AUTH)
    assert after.status_code == 200


async def test_a_request_replaced_after_the_admin_saw_it_is_not_approved(admin: Admin) -> None:
    seen = await ask(admin)
    page = await admin.page("/ui/settings/bases")
    shown_revision = int(re.search(r'data-revision="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    await ask(admin, web_address="https://evil.example.test/hs")  # replaced by someone else meanwhile
    refused = await admin.post(approve_url(seen), {"revision": shown_revision})
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "https://evil.example.test/hs" in text and "другими данными" in text
    assert not await OneCBase.filter(id_base="склад").exists()
    current = await BaseRequest.get(id=seen.id)
    approved = await admin.post(approve_url(current), {"revision": current.revision})
    assert approved.status_code == 200
    assert (await OneCBase.get(id_base="склад")).web_address == "https://evil.example.test/hs"


async def test_an_admin_of_another_account_cannot_approve(admin: Admin) -> None:
    request = await ask(admin)
    other = await install_account(admin.amocrm, admin.settings, subdomain="other")
    token = UITokens(admin.settings.secret_key).issue(UISession(other.id, 1, is_admin=True))
    response = await admin.client.post(
        approve_url(request), data={"revision": request.revision}, headers={"X-UI-Token": token, "HX-Request": "true"}
    )
    assert response.status_code == 404
    assert not await OneCBase.filter(id_base="склад").exists()
    assert await BaseRequest.filter(id=request.id).exists()
    rejected = await admin.client.post(
        f"/ui/settings/requests/{request.id}/reject", headers={"X-UI-Token": token, "HX-Request": "true"}
    )
    assert rejected.status_code == 404 and await BaseRequest.filter(id=request.id).exists()


async def test_a_manager_cannot_approve(admin: Admin) -> None:
    request = await ask(admin)
    admin.admin = False
    response = await admin.post(approve_url(request), {"revision": request.revision})
    assert response.status_code == 403
    assert not await OneCBase.filter(id_base="склад").exists()


async def test_rejecting_a_change_keeps_the_base_where_it_was_approved(admin: Admin) -> None:
    moved = base_body(admin.account.id, web_address="https://moved.example.test/hs", param2=BASE_PASSWORD)
    assert (await admin.client.post("/sync/base", json=moved, headers=BASE_AUTH)).status_code == 200
    base = await admin.base()
    assert base.awaiting_change
    page = html.unescape((await admin.page("/ui/settings/bases")).text)
    assert "изменение адреса или логина" in page and "ждёт подтверждения изменений" in page
    request = await BaseRequest.get(account_id=admin.account.id, id_base="trade")
    response = await admin.post(f"/ui/settings/requests/{request.id}/reject")
    assert response.status_code == 200 and "Запрос отклонён" in html.unescape(response.text)
    base = await admin.base()
    assert base.web_address == WEB_ADDRESS and not base.awaiting_change
    assert (await sync(admin, "/update_handlers/get_actual_version", {})).status_code == 200


async def test_card_panels_never_offer_or_call_a_base_awaiting_approval(admin: Admin) -> None:
    await ask(admin, "склад")
    moved = base_body(admin.account.id, web_address="https://moved.example.test/hs")
    assert (await admin.client.post("/sync/base", json=moved, headers=BASE_AUTH)).status_code == 200
    await ask(admin, "филиал")
    manager = UITokens(admin.settings.secret_key).issue(UISession(admin.account.id, 7002, is_admin=False))
    calls_before = len(admin.onec.requests)
    page = await admin.client.get("/ui/cards/leads/1", params={"token": manager})
    assert page.status_code == 200
    for awaiting in ("склад", "филиал", "trade"):
        assert f'value="{awaiting}"' not in page.text and f"base={awaiting}" not in page.text
    headers = {"X-UI-Token": manager, "HX-Request": "true"}
    for awaiting in ("склад", "trade"):
        documents = await admin.client.get("/ui/cards/leads/1/documents", params={"base": awaiting}, headers=headers)
        assert documents.status_code == 404
        order = await admin.client.post("/ui/cards/leads/1/order", data={"base": awaiting}, headers=headers)
        assert order.status_code == 404
    assert len(admin.onec.requests) == calls_before, "nothing was sent to a base awaiting approval"


async def test_the_operator_link_and_the_settings_link_need_no_approval(admin: Admin) -> None:
    added = await admin.post(
        "/ui/settings/bases",
        {"id_base": "склад", "web_address": WEB_ADDRESS, "url_address": "http://1c.test/trade", "param1": "u",
         "param2": "p"},
    )  # fmt: skip
    assert added.status_code == 200
    assert not (await OneCBase.get(account_id=admin.account.id, id_base="склад")).awaiting_change
    assert await Account.filter(id=admin.account.id).exists()
    ok = {"key": admin.account.id, "id_base": "склад"}
    assert (await admin.client.post("/update_handlers/get_actual_version", json=ok, headers=basic("u", "p"))).is_success


@pytest.mark.parametrize("revision", ["²", "٣", "9" * 40])
async def test_a_revision_that_is_no_number_a_column_holds_is_not_approved(admin: Admin, revision: str) -> None:
    request = await ask(admin)
    refused = await admin.post(approve_url(request), {"revision": revision})  # "²".isdigit() once made it a 500
    assert refused.status_code == 409
    assert not await OneCBase.filter(id_base="склад").exists()
