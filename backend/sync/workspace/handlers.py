"""The handler packages page's operations for one account: a base's stored packages and the beginning of one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.models import OneCBase
from backend.sync.errors import NotFound
from backend.sync.handlers import PackageHead, PackageSummary, package_head, package_summaries

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace


class Handlers:
    """What the handler packages page reads, scoped to the workspace's account; never reads a whole package."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def packages(self, base: OneCBase, limit: int) -> list[PackageSummary]:
        """The newest `limit` packages of the account's `base`, newest first, with their sizes; raises NotFound
        for another account's base."""
        if base.account_id != self.workspace.account_id:
            raise NotFound  # a caller bug: bases come from this workspace
        return await package_summaries(base, limit)

    async def package(self, package_id: int, chars: int) -> PackageHead:
        """At most `chars` characters of the JSON of the account's package `package_id`; raises NotFound."""
        head = await package_head(self.workspace.account_id, package_id, chars)
        if head is None:
            raise NotFound
        return head
