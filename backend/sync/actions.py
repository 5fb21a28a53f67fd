"""What the card buttons do: send a deal or a counterparty to 1C once, and link what 1C answers.

A press first claims a row in `onec_action` (unique per base, entity kind and amoCRM id). A second press of the
same button — a double click, another tab, another worker — cannot claim it, so it waits for the first to finish
and answers the same link instead of calling 1C again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from backend.amocrm import AmoCRMClient
from backend.models import EntityKind, EntityLink, OneCAction, OneCBase
from backend.onec import BaseClient, Saved
from backend.sync.directory import FieldDirectory
from backend.sync.errors import Conflict
from backend.sync.payloads import EntityMissing, company_payload, contact_payload, order_payload

POLL_INTERVAL = 0.1


@dataclass(frozen=True)
class Sent:
    """The 1C object an amoCRM entity now maps to, and whether this press made the call (False: it waited)."""

    link: str
    id_1c: str
    called: bool


async def send_order(
    onec: BaseClient, amo: AmoCRMClient, directory: FieldDirectory, base: OneCBase, lead_id: int
) -> Sent:
    """Create or update the order of a deal in 1C (`new_order`); raises EntityMissing, MissingInn, OneCError."""

    async def call() -> Saved:
        lead = await amo.get_lead(lead_id)
        if lead is None:
            raise EntityMissing(f"Сделка {lead_id} не найдена в amoCRM.")
        return await onec.new_order(await order_payload(amo, directory, base, lead))

    return await _once(base, EntityKind.LEAD, lead_id, call, wait=onec.timeout)


async def send_counterparty(
    onec: BaseClient,
    amo: AmoCRMClient,
    directory: FieldDirectory,
    base: OneCBase,
    kind: EntityKind,
    amo_id: int,
) -> Sent:
    """Create or update a contact's or company's counterparty in 1C (`new_lead`); raises like send_order."""

    async def call() -> Saved:
        if kind == EntityKind.CONTACT:
            contact = await amo.get_contact(amo_id)
            if contact is None:
                raise EntityMissing(f"Контакт {amo_id} не найден в amoCRM.")
            return await onec.new_lead(contact=await contact_payload(base, contact))
        company = await amo.get_company(amo_id)
        if company is None:
            raise EntityMissing(f"Компания {amo_id} не найдена в amoCRM.")
        return await onec.new_lead(company=await company_payload(amo, directory, base, company))

    return await _once(base, kind, amo_id, call, wait=onec.timeout)


async def _once(
    base: OneCBase, kind: EntityKind, amo_id: int, call: Callable[[], Awaitable[Saved]], *, wait: float
) -> Sent:
    claimed = await _claim(base, kind, amo_id, stale_after=timedelta(seconds=wait * 2 + 30))
    if claimed is None:
        return await _result_of_other_press(base, kind, amo_id, wait=wait * 2 + 5)
    try:
        saved = await call()
        await _link(base, kind, amo_id, saved)
    finally:
        await OneCAction.filter(id=claimed.id).delete()
    return Sent(saved.link, saved.id_1c, called=True)


async def _claim(base: OneCBase, kind: EntityKind, amo_id: int, *, stale_after: timedelta) -> OneCAction | None:
    try:
        return await OneCAction.create(base_id=base.id, kind=kind, amo_id=amo_id)
    except IntegrityError:
        pass
    # An action left behind by a crashed worker must not block the button forever.
    cutoff = datetime.now(UTC) - stale_after
    if await OneCAction.filter(base_id=base.id, kind=kind, amo_id=amo_id, started_at__lt=cutoff).delete():
        try:
            return await OneCAction.create(base_id=base.id, kind=kind, amo_id=amo_id)
        except IntegrityError:
            return None
    return None


async def _result_of_other_press(base: OneCBase, kind: EntityKind, amo_id: int, *, wait: float) -> Sent:
    deadline = time.monotonic() + wait
    while await OneCAction.filter(base_id=base.id, kind=kind, amo_id=amo_id).exists():
        if time.monotonic() > deadline:
            raise Conflict("1С ещё обрабатывает предыдущее нажатие: подождите и обновите панель")
        await asyncio.sleep(POLL_INTERVAL)
    link = (
        await EntityLink.filter(base_id=base.id, kind=kind, amo_id=amo_id, id_1c__not_isnull=True)
        .order_by("-updated_at")
        .first()
    )
    if link is None or link.id_1c is None:
        raise Conflict("предыдущее нажатие не удалось: нажмите кнопку ещё раз")
    return Sent(link.link, link.id_1c, called=False)


async def _link(base: OneCBase, kind: EntityKind, amo_id: int, saved: Saved) -> None:
    """Store what 1C answered; the same 1C object later synced from 1C finds this amoCRM entity."""
    link, created = await EntityLink.get_or_create(
        base_id=base.id, kind=kind, id_1c=saved.id_1c, defaults={"amo_id": amo_id, "link": saved.link}
    )
    if not created and (link.amo_id != amo_id or link.link != saved.link):
        link.amo_id = amo_id
        link.link = saved.link
        link.fingerprint = None  # 1C's next sync of it must write its data, not skip as unchanged
        await link.save(update_fields=["amo_id", "link", "fingerprint", "updated_at"])
