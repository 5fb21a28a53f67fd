"""The card panels' operations for one account: which base a user's panel shows, an entity's link, a deal's 1C
documents, and the buttons that send a deal or a counterparty to 1C."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

from backend.amocrm.records import Lead
from backend.models import (
    Direction,
    EntityKind,
    EntityLink,
    IntentKind,
    IntentState,
    OneCBase,
    Outcome,
    SyncLogEntry,
    UserPreference,
)
from backend.onec import Document
from backend.onec.errors import OneCFailed
from backend.sync.errors import Conflict
from backend.sync.numbers import read_decimal
from backend.sync.outbox import enqueue
from backend.sync.payloads import EntityMissing
from backend.sync.triggers import read_back

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace

BASE_PREFERENCE = "card_base"
SILENT_FOR = timedelta(minutes=5)  # how long a base that did not answer stays marked so in the panels
ENTITIES = {EntityKind.LEAD: "leads", EntityKind.CONTACT: "contacts", EntityKind.COMPANY: "companies"}
MISSING = {
    EntityKind.LEAD: "Сделка {} не найдена в amoCRM.",
    EntityKind.CONTACT: "Контакт {} не найден в amoCRM.",
    EntityKind.COMPANY: "Компания {} не найдена в amoCRM.",
}


# The sync log's calls that carry what 1C or amoCRM said about a counterparty or an order: name, INN, number, sum.
PARTY_CALLS = {
    EntityKind.CONTACT: ("clients_contacts", "new_lead"),
    EntityKind.COMPANY: ("clients_companies", "new_lead"),
    EntityKind.LEAD: ("leads", "new_order"),
}


@dataclass(frozen=True)
class Linked:
    """What a panel tells about an entity's 1C object: its link (None when there is none), its name, INN (a
    counterparty's), number and sum (an order's) as 1C or amoCRM last sent them to or through amo1c ("" / None
    when the sync log keeps none), and when it was last synced."""

    link: EntityLink | None
    name: str = ""
    inn: str = ""
    number: str = ""
    total: Decimal | None = None
    synced_at: datetime | None = None


@dataclass(frozen=True)
class Pressed:
    """What a card button's press came to: 1C took it (`queued_until` None), or it waits in the outbox for its
    next attempt at `queued_until` because 1C could not be reached (`reason`: what went wrong)."""

    queued_until: datetime | None = None
    reason: str = ""


class Cards:
    """What a card panel reads and does, scoped to the workspace's account."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def offered_bases(self) -> list[OneCBase]:
        """The bases a panel offers, by id_base: those not awaiting an admin's approval of a change."""
        # A base whose new address awaits an admin's approval is not offered: nothing may be sent to it.
        return await OneCBase.filter(account_id=self.workspace.account_id, awaiting_change=False).order_by("id_base")

    async def choose_base(self, user_id: int, requested: str | None) -> tuple[list[OneCBase], OneCBase | None]:
        """The offered bases and the one to show the user: the requested one, the remembered one, or the first that
        answered its last call (None when none is offered). Nothing is remembered here: see `remember_base`."""
        bases = await self.offered_bases()
        by_name = {base.id_base: base for base in bases}
        if requested is not None and requested in by_name:
            return bases, by_name[requested]
        account_id = self.workspace.account_id
        preference = await UserPreference.get_or_none(account_id=account_id, user_id=user_id, name=BASE_PREFERENCE)
        if preference is not None and preference.value in by_name:
            return bases, by_name[preference.value]
        silent = await self.silent_bases(bases)
        answering = [base for base in bases if base.id not in silent]
        return bases, next(iter(answering or bases), None)

    async def remember_base(self, user_id: int, base: OneCBase, *, answered: bool = False) -> None:
        """Make `base` the one the user's panels show, unless it did not answer its last call (`answered`: it just
        did): an unreachable base never becomes the remembered choice."""
        if not answered and base.id in await self.silent_bases([base]):
            return
        await UserPreference.update_or_create(
            account_id=self.workspace.account_id,
            user_id=user_id,
            name=BASE_PREFERENCE,
            defaults={"value": base.id_base},
        )

    async def forget_base(self, user_id: int, base: OneCBase) -> None:
        """Stop showing `base` first to the user (it did not answer): the panels fall back to one that does."""
        await UserPreference.filter(
            account_id=self.workspace.account_id, user_id=user_id, name=BASE_PREFERENCE, value=base.id_base
        ).delete()

    async def silent_bases(self, bases: list[OneCBase]) -> set[int]:
        """The ids of those `bases` whose last logged call from amo1c, made within SILENT_FOR, got no answer
        (unreachable, timed out, address refused).

        A read that succeeds is not logged (operations.LOGGED_ONLY_WHEN_FAILING), so a base that answers again is
        known only by a later logged call or by time: the mark lasts SILENT_FOR at most.
        """
        await self.workspace.domain.sync_log.flush()  # this worker's latest calls count too
        since = datetime.now(UTC) - SILENT_FOR
        silent: set[int] = set()
        for base in bases:
            last = (
                await SyncLogEntry.filter(
                    account_id=self.workspace.account_id, id_base=base.id_base, direction=Direction.TO_1C
                )
                .order_by("-id")
                .only("id", "created_at", "outcome", "http_status")
                .first()
            )
            if (
                last is not None
                and last.outcome == Outcome.ERROR
                and last.http_status is None
                and last.created_at >= since
            ):
                silent.add(base.id)
        return silent

    async def deal(self, lead_id: int) -> Lead | None:
        """The deal as amoCRM has it now, None when amoCRM has no such deal; raises AmoCRMError."""
        found = await read_back(await self.workspace.amo(), "leads", lead_id)
        return found if isinstance(found, Lead) else None

    async def linked(self, base: OneCBase | None, kind: EntityKind, amo_id: int) -> Linked:
        """What the panel tells about the entity's 1C object in the base, from its link and the sync log."""
        link = await self.link_of(base, kind, amo_id)
        if base is None:
            return Linked(None)
        await self.workspace.domain.sync_log.flush()  # what was just sent or received counts too
        match = Q(amo_id=amo_id)
        if link is not None and link.id_1c:
            match |= Q(id_1c=link.id_1c)
        entries = await (
            SyncLogEntry.filter(
                account_id=self.workspace.account_id,
                id_base=base.id_base,
                operation__in=PARTY_CALLS[kind],
                outcome=Outcome.OK,
            )
            .filter(match)
            .order_by("-id")
            .limit(10)
            .only("id", "created_at", "request_summary")
        )
        said = [_said(entry.request_summary, kind) for entry in entries]
        synced = [moment for moment in (link.updated_at if link else None, *(e.created_at for e in entries)) if moment]
        return Linked(
            link,
            name=_first(said, "name"),
            inn=_first(said, "inn"),
            number=_first(said, "order_number"),
            total=_number(_first(said, "budget")),
            synced_at=max(synced) if synced else None,
        )

    async def link_of(self, base: OneCBase | None, kind: EntityKind, amo_id: int) -> EntityLink | None:
        """The newest link of an amoCRM entity in the base (None without a base or a link)."""
        if base is None:
            return None
        return (
            await EntityLink.filter(base_id=self.workspace.mine(base).id, kind=kind, amo_id=amo_id)
            .order_by("-updated_at")
            .first()
        )

    async def documents(self, base: OneCBase, deal_id: int) -> list[Document]:
        """The deal's documents as 1C lists them (`get_orders`); raises OneCError."""
        return await self.workspace.onec(base).get_orders(deal_id)

    async def send_order(self, base: OneCBase, lead_id: int, user_id: int | None = None) -> Pressed:
        """Create or update the deal's order in 1C through the outbox and wait a few seconds for 1C's answer.

        Raises what 1C's or amoCRM's refusal was (EntityMissing, MissingInn, Conflict, AmoCRMError, OneCError);
        when 1C cannot be reached now, answers that the order waits in the outbox and when it is tried next.
        """
        return await self._press(base, IntentKind.NEW_ORDER, EntityKind.LEAD, lead_id, user_id)

    async def send_counterparty(
        self, base: OneCBase, kind: EntityKind, amo_id: int, user_id: int | None = None
    ) -> Pressed:
        """Create or update a contact's or company's counterparty in 1C through the outbox; like send_order."""
        return await self._press(base, IntentKind.NEW_LEAD, kind, amo_id, user_id)

    async def _press(
        self, base: OneCBase, kind: IntentKind, entity: EntityKind, amo_id: int, user_id: int | None
    ) -> Pressed:
        domain = self.workspace.domain
        cause = f"кнопка в карточке (пользователь {user_id})" if user_id else "кнопка в карточке"
        found = await read_back(await self.workspace.amo(), ENTITIES[entity], amo_id)
        if found is None:
            raise EntityMissing(MISSING[entity].format(amo_id))
        intent = await enqueue(
            self.workspace.mine(base),
            kind,
            entity_kind=entity,
            amo_id=amo_id,
            cause=cause,
            user_id=user_id,
            fingerprint=f"press:{found.updated_at}",  # presses of one state (a double click, two tabs) send once
            join_under_way=True,
        )
        sending = await domain.outbox.send_now(intent, wait=domain.settings.onec_timeout * 2 + 5)
        intent = sending.intent
        if intent.state == IntentState.DELIVERED:
            return Pressed()
        if intent.state in (IntentState.PENDING, IntentState.SENDING):
            return Pressed(queued_until=intent.next_attempt_at, reason=intent.last_error or "")
        if sending.error is not None:
            raise sending.error
        if intent.state == IntentState.CANCELLED:
            raise Conflict("отправка отменена в настройках: нажмите кнопку ещё раз")
        raise OneCFailed(intent.last_error or "1С не приняла данные")


def _said(summary: Any, kind: EntityKind) -> Mapping[str, Any]:
    """The fields of an entity in a logged body: the body itself (a call from 1C), or its `clients` entry (new_lead)."""
    if not isinstance(summary, Mapping):
        return {}
    clients = summary.get("clients")
    if kind != EntityKind.LEAD and isinstance(clients, Mapping):
        for entry in clients.values():
            if isinstance(entry, Mapping):
                return entry
    return summary


def _first(said: list[Mapping[str, Any]], key: str) -> str:
    """The newest non-empty value of `key` among the logged bodies, as text ("" when none has it)."""
    for fields in said:
        value = fields.get(key)
        if value not in (None, "", "***") and not isinstance(value, Mapping | list):
            return str(value).strip()
    return ""


def _number(text: str) -> Decimal | None:
    """A sum as 1C writes it ("1 500,50") or None (none logged, or not a number)."""
    try:
        return read_decimal(text) if text else None
    except ValueError:
        return None
