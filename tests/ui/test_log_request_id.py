"""The sync log entry of a call keeps the call's X-Request-ID, and its detail shows it on one line."""

from __future__ import annotations

from backend.models import SyncLogEntry
from tests.factories import BASE_AUTH, stored_log
from tests.ui.conftest import Admin, sync


async def test_the_sync_log_entry_keeps_and_shows_the_request_id_of_its_call(admin: Admin) -> None:
    body = {"id_1c": "rid-1", "name": "Анна"}
    proxied = await sync(admin, "/sync/clients_contacts", body, auth={"X-Request-ID": "proxy-7f3a", **BASE_AUTH})
    generated = await sync(admin, "/sync/clients_contacts", {**body, "id_1c": "rid-2"})
    assert admin.app is not None
    await stored_log(admin.app)

    entries = await SyncLogEntry.filter(account_id=admin.account.id, operation="clients_contacts").order_by("id")
    assert proxied.headers["x-request-id"] == "proxy-7f3a"
    assert [entry.request_id for entry in entries] == ["proxy-7f3a", generated.headers["x-request-id"]]
    detail = await admin.get(f"/ui/settings/log/{entries[0].id}")
    assert detail.status_code == 200 and "<code>proxy-7f3a</code>" in detail.text
    assert detail.headers["x-request-id"] != "proxy-7f3a"  # the page's own request has an id of its own
