"""Links from 1C as an attacker would send them: get_orders documents, links synced by 1C, new_order/new_lead
answers. Only http(s) and e1c:// links become hrefs, `e1cib/…` opens in the base's web client, the rest is text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from backend.models import EntityKind, EntityLink
from tests.factories import base_body, seed_lead
from tests.ui.conftest import Admin, sync

URL_ADDRESS = base_body(0)["url_address"]  # the base's web client, as 1C linked it
NAVIGATION = "e1cib/data/Документ.Заказ?ref=abc"
E1C = "e1c://server/trade#e1cib/data/Документ.Заказ?ref=def"
HOSTILE = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(2)",
    "java\tscript:alert(3)",
    "data:text/html,<script>alert(4)</script>",
]
SAFE = [
    (NAVIGATION, f"{URL_ADDRESS}#{NAVIGATION}"),
    (E1C, E1C),
    (f"{URL_ADDRESS}#{NAVIGATION}", f"{URL_ADDRESS}#{NAVIGATION}"),
]
# how 1C syncs the object of each card
ENTITIES = {
    "leads": ("/sync/leads", {"id_1c": "order-1", "budget": "100"}),
    "contacts": ("/sync/clients_contacts", {"id_1c": "contact-1", "name": "Анна", "phone": "+79123456789"}),
    "companies": ("/sync/clients_companies", {"id_1c": "company-1", "name": "ООО Ромашка", "inn": "7701234567"}),
}


class Anchors(HTMLParser):
    """Collects the href of every <a> (entities already unescaped, as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value or "" for name, value in attrs if name == "href")


def hrefs(page: str) -> list[str]:
    """The hrefs of a page's links, after checking none of them could run script the way a browser reads it."""
    parser = Anchors()
    parser.feed(page)
    for href in parser.hrefs:
        scheme = re.sub(r"[\x00-\x20]", "", href).lower()
        assert not scheme.startswith(("javascript:", "data:", "vbscript:")), href
    return parser.hrefs


async def synced(admin: Admin, entity: str, link: str | None = None) -> int:
    """The amoCRM id of an object 1C synced (with `link`, when given) for the card `entity`."""
    path, body = ENTITIES[entity]
    response = await sync(admin, path, {**body, **({"link": link} if link is not None else {})})
    assert response.status_code == 200, response.text
    amo_id: int = response.json()["data"]
    return amo_id


async def test_hostile_document_links_from_get_orders_are_shown_as_text(admin: Admin) -> None:
    documents: list[dict[str, Any]] = [
        {"title": f"Документ {index}", "link": link} for index, link in enumerate([*HOSTILE, NAVIGATION, E1C])
    ]
    documents[0]["google_drive_link"] = "javascript:alert(5)"
    documents[-1]["google_drive_link"] = "https://drive.google.com/file/d/g1/view"
    seed_lead(admin.amocrm, admin.account.id, 4242)
    admin.onec.add_documents(4242, documents)
    response = await admin.get("/ui/cards/leads/4242/documents", base="trade")
    assert response.status_code == 200, response.text
    assert hrefs(response.text) == [f"{URL_ADDRESS}#{NAVIGATION}", E1C, "https://drive.google.com/file/d/g1/view"]
    assert all(f"Документ {index}" in response.text for index in range(len(documents)))
    assert "javascript:alert(5)" in response.text  # a drive link that may not be one is shown as text


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("link", HOSTILE)
async def test_a_hostile_synced_link_is_shown_as_text_on_the_card(admin: Admin, entity: str, link: str) -> None:
    path, body = ENTITIES[entity]
    refused = await sync(admin, path, {**body, "link": link})
    assert refused.status_code == 400 and '"link"' in refused.json()["error"]  # 1C's call is refused now
    amo_id = await synced(admin, entity)
    await EntityLink.filter(amo_id=amo_id).update(link=link)  # as a link synced before that check may be stored
    page = await admin.page(f"/ui/cards/{entity}/{amo_id}")
    assert page.status_code == 200, page.text
    assert hrefs(page.text) == []
    assert "Открыть в 1С" not in page.text and link.strip() in html.unescape(page.text)


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize(("link", "href"), SAFE, ids=["e1cib", "e1c", "http"])
async def test_a_synced_1c_link_opens_in_1c(admin: Admin, entity: str, link: str, href: str) -> None:
    amo_id = await synced(admin, entity, link)
    page = await admin.page(f"/ui/cards/{entity}/{amo_id}")
    assert hrefs(page.text) == [href]


async def test_a_link_row_without_a_link_offers_no_empty_href(admin: Admin) -> None:
    amo_id = await synced(admin, "leads")
    assert (await EntityLink.get(kind=EntityKind.LEAD, amo_id=amo_id)).link == ""
    page = await admin.page(f"/ui/cards/leads/{amo_id}")
    assert hrefs(page.text) == [] and "Открыть в 1С" not in page.text
    assert "order-1" in page.text  # the 1C object is still named, by its id


@pytest.mark.parametrize("entity", ["leads", "contacts"])
@pytest.mark.parametrize(
    ("url_address", "href"),
    [(" JaVaScRiPt:alert(document.domain)//", None), ("e1c://server/trade", "e1c://server/trade#e1cib/")],
)
async def test_a_new_order_or_new_lead_answer_link_becomes_an_href_only_when_safe(
    admin: Admin, entity: str, url_address: str, href: str | None
) -> None:
    amo_id = await synced(admin, entity)
    admin.onec.url_address = url_address  # the fake 1C answers `{url_address}#e1cib/data/…?ref=…`
    button = "order" if entity == "leads" else "counterparty"
    response = await admin.post(f"/ui/cards/{entity}/{amo_id}/{button}", {"base": "trade"})
    assert response.status_code == 200, response.text
    kind = EntityKind.LEAD if entity == "leads" else EntityKind.CONTACT
    link = await EntityLink.filter(kind=kind, amo_id=amo_id).order_by("-updated_at").first()
    assert link is not None and link.link.startswith(url_address.strip())  # 1C's answer reached the card
    answer = response.text.split('id="amo1c-documents"')[0]  # the deal block's order, before its documents
    found = hrefs(answer)
    if href is None:
        assert found == [] and "Открыть в 1С" not in answer
    else:
        assert len(found) == 1 and found[0].startswith(href)


async def test_a_base_address_that_is_no_web_link_is_shown_as_text(admin: Admin) -> None:
    base = await admin.base()
    base.url_address = "javascript:alert(1)"  # linking refuses it now; a row linked before that check may hold one
    await base.save(update_fields=["url_address"])
    page = await admin.page("/ui/settings/bases")
    assert page.status_code == 200, page.text
    assert "javascript:alert(1)" not in hrefs(page.text) and "javascript:alert(1)" in page.text
