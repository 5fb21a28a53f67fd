"""The fake infobase: its data and one handler per request `type` of spec section 1."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.fakes.onec import documents as docs
from backend.fakes.onec.records import ENTITY_NAMES, CorrRow, Counterparty, Document, Order
from backend.fakes.onec.validation import (
    RequestError,
    amo_fields,
    company_inn,
    optional_object,
    optional_text,
    required,
    required_id,
    required_text,
)

Handler = Callable[[Mapping[str, Any]], Any]


@dataclass
class _ClientInput:
    kind: str
    amo_id: int
    name: str
    responsible_user_id: int
    id_1c: str | None
    inn: str
    phone: Any
    email: Any
    fields: dict[str, Any] = field(default_factory=dict)


class InfoBase:
    """Owns the fake base's counterparties, orders, documents and mapping tables; handlers raise RequestError."""

    def __init__(
        self,
        *,
        url_address: str,
        handlers_version: str = "1.0.0",
        account_id: int | None = None,
        id_base: str | None = None,
    ) -> None:
        self.url_address = url_address
        self.handlers_version = handlers_version
        self.account_id = account_id
        self.id_base = id_base
        self.counterparties: dict[str, Counterparty] = {}
        self.orders: dict[str, Order] = {}
        self.documents: dict[int, list[Document]] = {}
        self.corr_tables: dict[str, list[CorrRow]] = {}
        self.corr_table_user_id: Any = None
        self._serial = 0
        self._last_order_number = 122

    def reset_data(self) -> None:
        """Forget every counterparty, order, document and mapping row (the version stays)."""
        self.counterparties.clear()
        self.orders.clear()
        self.documents.clear()
        self.corr_tables.clear()
        self.corr_table_user_id = None

    def handle(self, payload: Mapping[str, Any]) -> Any:
        """Check key, id_base and type, run the type's handler and return its JSON answer; raises RequestError."""
        key = required(payload, "key")
        id_base = required(payload, "id_base")
        kind = required(payload, "type")
        if self.account_id is not None and str(key) != str(self.account_id):
            raise RequestError(f'Ключ "key" не совпадает с аккаунтом amoCRM этой базы: {key}')
        if self.id_base is not None and str(id_base) != self.id_base:
            raise RequestError(f'Идентификатор базы "id_base" не совпадает с этой базой: {id_base}')
        handlers: dict[str, Handler] = {
            "get_orders": self.get_orders,
            "new_lead": self.new_lead,
            "new_order": self.new_order,
            "get_handlers_version": self.get_handlers_version,
            "corr_table": self.corr_table,
        }
        handler = handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise RequestError(f'Неизвестный тип запроса "type": {kind}')
        return handler(payload)

    def get_orders(self, payload: Mapping[str, Any]) -> list[dict[str, str]]:
        """Answer 1.1: the deal's documents, parents before children; raises RequestError without `id`."""
        deal_id = required_id(payload, "id")
        return [document.to_json() for document in self.documents.get(deal_id, [])]

    def new_lead(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """Answer 1.2: create or update one counterparty; raises RequestError for a missing or invalid field."""
        clients = optional_object(payload, "clients")
        if clients is None:
            raise RequestError('Не заполнено обязательное поле "clients"')
        inputs = self._parse_clients(clients)
        if not inputs:
            raise RequestError('Не заполнено обязательное поле "clients.contact" или "clients.company"')
        if len(inputs) > 1:
            raise RequestError('Передано два контрагента: ожидается только "clients.contact" или "clients.company"')
        counterparty = self._save_counterparty(inputs[0])
        return {"link": counterparty.link, "id_1c": counterparty.id_1c}

    def new_order(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """Answer 1.3: create or update the deal's order and its clients; raises RequestError for a bad field."""
        deal_id = required_id(payload, "id")
        name = required_text(payload, "name")
        responsible = required_id(payload, "responsible_user_id")
        id_1c = optional_text(payload, "id_1c")
        clients = optional_object(payload, "clients")
        inputs = self._parse_clients(clients) if clients is not None else []
        saved = {client.kind: self._save_counterparty(client).id_1c for client in inputs}
        order = self.orders.get(id_1c) if id_1c else None
        order = order or next((o for o in self.orders.values() if o.deal_id == deal_id), None)
        if order is not None:
            order.name, order.responsible_user_id = name, responsible
            order.contact_id_1c = saved.get("contact", order.contact_id_1c)
            order.company_id_1c = saved.get("company", order.company_id_1c)
            order.fields.update(amo_fields(payload))
            order.writes += 1
            return {"link": order.link, "id_1c": order.id_1c}
        ref = self._new_ref("order")
        self._last_order_number += 1
        order = Order(
            id_1c=ref,
            link=docs.navigation_link(self.url_address, docs.ORDER_METADATA, ref),
            deal_id=deal_id,
            name=name,
            responsible_user_id=responsible,
            number=f"{self._last_order_number:08d}",
            day=date.today(),
            contact_id_1c=saved.get("contact"),
            company_id_1c=saved.get("company"),
            fields=amo_fields(payload),
        )
        self.orders[ref] = order
        self.documents.setdefault(deal_id, []).extend(docs.order_tree(order, self.url_address))
        return {"link": order.link, "id_1c": order.id_1c}

    def get_handlers_version(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """Answer 1.4: the installed handlers version."""
        return {"version": self.handlers_version}

    def corr_table(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """Answer 1.5: replace the mapping rows of each entity sent; raises RequestError naming a bad row."""
        table = required(payload, "table")
        rows = [table] if isinstance(table, Mapping) else table
        if not isinstance(rows, list):
            raise RequestError('Неверное значение поля "table": ожидается массив строк')
        grouped: dict[str, list[CorrRow]] = {}
        for index, row in enumerate(rows):
            prefix = f"table[{index}]."
            if not isinstance(row, Mapping):
                raise RequestError(f'Неверное значение поля "table[{index}]": ожидается объект')
            amo_name = required_text(row, "amo_name", prefix)
            amo_id = required(row, "amo_id", prefix)
            entity = required_text(row, "entity_name", prefix)
            if entity not in ENTITY_NAMES:
                raise RequestError(
                    f'Неизвестная сущность "{entity}" в поле "{prefix}entity_name": допустимы {", ".join(ENTITY_NAMES)}'
                )
            grouped.setdefault(entity, []).append(CorrRow(amo_name, amo_id, entity))
        self.corr_tables.update(grouped)
        self.corr_table_user_id = payload.get("user_id")
        return {"version": self.handlers_version}

    def add_documents(
        self, deal_id: int, documents: Iterable[Mapping[str, Any] | Document], *, replace: bool = False
    ) -> list[Document]:
        """Append (or with `replace`, set) a deal's documents from dicts or records; raises ValueError."""
        existing = [] if replace else list(self.documents.get(deal_id, []))
        added = [
            docs.document_from_json(item, self.url_address, f"seeded:{deal_id}:{len(existing) + index}")
            for index, item in enumerate(documents)
        ]
        self.documents[deal_id] = existing + added
        return added

    def generate_documents(self, deal_id: int, count: int) -> list[Document]:
        """Replace a deal's documents with a deterministic tree of `count` documents; raises ValueError if < 0."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self.documents[deal_id] = docs.generated_tree(deal_id, count, self.url_address)
        return list(self.documents[deal_id])

    def state_json(self) -> dict[str, Any]:
        """Return everything the base holds as a JSON-ready dict."""
        return {
            "version": self.handlers_version,
            "counterparties": [item.to_json() for item in self.counterparties.values()],
            "orders": [item.to_json() for item in self.orders.values()],
            "documents": {str(deal): [d.to_json() for d in items] for deal, items in self.documents.items()},
            "corr_tables": {entity: [row.to_json() for row in rows] for entity, rows in self.corr_tables.items()},
            "corr_table_user_id": self.corr_table_user_id,
        }

    def _new_ref(self, what: str) -> str:
        self._serial += 1
        return docs.new_ref(f"{self.url_address}:{what}:{self._serial}")

    def _parse_clients(self, clients: Mapping[str, Any]) -> list[_ClientInput]:
        inputs = []
        for kind in ("contact", "company"):
            data = optional_object(clients, kind, "clients.")
            if data is not None:
                inputs.append(self._parse_client(kind, data, f"clients.{kind}."))
        return inputs

    def _parse_client(self, kind: str, data: Mapping[str, Any], prefix: str) -> _ClientInput:
        inn = company_inn(data, prefix) if kind == "company" else str(data.get("inn") or "")
        return _ClientInput(
            kind=kind,
            amo_id=required_id(data, "id", prefix),
            name=required_text(data, "name", prefix),
            responsible_user_id=required_id(data, "responsible_user_id", prefix),
            id_1c=optional_text(data, "id_1c", prefix),
            inn=inn,
            phone=data.get("phone"),
            email=data.get("email"),
            fields=amo_fields(data),
        )

    def _save_counterparty(self, client: _ClientInput) -> Counterparty:
        found = self.counterparties.get(client.id_1c) if client.id_1c else None
        found = found or next(
            (c for c in self.counterparties.values() if c.kind == client.kind and c.amo_id == client.amo_id), None
        )
        if found is not None:
            found.kind, found.amo_id, found.name = client.kind, client.amo_id, client.name
            found.responsible_user_id, found.inn = client.responsible_user_id, client.inn
            # A key left out of the update keeps what 1C already has.
            found.phone = found.phone if client.phone is None else client.phone
            found.email = found.email if client.email is None else client.email
            found.fields.update(client.fields)
            found.writes += 1
            return found
        ref = self._new_ref("counterparty")
        counterparty = Counterparty(
            id_1c=ref,
            link=docs.navigation_link(self.url_address, docs.COUNTERPARTY_METADATA, ref),
            kind=client.kind,
            amo_id=client.amo_id,
            name=client.name,
            responsible_user_id=client.responsible_user_id,
            inn=client.inn,
            phone=client.phone,
            email=client.email,
            fields=client.fields,
        )
        self.counterparties[ref] = counterparty
        return counterparty
