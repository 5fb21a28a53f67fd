"""The background rounds of the triggers: reading the hooks' hints back, and the periodic reconciliation that
catches changes whose hooks were lost. Both run in every worker's background task (sync.background)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from backend import metrics
from backend.amocrm.errors import AmoCRMError
from backend.models import Account
from backend.sync import hints
from backend.sync.triggers import accounts_to_reconcile, on_hint, reconcile

if TYPE_CHECKING:
    from backend.sync.domain import Domain

logger = logging.getLogger("amo1c.automation")
FAILED_PASS_PAUSE = timedelta(minutes=1)  # a reconciliation amoCRM refused waits this long in this worker


class Automation:
    """Runs the triggers' background rounds for every account; each round raises nothing but the database's errors."""

    def __init__(self, domain: Domain) -> None:
        self._domain = domain
        self._paused: dict[int, datetime] = {}

    async def read_hints(self) -> int:
        """Read back up to 50 hinted entities and queue what their triggers decide; how many hints were read."""
        taken = await hints.take()
        seen: set[tuple[int, str, int]] = set()
        for hint in taken:
            key = (int(hint.account_id), hint.entity, int(hint.amo_id))
            if key in seen:
                continue
            seen.add(key)
            account = await Account.get_or_none(id=hint.account_id, active=True)
            if account is None:
                continue
            try:
                await on_hint(self._domain.amocrm.for_account(account), hint.entity, int(hint.amo_id), hint.source)
            except AmoCRMError as exc:  # the reconciliation reads it again within its next pass
                logger.warning("hint %s %s of account %s not read back: %s", hint.entity, hint.amo_id, account.id, exc)
        return len(taken)

    async def reconcile_due(self) -> int:
        """Run the reconciliation of every account that is due; how many passes ran."""
        now = datetime.now(UTC)
        passes = 0
        for account in await accounts_to_reconcile(now):
            if self._paused.get(account.id, now) > now:
                continue
            try:
                metrics.reconciliation(await reconcile(self._domain.amocrm.for_account(account), now))
                passes += 1
            except AmoCRMError as exc:
                metrics.reconciliation(None)
                self._paused[account.id] = now + FAILED_PASS_PAUSE
                logger.warning("reconciliation of account %s failed, tried again later: %s", account.id, exc)
        return passes
