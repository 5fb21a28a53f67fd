"""FakeOneC's documents: the tree new_order builds, seeded and generated trees, and get_orders."""

from __future__ import annotations

import re

import pytest

from backend.fakes.onec import Document
from tests.fakes.onec_helpers import URL_ADDRESS, answer_json, call, make_fake, onec_client

NAVIGATION_LINK = re.compile(re.escape(URL_ADDRESS) + r"#e1cib/data/Документ\.[А-Яа-яЁё]+\?ref=[0-9a-f]{32}")
KEYS = {"title", "doc_type", "link", "parent_link", "google_drive_id", "google_drive_link"}


async def test_onec_get_orders_for_unknown_deal_is_empty_list() -> None:
    async with onec_client(make_fake()) as client:
        response = await call(client, "get_orders", id=999)
    assert response.status_code == 200
    assert response.content == b"\xef\xbb\xbf[]"
    assert answer_json(response) == []


async def test_onec_new_order_documents_form_a_tree_under_the_order() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        order = answer_json(await call(client, "new_order", id=4401, name="Сделка", responsible_user_id=1))
        documents = answer_json(await call(client, "get_orders", id="4401"))
    assert all(set(document) == KEYS for document in documents)
    root, *children = documents
    assert re.fullmatch(r"Заказ клиента № \d{8} от \d\d\.\d\d\.\d{4}", root["title"])
    assert (root["link"], root["parent_link"], root["doc_type"]) == (order["link"], "", "leads")
    assert [child["title"].split(" № ")[0] for child in children] == [
        "Счет на оплату",
        "Поступление безналичных денежных средств",
        "Реализация товаров и услуг",
    ]
    assert all(child["parent_link"] == order["link"] for child in children)
    assert all(NAVIGATION_LINK.fullmatch(document["link"]) for document in documents)
    assert len({document["link"] for document in documents}) == 4
    with_drive = [d for d in documents if d["google_drive_id"]]
    assert with_drive and len(with_drive) < len(documents)
    assert all(d["google_drive_link"].startswith("https://drive.google.com/file/d/") for d in with_drive)
    assert all(d["google_drive_link"] == "" for d in documents if not d["google_drive_id"])


async def test_onec_order_link_ref_is_its_id_1c_in_1c_order() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        order = answer_json(await call(client, "new_order", id=1, name="A", responsible_user_id=1))
    p1, p2, p3, p4, p5 = order["id_1c"].split("-")
    assert order["link"].endswith(f"?ref={p4}{p5}{p3}{p2}{p1}")


async def test_onec_new_order_update_does_not_duplicate_documents() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        await call(client, "new_order", id=5, name="A", responsible_user_id=1)
        await call(client, "new_order", id=5, name="B", responsible_user_id=1)
        documents = answer_json(await call(client, "get_orders", id=5))
    assert len(documents) == 4


async def test_onec_orders_numbers_increase() -> None:
    fake = make_fake()
    async with onec_client(fake) as client:
        first = answer_json(await call(client, "new_order", id=1, name="A", responsible_user_id=1))
        second = answer_json(await call(client, "new_order", id=2, name="B", responsible_user_id=1))
    assert int(fake.orders[second["id_1c"]].number) == int(fake.orders[first["id_1c"]].number) + 1


async def test_onec_add_documents_seeds_deal_with_defaults() -> None:
    fake = make_fake()
    added = fake.add_documents(77, [{"title": "Заказ клиента № 1"}, Document(title="Счет", link="L2", parent_link="x")])
    fake.add_documents(77, [{"title": "Акт", "link": "L3", "google_drive_id": "g", "google_drive_link": "h"}])
    async with onec_client(fake) as client:
        documents = answer_json(await call(client, "get_orders", id=77))
    assert [d["title"] for d in documents] == ["Заказ клиента № 1", "Счет", "Акт"]
    assert documents[0]["link"] == added[0].link
    assert NAVIGATION_LINK.fullmatch(documents[0]["link"])
    assert (documents[0]["doc_type"], documents[0]["parent_link"], documents[0]["google_drive_id"]) == ("leads", "", "")
    assert documents[2]["google_drive_link"] == "h"
    fake.add_documents(77, [{"title": "Один"}], replace=True)
    assert [d.title for d in fake.documents[77]] == ["Один"]


@pytest.mark.parametrize("bad", [{"link": "x"}, {"title": 5}, {"title": "A", "parent_link": None}, "строка"])
def test_onec_add_documents_rejects_bad_document(bad: object) -> None:
    with pytest.raises(ValueError):
        make_fake().add_documents(1, [bad])  # type: ignore[list-item]


async def test_onec_generate_documents_builds_deterministic_tree_of_count() -> None:
    fake = make_fake()
    generated = fake.generate_documents(123456, 200)
    async with onec_client(fake) as client:
        documents = answer_json(await call(client, "get_orders", id=123456))
    assert len(documents) == 200
    assert [d.to_json() for d in generated] == documents
    assert [d.to_json() for d in make_fake().generate_documents(123456, 200)] == documents
    assert [d.to_json() for d in make_fake().generate_documents(123457, 200)] != documents
    roots = [d for d in documents if d["parent_link"] == ""]
    assert len(roots) == 1 and roots[0] is documents[0]
    assert documents[0]["title"].startswith("Заказ клиента № ")
    seen: set[str] = set()
    for document in documents:
        assert document["parent_link"] == "" or document["parent_link"] in seen
        seen.add(document["link"])
    assert len(seen) == 200
    assert any(d["parent_link"] not in ("", documents[0]["link"]) for d in documents), "tree is deeper than one level"
    assert any(d["google_drive_id"] for d in documents) and any(not d["google_drive_id"] for d in documents)


def test_onec_generate_documents_replaces_and_rejects_negative() -> None:
    fake = make_fake()
    fake.add_documents(1, [{"title": "A"}])
    assert fake.generate_documents(1, 0) == []
    assert fake.documents[1] == []
    with pytest.raises(ValueError):
        fake.generate_documents(1, -1)
