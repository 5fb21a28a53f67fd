"""The card panels' operations for one account: which base a user's panel shows, an entity's link, a deal's 1C
documents, and the buttons that send a deal or a counterparty to 1C."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from backend.models import EntityKind, EntityLink, IntentKind, IntentState, OneCBase, UserPreference
from backend.onec import Document
from backend.onec.errors import OneCFailed
from backend.sync.errors import Conflict
from backend.sync.outbox import enqueue
from backend.sync.payloads import EntityMissing
from backend.sync.triggers import read_back

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace

BASE_PREFERENCE = "card_base"
ENTITIES = {EntityKind.LEAD: "leads", EntityKind.CONTACT: "contacts", EntityKind.COMPANY: "companies"}
MISSING = {
    EntityKind.LEAD: "Сделка {} не найдена в amoCRM.",
    EntityKind.CONTACT: "Контакт {} не найден в amoCRM.",
    EntityKind.COMPANY: "Компания {} не найдена в amoCRM.",
}


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
        """The offered bases and the one to show the user: the requested one (remembered), the remembered one, or
        the first (None when none is offered)."""
        bases = await self.offered_bases()
        by_name = {base.id_base: base for base in bases}
        account_id = self.workspace.account_id
        if requested is not None and requested in by_name:
            await UserPreference.update_or_create(
                account_id=account_id, user_id=user_id, name=BASE_PREFERENCE, defaults={"value": requested}
            )
            return bases, by_name[requested]
        preference = await UserPreference.get_or_none(account_id=account_id, user_id=user_id, name=BASE_PREFERENCE)
        if preference is not None and preference.value in by_name:
            return bases, by_name[preference.value]
        return bases, (bases[0] if bases else None)

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
