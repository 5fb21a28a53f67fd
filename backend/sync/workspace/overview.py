"""The overview tab's operations for one account: its bases' statuses, the sync log's counts, asking 1C now."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from backend.models import Direction, OneCBase
from backend.sync.approval import awaiting_requests
from backend.sync.handlers import latest_version
from backend.sync.overview import (
    DIRECTIONS,
    LISTED_BASES,
    PROBE_SECONDS,
    Activity,
    BaseStatus,
    Errors,
    Reachability,
    activity,
    base_statuses,
    last_success,
    probe,
    recent_errors,
)

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


class Overview:
    """What the overview reads, scoped to the workspace's account; every count is made by the database."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def bases(self) -> tuple[list[BaseStatus], int]:
        """The first LISTED_BASES bases' statuses then the new bases awaiting approval, and how many bases are not
        listed."""
        bases = await self.workspace.bases.listed(LISTED_BASES)
        hidden = await self.workspace.bases.count() - len(bases) if len(bases) == LISTED_BASES else 0
        latest = {base.id: await latest_version(base) for base in bases}
        account_id = self.workspace.account_id
        return await base_statuses(account_id, bases, latest, await awaiting_requests(account_id)), hidden

    async def activity(self) -> Activity:
        """Calls per hour of the last days, each direction (this worker's waiting log entries stored first)."""
        await self.workspace.domain.sync_log.flush()
        return await activity(self.workspace.account_id)

    async def errors(self) -> Errors:
        """The last day's failed calls by base and operation."""
        return await recent_errors(self.workspace.account_id)

    async def last_ok(self) -> dict[Direction, datetime | None]:
        """The account's newest successful call each way."""
        return {direction: await last_success(self.workspace.account_id, direction) for direction in DIRECTIONS}

    async def reachability(self) -> tuple[list[OneCBase], dict[int, Reachability]]:
        """The listed bases and what each one's 1C answered just now (PROBE_SECONDS at most each, several at once)."""
        bases = await self.workspace.bases.listed(LISTED_BASES)
        return bases, await probe(bases, lambda base: self.workspace.onec(base, timeout=PROBE_SECONDS))
