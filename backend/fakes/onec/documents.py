"""1C-looking references, navigation links and document trees for the fake base."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend.fakes.onec.records import Document, Order

COUNTERPARTY_METADATA = "Справочник.Контрагенты"
ORDER_METADATA = "Документ.ЗаказКлиента"
DOC_TYPE = "leads"


@dataclass(frozen=True)
class DocumentKind:
    """A 1C document type: the title prefix users see and its metadata name in links."""

    title: str
    metadata: str


ORDER = DocumentKind("Заказ клиента", ORDER_METADATA)
INVOICE = DocumentKind("Счет на оплату", "Документ.СчетНаОплатуКлиенту")
PAYMENT = DocumentKind("Поступление безналичных денежных средств", "Документ.ПоступлениеБезналичныхДенежныхСредств")
SHIPMENT = DocumentKind("Реализация товаров и услуг", "Документ.РеализацияТоваровУслуг")
CHILD_KINDS = (INVOICE, PAYMENT, SHIPMENT)


def new_ref(seed: str) -> str:
    """Return a 1C object reference (a version-1-looking UUID, 8-4-4-4-12 hex) derived from `seed`."""
    digest = hashlib.sha1(seed.encode("utf-8")).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=1))


def navigation_link(url_address: str, metadata: str, ref: str) -> str:
    """Return the web-client navigation link 1C builds for the object `ref` of type `metadata`."""
    # 1C writes the GUID's groups in reverse order inside `ref=` (node+clock, then time fields).
    p1, p2, p3, p4, p5 = ref.split("-")
    return f"{url_address}#e1cib/data/{metadata}?ref={p4}{p5}{p3}{p2}{p1}"


def drive_file(seed: str) -> tuple[str, str]:
    """Return a Google Drive file id and its sharing link derived from `seed`."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    file_id = "1" + "".join(alphabet[b % len(alphabet)] for b in digest[:32])
    return file_id, f"https://drive.google.com/file/d/{file_id}/view?usp=sharing"


def document_title(kind: DocumentKind, number: str, day: date) -> str:
    """Return a document presentation such as "Счет на оплату № 00000123 от 28.11.2026"."""
    return f"{kind.title} № {number} от {day:%d.%m.%Y}"


def _document(
    kind: DocumentKind, number: str, day: date, url_address: str, seed: str, parent: str, drive: bool
) -> Document:
    drive_id, drive_link = drive_file(seed) if drive else ("", "")
    return Document(
        title=document_title(kind, number, day),
        link=navigation_link(url_address, kind.metadata, new_ref(seed)),
        doc_type=DOC_TYPE,
        parent_link=parent,
        google_drive_id=drive_id,
        google_drive_link=drive_link,
    )


def order_tree(order: Order, url_address: str) -> list[Document]:
    """Return the order document and, under it, an invoice, a payment and a shipment."""
    root = Document(title=order.title, link=order.link, doc_type=DOC_TYPE)
    children = [
        _document(INVOICE, order.number, order.day, url_address, f"{order.id_1c}:invoice", order.link, True),
        _document(PAYMENT, order.number, order.day, url_address, f"{order.id_1c}:payment", order.link, False),
        _document(SHIPMENT, order.number, order.day, url_address, f"{order.id_1c}:shipment", order.link, True),
    ]
    return [root, *children]


def generated_tree(deal_id: int, count: int, url_address: str) -> list[Document]:
    """Return `count` documents forming one tree rooted at an order, the same for the same deal id."""
    rng = random.Random(f"amo1c-fake-onec:{deal_id}")
    start = date(2026, 1, 1) + timedelta(days=deal_id % 300)
    documents: list[Document] = []
    for index in range(count):
        kind = ORDER if index == 0 else rng.choice(CHILD_KINDS)
        # Parents come from the first half of what exists, which keeps the tree a few levels deep.
        parent = "" if index == 0 else documents[rng.randrange((index + 1) // 2)].link
        documents.append(
            _document(
                kind,
                f"{rng.randrange(1, 10**6):08d}",
                start + timedelta(days=index // 10),
                url_address,
                f"generated:{deal_id}:{index}",
                parent,
                index % 3 == 1,
            )
        )
    return documents


def document_from_json(data: Mapping[str, Any] | Document, url_address: str, seed: str) -> Document:
    """Build a document from seeding input (title required, the rest defaulted); raises ValueError."""
    if isinstance(data, Document):
        return data
    if not isinstance(data, Mapping):
        raise ValueError("документ должен быть объектом")
    title = data.get("title")
    if not isinstance(title, str) or not title:
        raise ValueError('документ без поля "title"')
    values = {key: data.get(key, "") for key in ("link", "parent_link", "google_drive_id", "google_drive_link")}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ValueError(f'поле "{key}" документа должно быть строкой')
    doc_type = data.get("doc_type", DOC_TYPE)
    if not isinstance(doc_type, str):
        raise ValueError('поле "doc_type" документа должно быть строкой')
    return Document(
        title=title,
        link=values["link"] or navigation_link(url_address, ORDER_METADATA, new_ref(seed)),
        doc_type=doc_type,
        parent_link=values["parent_link"],
        google_drive_id=values["google_drive_id"],
        google_drive_link=values["google_drive_link"],
    )
