"""Plain records the fake 1C base keeps: documents, counterparties, orders, mapping rows, logged requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

ENTITY_NAMES = ("Контакт", "Компания", "Сделка", "Сотрудник")


@dataclass
class Document:
    """One 1C document as `get_orders` reports it; `parent_link` is "" for a root."""

    title: str
    link: str
    doc_type: str = "leads"
    parent_link: str = ""
    google_drive_id: str = ""
    google_drive_link: str = ""

    def to_json(self) -> dict[str, str]:
        """Return the six-key object 1C answers for this document."""
        return {
            "title": self.title,
            "doc_type": self.doc_type,
            "link": self.link,
            "parent_link": self.parent_link,
            "google_drive_id": self.google_drive_id,
            "google_drive_link": self.google_drive_link,
        }


@dataclass
class Counterparty:
    """A Справочник.Контрагенты item created from an amoCRM contact ("contact") or company ("company")."""

    id_1c: str
    link: str
    kind: str
    amo_id: int
    name: str
    responsible_user_id: int
    inn: str = ""
    phone: Any = None
    email: Any = None
    fields: dict[str, Any] = field(default_factory=dict)
    writes: int = 1

    @property
    def legal_form(self) -> str:
        """Return 1C's ЮрФизЛицо value: ФизЛицо for a contact, ЮрЛицо for a company."""
        return "ЮрЛицо" if self.kind == "company" else "ФизЛицо"

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict for the state endpoint."""
        return {
            "id_1c": self.id_1c,
            "link": self.link,
            "kind": self.kind,
            "legal_form": self.legal_form,
            "amo_id": self.amo_id,
            "name": self.name,
            "responsible_user_id": self.responsible_user_id,
            "inn": self.inn,
            "phone": self.phone,
            "email": self.email,
            "fields": dict(self.fields),
            "writes": self.writes,
        }


@dataclass
class Order:
    """A Документ.ЗаказКлиента created from an amoCRM deal."""

    id_1c: str
    link: str
    deal_id: int
    name: str
    responsible_user_id: int
    number: str
    day: date
    contact_id_1c: str | None = None
    company_id_1c: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    writes: int = 1

    @property
    def title(self) -> str:
        """Return the order's presentation as 1C shows it in document lists."""
        return f"Заказ клиента № {self.number} от {self.day:%d.%m.%Y}"

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict for the state endpoint."""
        return {
            "id_1c": self.id_1c,
            "link": self.link,
            "deal_id": self.deal_id,
            "name": self.name,
            "title": self.title,
            "responsible_user_id": self.responsible_user_id,
            "number": self.number,
            "date": f"{self.day:%d.%m.%Y}",
            "contact_id_1c": self.contact_id_1c,
            "company_id_1c": self.company_id_1c,
            "fields": dict(self.fields),
            "writes": self.writes,
        }


@dataclass(frozen=True)
class CorrRow:
    """One row of the field-mapping table sent by `corr_table`."""

    amo_name: str
    amo_id: Any
    entity_name: str

    def to_json(self) -> dict[str, Any]:
        """Return the row in the shape it was sent."""
        return {"amo_name": self.amo_name, "amo_id": self.amo_id, "entity_name": self.entity_name}


@dataclass
class LoggedRequest:
    """One request the fake saw; `status` stays None while the answer is pending (hang, cancelled)."""

    time: datetime
    method: str
    path: str
    type: str | None = None
    body: Any = None
    auth_ok: bool = False
    login: str | None = None
    status: int | None = None
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict for `GET /_fake/requests`."""
        return {
            "time": self.time.isoformat(),
            "method": self.method,
            "path": self.path,
            "type": self.type,
            "body": self.body,
            "auth_ok": self.auth_ok,
            "login": self.login,
            "status": self.status,
            "fault": self.fault,
        }
