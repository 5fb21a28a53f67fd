"""Hints that an amoCRM entity changed: what a webhook or the digital pipeline says, recorded at once and read
back later. Neither kind of hook is signed, so a hint only names an entity to look at; a forged or replayed hook
costs at most one read of amoCRM with the account's own token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from backend.models import Account, Hint, Subscription

MAX_PER_HOOK = 500  # entities one hook may name; amoCRM sends a handful
# PHP-style keys of amoCRM's form-encoded webhooks: leads[status][0][id], contacts[update][3][id] …
_ENTITY_ID = re.compile(r"(leads|contacts|companies)\[([a-z_]+)\]\[(\d{1,6})\]\[id\]")
_DIGITS = re.compile(r"[0-9]{1,18}")

HOOK_STAMP_EVERY = 5.0  # seconds: how fresh «last hook received» is kept (per worker)


def entities_of_webhook(form: Mapping[str, str]) -> list[tuple[str, int]]:
    """(entity, amoCRM id) of every entity a webhook names, at most MAX_PER_HOOK, in order and without repeats.

    amoCRM announces companies among contacts (`contacts[update][0][type]` = "company"); both spellings are read.
    """
    found: dict[tuple[str, int], None] = {}
    for key, value in form.items():
        match = _ENTITY_ID.fullmatch(key)
        if match is None or not _DIGITS.fullmatch(value.strip()):
            continue
        entity, action, index = match.groups()
        if entity == "contacts" and form.get(f"contacts[{action}][{index}][type]", "").strip() == "company":
            entity = "companies"
        found[(entity, int(value))] = None
        if len(found) >= MAX_PER_HOOK:
            break
    return list(found)


def deal_of_dp_hook(body: Mapping[str, Any]) -> tuple[int | None, str | None, int | None]:
    """(account id, subdomain, deal id) a digital pipeline action's hook names, each None when absent; read from
    a form (`event[data][id]`) or JSON (`{"event": {"data": {"id": …}}}`) body."""
    event = _mapping(body.get("event"))
    data = _mapping(event.get("data"))
    account = _mapping(body.get("account"))
    account_id = _number(body.get("account_id"), body.get("account[id]"), account.get("id"))
    subdomain = body.get("subdomain") or body.get("account[subdomain]") or account.get("subdomain")
    deal_id = _number(data.get("id"), body.get("event[data][id]"))
    return account_id, subdomain if isinstance(subdomain, str) else None, deal_id


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(*candidates: Any) -> int | None:
    """The first candidate that is an id (a number or its digits), else None."""
    for candidate in candidates:
        if isinstance(candidate, bool) or not isinstance(candidate, str | int):
            continue
        text = str(candidate).strip()
        if _DIGITS.fullmatch(text):
            return int(text)
    return None


async def record(account_id: int, entities: list[tuple[str, int]], source: str, *, stamp: bool = True) -> int:
    """Keep hints to read back later (the hook is answered at once) and, for a webhook when `stamp`, when the
    account's last one came; how many."""
    if entities:
        await Hint.bulk_create([Hint(account_id=account_id, entity=e, amo_id=i, source=source) for e, i in entities])
    if source == "webhook" and stamp:
        await Subscription.filter(account_id=account_id).update(last_hook_at=datetime.now(UTC))
    return len(entities)


def stamp_due(stamped: dict[int, float], account_id: int) -> bool:
    """Whether a worker should write the account's «last hook received» now, given when it last did (`stamped`,
    monotonic, updated here): at most every HOOK_STAMP_EVERY seconds, so a burst of hooks does not queue on the
    one row every hook would otherwise update."""
    now = time.monotonic()
    if now - stamped.get(account_id, -HOOK_STAMP_EVERY) < HOOK_STAMP_EVERY:
        return False
    stamped[account_id] = now
    return True


async def account_for_dp_hook(account_id: int | None, subdomain: str | None) -> int | None:
    """The installed, active account a digital pipeline hook names (by id, else by subdomain), or None."""
    if account_id is not None:
        found = await Account.get_or_none(id=account_id, active=True)
    elif subdomain:
        found = await Account.filter(subdomain=subdomain.strip().lower()[:63], active=True).first()
    else:
        found = None
    return None if found is None else int(found.id)


async def take(limit: int = 50) -> list[Hint]:
    """The oldest hints, taken off the table to be read back (a hint two workers take is read twice: harmless,
    what it leads to is decided once)."""
    hints = await Hint.all().order_by("id").limit(limit)
    if hints:
        await Hint.filter(id__in=[hint.id for hint in hints]).delete()
    return hints
