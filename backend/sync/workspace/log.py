"""The sync log page's operations for one account: pages of entries, an entry's detail, sending a call again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.sync.log_pages import LogFilter, LoggedCall, LogPage, log_page, logged_call
from backend.sync.resend import NotResendable, Refusal, Resent, resend

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


class Log:
    """What the sync log page reads and does, scoped to the workspace's account."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def page(self, filters: LogFilter, before: int | None = None) -> LogPage:
        """The newest entries the filters let through, older than `before` when given (this worker's entries still
        waiting in its buffer stored first, so an admin sees the calls that just ended)."""
        await self.workspace.domain.sync_log.flush()
        return await log_page(self.workspace.account_id, filters, before)

    async def entry(self, entry_id: int) -> LoggedCall:
        """One entry with its detail; raises NotFound (another account's entry included)."""
        return await logged_call(self.workspace.account_id, entry_id)

    async def resend(self, call: LoggedCall, user_id: int | None) -> Resent:
        """Make the entry's failed call into 1C again, from today's amoCRM data, on behalf of `user_id`; raises
        NotResendable (with why), OneCError, AmoCRMError, SyncError (sync.resend.resend)."""
        if call.refusal is not None or call.base is None:
            raise NotResendable(call.refusal or Refusal.NO_BASE)
        workspace = self.workspace
        onec = workspace.onec(call.base)
        return await resend(call.entry, call.base, onec, await workspace.amo(), workspace.fields, user_id=user_id)
