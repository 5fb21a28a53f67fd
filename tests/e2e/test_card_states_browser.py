"""The card panels at the width of amoCRM's right column (300 px) in headless Chromium, in every state a manager
meets: documents, none, loading, 1C down, an HTML error page instead of 1C, a failed press, a bad token, a deal
amoCRM does not have, and the contact and company panels with their 1C counterparty.

Each state must fit the column (no horizontal scroll, no element wider than it), show exactly one error box when
something failed, and no library class name or HTML markup in its visible text; a screenshot of each goes to
test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from backend.fakes.amocrm import FakeAmoCRM
from backend.fakes.onec import FakeOneC
from backend.liveserver import ThreadedServer
from backend.pages import Lang
from backend.settings import Settings
from backend.ui.tokens import UISession, UITokens
from tests.conftest import import_for
from tests.e2e.conftest import HOST, BrowserPage, Ports, Stack, artifacts_dir, free_port
from tests.factories import BASE_LOGIN, BASE_PASSWORD, basic, seed_lead

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = import_for("browser", "playwright.sync_api").expect

pytestmark = pytest.mark.browser
WIDTH = 300  # amoCRM's right column
HANDLER_PATH = "/trade/hs/amo1c/handler"
OPERATOR = ("e2e-operator", "e2e-operator-password-0123")
SILENT_BASE = "резерв"  # linked at a port nobody listens on; sorts after "trade", so never the first choice
# A library's exception class, or markup, in what a person reads
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Timeout)\b")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  }).map((element) => element.outerHTML.slice(0, 120));
  return {scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth, wide};
}"""


@pytest.fixture(scope="module")
def e2e_settings(e2e_settings: Settings) -> Settings:
    """The common e2e settings with a server operator, so the test's bases are linked approved at once."""
    return e2e_settings.with_overrides(admin_user=OPERATOR[0], admin_password=OPERATOR[1])


@pytest.fixture(scope="module")
def onec_server() -> Iterator[tuple[FakeOneC, str]]:
    port = free_port()
    fake = FakeOneC(
        login=BASE_LOGIN, password=BASE_PASSWORD, path=HANDLER_PATH, url_address=f"http://{HOST}:{port}/trade"
    )
    with ThreadedServer(fake, host=HOST, port=port) as server:
        yield fake, server.url


@dataclass
class World:
    """The running amo1c with the fake amoCRM, the fake 1C behind base "trade" and a base that never answers."""

    stack: Stack
    amocrm: FakeAmoCRM
    onec: FakeOneC
    settings: Settings
    next_id: int = 900_000

    def deal(self, name: str = "Поставка офисной мебели", price: int = 184_500) -> int:
        """A deal amoCRM has, with an id of its own."""
        self.next_id += 1
        seed_lead(self.amocrm, self.stack.account_id, self.next_id, name, price)
        return self.next_id

    def token(self, user_id: int, *, admin: bool = False, lang: Lang = "ru") -> str:
        return UITokens(self.settings.secret_key).issue(UISession(self.stack.account_id, user_id, admin, lang))

    def open(self, page: Page, path: str, user_id: int, **params: Any) -> None:
        query = httpx.QueryParams({"token": self.token(user_id, **params.pop("session", {})), **params})
        page.goto(f"{self.stack.amo1c_url}{path}?{query}")

    def sync(self, path: str, body: dict[str, Any]) -> Any:
        """A call 1C makes to amo1c's sync API with the base's credentials; its `data`."""
        payload = {"key": self.stack.account_id, "id_base": "trade", **body}
        answer = httpx.post(f"{self.stack.amo1c_url}{path}", json=payload, headers=basic(BASE_LOGIN, BASE_PASSWORD))
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]


@pytest.fixture(scope="module")
def world(
    stack: Stack, amocrm_server: FakeAmoCRM, onec_server: tuple[FakeOneC, str], e2e_settings: Settings, ports: Ports
) -> World:
    fake, url = onec_server
    for id_base, address in (("trade", f"{url}{HANDLER_PATH}"), (SILENT_BASE, f"http://{HOST}:{ports.closed}/x/hs")):
        body = {"key": stack.account_id, "id_base": id_base, "web_address": address, "url_address": f"{url}/trade"}
        body |= {"param1": BASE_LOGIN, "param2": BASE_PASSWORD}
        linked = httpx.post(f"{stack.amo1c_url}/sync/base", json=body, headers=basic(*OPERATOR), timeout=20)
        assert linked.status_code == 200, linked.text
    return World(stack, amocrm_server, fake, e2e_settings)


def check_state(page: Page, name: str, *, errors: int) -> str:
    """Assert the panel fits 300 px, shows `errors` error boxes and reads as plain words; save its screenshot."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    fit = page.evaluate(OVERFLOW)
    assert fit["scroll"] <= fit["client"] and fit["wide"] == [], f"{name}: wider than the column: {fit}"
    assert page.locator(".amo1c-error").count() == errors, name
    assert page.locator("[role=alert]").count() == errors, name
    text = page.locator("body").inner_text()
    assert not CLASS_NAME.search(text) and not MARKUP.search(text), f"{name}: {text}"
    page.screenshot(path=str(artifacts_dir() / f"card-{name}.png"), full_page=True)
    return text


@pytest.fixture
def panel(browser_page: BrowserPage) -> Iterator[Page]:
    browser_page.page.set_viewport_size({"width": WIDTH, "height": 640})
    yield browser_page.page
    assert browser_page.errors == []


def test_documents_fit_the_column_with_the_order_above_them(world: World, panel: Page) -> None:
    deal_id = world.deal()
    url = f"{world.onec.url_address}#e1cib/data/Документ"
    chain = [{"title": "Заказ клиента № 00000042 от 28.11.2026", "link": f"{url}.Заказ?ref=0", "parent_link": ""}]
    for depth in range(1, 7):  # a deep tree: each document filed under the one before
        chain.append(
            {"title": f"Документ уровня {depth}: счёт на оплату покупателю № 0000{depth}", "link": f"{url}?ref={depth}",
             "parent_link": chain[-1]["link"], "google_drive_link": f"https://drive.google.com/file/d/g{depth}/view"}
        )  # fmt: skip
    world.onec.add_documents(deal_id, chain)
    world.sync("/sync/leads", {"id": deal_id, "id_1c": f"order-{deal_id}", "link": chain[0]["link"],
                               "order_number": "00000042", "budget": "184 500"})  # fmt: skip
    world.open(panel, f"/ui/cards/leads/{deal_id}", 101)
    expect(panel.locator(".amo1c-doc")).to_have_count(7)
    text = check_state(panel, "documents", errors=0)
    assert "Заказ № 00000042" in text and "184\u00a0500\u00a0₽" in text and "Открыть в 1С" in text
    assert text.index("Заказ № 00000042") < text.upper().index("ДОКУМЕНТЫ 1С")
    deepest = panel.locator(".amo1c-doc").last.bounding_box()
    assert deepest is not None and deepest["width"] >= WIDTH * 0.7, "the indent stops growing"
    drive = panel.locator(".amo1c-drive").first.bounding_box()
    assert drive is not None and drive["height"] < 24, "«копия в Google Drive» on one line"
    body = panel.evaluate("getComputedStyle(document.body)")
    assert body["borderTopWidth"] == "0px" and body["paddingLeft"] == "0px", "no card of its own inside amoCRM's"
    loaded = panel.evaluate("""() => document.fonts.load('14px "PT Sans"', 'Жж').then((faces) => faces.length)""")
    assert loaded >= 1 and panel.evaluate("""() => document.fonts.check('14px "PT Sans"', 'Жж')""")


def test_no_documents(world: World, panel: Page) -> None:
    world.open(panel, f"/ui/cards/leads/{world.deal()}", 102)
    expect(panel.get_by_text("В 1С нет документов по этой сделке.")).to_be_visible()
    check_state(panel, "empty", errors=0)
    expect(panel.get_by_role("button", name="Создать заказ в 1С")).to_be_visible()


def test_loading(world: World, panel: Page) -> None:
    deal_id = world.deal()
    world.onec.hang_next(1, seconds=2, type="get_orders")
    world.open(panel, f"/ui/cards/leads/{deal_id}", 103)
    expect(panel.get_by_role("status")).to_contain_text("Загружаем документы из 1С")
    fit = panel.evaluate(OVERFLOW)
    assert fit["scroll"] <= fit["client"] and fit["wide"] == []
    assert panel.locator("[role=alert]").count() == 0
    assert not CLASS_NAME.search(panel.locator("body").inner_text())
    panel.screenshot(path=str(artifacts_dir() / "card-loading.png"), full_page=True)
    expect(panel.get_by_text("В 1С нет документов по этой сделке.")).to_be_visible()


def test_1c_down_marks_the_base_and_does_not_remember_it(world: World, panel: Page) -> None:
    deal_id = world.deal()
    world.open(panel, f"/ui/cards/leads/{deal_id}", 104, session={"admin": True}, base=SILENT_BASE)
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("1С не отвечает. Попробуйте через минуту.")
    text = check_state(panel, "1c-down", errors=1)
    assert "ConnectError" not in text and "All connection attempts" not in text
    expect(panel.locator("option[data-silent]")).to_have_text(f"{SILENT_BASE} — не отвечает")
    alert.get_by_text("Подробнее").click()
    expect(alert.locator(".amo1c-more__log")).to_have_attribute("href", re.compile(r"^/ui/settings/log\?q="))
    check_state(panel, "1c-down-details", errors=1)
    world.open(panel, f"/ui/cards/leads/{deal_id}", 104, session={"admin": True})
    expect(panel.locator("#amo1c-base")).to_have_value("trade")  # the silent base was not remembered


def test_1c_down_in_english(world: World, panel: Page) -> None:
    world.open(panel, f"/ui/cards/leads/{world.deal()}", 105, session={"lang": "en"}, base=SILENT_BASE)
    expect(panel.get_by_role("alert")).to_contain_text("1C is not answering. Try again in a minute.")
    text = check_state(panel, "1c-down-en", errors=1)
    assert not re.search("[а-яА-Я]", text.replace(SILENT_BASE, "")), text


def test_a_web_server_error_page_instead_of_1c(world: World, panel: Page) -> None:
    deal_id = world.deal()
    world.onec.html_next(1, status=502, type="get_orders")
    world.open(panel, f"/ui/cards/leads/{deal_id}", 106)
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("Вместо 1С ответил веб-сервер (ошибка 502)")
    text = check_state(panel, "1c-html-error", errors=1)
    assert "Apache" not in text and "DOCTYPE" not in text
    alert.get_by_text("Подробнее").click()
    expect(alert.locator(".amo1c-more__text")).to_contain_text("The proxy server received an invalid response")
    details = check_state(panel, "1c-html-error-details", errors=1)
    assert "<h1>" not in details and "<address>" not in details
    panel.get_by_role("button", name="Повторить").click()
    expect(panel.get_by_text("В 1С нет документов по этой сделке.")).to_be_visible()
    check_state(panel, "1c-html-error-retried", errors=0)


def test_a_failed_create_shows_one_error_box(world: World, panel: Page) -> None:
    deal_id = world.deal()
    world.onec.html_next(1, status=502, type="get_orders")
    world.onec.fail_next(1, status=400, body="Не заполнен склад", type="new_order")
    world.open(panel, f"/ui/cards/leads/{deal_id}", 107)
    expect(panel.get_by_role("alert")).to_contain_text("Вместо 1С ответил веб-сервер")
    panel.get_by_role("button", name="Создать заказ в 1С").click()
    expect(panel.get_by_role("alert")).to_contain_text("1С не приняла запрос: Не заполнен склад")
    check_state(panel, "create-failed", errors=1)
    expect(panel.get_by_text("В 1С нет документов по этой сделке.")).to_be_visible()  # 1C answered: asked again


def test_a_create_while_1c_is_down_is_queued_in_one_box(world: World, panel: Page) -> None:
    deal_id = world.deal()
    world.onec.go_down()  # the web server in front answers its 503 page to everything
    try:
        world.open(panel, f"/ui/cards/leads/{deal_id}", 110)
        expect(panel.get_by_role("alert")).to_contain_text("Вместо 1С ответил веб-сервер (ошибка 503)")
        panel.get_by_role("button", name="Создать заказ в 1С").click()
        expect(panel.locator(".amo1c-flash_queued")).to_contain_text("Заказ в очереди")
        check_state(panel, "create-queued", errors=0)
    finally:
        world.onec.come_back()


def test_a_bad_token_says_to_reload_the_card(world: World, panel: Page) -> None:
    panel.goto(f"{world.stack.amo1c_url}/ui/cards/leads/{world.deal()}?token=forged")
    expect(panel.get_by_role("alert")).to_have_text("Сессия истекла — обновите карточку.")
    check_state(panel, "bad-token", errors=1)


def test_an_unknown_deal_offers_no_order_button(world: World, panel: Page) -> None:
    world.open(panel, "/ui/cards/leads/987654321", 108)
    expect(panel.get_by_text("В amoCRM нет сделки 987654321")).to_be_visible()
    check_state(panel, "unknown-deal", errors=0)
    expect(panel.get_by_role("button", name="Создать заказ в 1С")).to_have_count(0)


@pytest.mark.parametrize("entity", ["contacts", "companies"])
def test_counterparty_panels_show_the_1c_counterparty(world: World, panel: Page, entity: str) -> None:
    link = f"{world.onec.url_address}#e1cib/data/Справочник.Контрагенты?ref={entity}"
    body: dict[str, Any] = {
        "id_1c": f"cp-{entity}",
        "link": link,
        "name": "ООО «Ромашка и партнёры по оптовой торговле»",
    }
    if entity == "companies":
        body["inn"] = "7704123456"
    else:
        body |= {"name": "Анна Смирнова", "phone": "+7 912 345-67-89"}
    amo_id = world.sync(f"/sync/clients_{entity}", body)
    world.open(panel, f"/ui/cards/{entity}/{amo_id}", 109)
    summary = panel.locator(".amo1c-object")
    expect(summary).to_contain_text(body["name"])
    expect(summary.get_by_role("link", name="Открыть в 1С")).to_have_attribute("href", link)
    expect(summary).to_contain_text("База trade")
    if entity == "companies":
        expect(summary).to_contain_text("ИНН 7704123456")
    check_state(panel, f"{entity}-counterparty", errors=0)
    expect(panel.get_by_role("button", name="Обновить контрагента в 1С")).to_be_visible()
