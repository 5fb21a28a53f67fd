"""Settings, handler packages: stored versions with dates and sizes, the latest marked, the JSON viewable."""

from __future__ import annotations

import json

from backend.models import HandlerPackage
from backend.pages import filesize
from backend.ui.settings.handlers import SHOWN_CHARS
from tests.factories import ADMIN_AUTH
from tests.ui.conftest import Admin, sync


async def test_packages_are_listed_newest_first_with_the_latest_marked(admin: Admin) -> None:
    for text in ("Процедура Старая() КонецПроцедуры", "Процедура Новая() КонецПроцедуры"):
        stored = await sync(admin, "/update_handlers/set_handlers", {"handlers": {"Модуль": text}}, auth=ADMIN_AUTH)
        assert stored.status_code == 200, stored.text
    page = await admin.page("/ui/settings/handlers")
    assert page.status_code == 200
    html = page.text
    assert html.index('data-version="2"') < html.index('data-version="1"')
    assert html.count("последняя") == 1 and "1С сообщает" in html
    base = await admin.base()
    assert f'hx-get="/ui/settings/bases/{base.id}/live"' in html
    package = await HandlerPackage.get(base_id=base.id, version=2)
    assert f"{package.size}\u00a0Б" in html
    shown = await admin.get(f"/ui/settings/handlers/{package.id}")
    assert shown.status_code == 200
    assert "Пакет версии 2 базы «trade»" in shown.text and "Процедура Новая() КонецПроцедуры" in shown.text
    fragment = await admin.get("/ui/settings/handlers", base=str(base.id))
    assert fragment.status_code == 200 and "<html" not in fragment.text


async def test_a_base_without_packages_says_so(admin: Admin) -> None:
    page = await admin.get("/ui/settings/handlers")
    assert "пакеты обработчиков не загружались" in page.text


async def test_unknown_package_or_base_is_404(admin: Admin) -> None:
    assert (await admin.get("/ui/settings/handlers/424242")).status_code == 404
    assert (await admin.get("/ui/settings/handlers", base="424242")).status_code == 404


async def test_a_huge_stored_package_keeps_the_list_and_the_viewer_small(admin: Admin) -> None:
    """Issue 10: a package of any size in the database (it is stored as sent) never makes a large page."""
    base = await admin.base()
    huge = json.dumps({"Модуль": "Процедура " + "я" * 3_000_000 + " КОНЕЦ"}, ensure_ascii=False)
    package = await HandlerPackage.create(base_id=base.id, version=1, handlers_json=huge)
    page = await admin.page("/ui/settings/handlers")
    assert page.status_code == 200 and len(page.content) < 100_000
    assert filesize(len(huge.encode("utf-8"))) in page.text
    shown = await admin.get(f"/ui/settings/handlers/{package.id}")
    assert shown.status_code == 200 and len(shown.content) < 1_000_000
    assert "КОНЕЦ" not in shown.text and f"показаны только первые {SHOWN_CHARS} символов" in shown.text


async def test_a_package_that_grows_when_indented_is_cut_too(admin: Admin) -> None:
    base = await admin.base()
    flat = json.dumps([0] * (SHOWN_CHARS // 2 - 1), separators=(",", ":"))  # under the limit, not once indented
    package = await HandlerPackage.create(base_id=base.id, version=1, handlers_json=flat)
    shown = await admin.get(f"/ui/settings/handlers/{package.id}")
    assert shown.status_code == 200 and len(shown.content) < 1_000_000
    assert "показаны только первые" in shown.text and "[\n  0,\n  0," in shown.text
