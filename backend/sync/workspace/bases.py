"""The settings' bases operations for one account: its linked 1C bases, the link requests awaiting its admin,
linking, changing and unlinking a base, and asking a base's 1C its handlers version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.models import BaseRequest, OneCBase
from backend.sync.approval import approve, awaiting_requests, reject
from backend.sync.bases import BaseAddress, add_base, ask_handlers_version, change_base, count_bases, listed_bases
from backend.sync.handlers import latest_version

if TYPE_CHECKING:
    from backend.sync.workspace import Workspace

LISTED_BASES = 100  # 1C links a base by the account id alone (spec 2.2), so an account may hold any number


@dataclass(frozen=True)
class BaseItem:
    """A base as its card shows it: the base and the newest handler package version stored for it."""

    base: OneCBase
    latest_version: int | None


@dataclass(frozen=True)
class RequestItem:
    """A link request as its card shows it: the request and the approved base it would change (None: a new one)."""

    request: BaseRequest
    base: OneCBase | None


class Bases:
    """The account's bases and link requests, scoped to the workspace's account."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    async def listed(self, limit: int = LISTED_BASES) -> list[OneCBase]:
        """The account's first `limit` bases by id_base."""
        return await listed_bases(self.workspace.account_id, limit)

    async def count(self) -> int:
        """How many bases the account has linked."""
        return await count_bases(self.workspace.account_id)

    async def chosen(self, requested: str | None) -> tuple[list[OneCBase], OneCBase | None]:
        """The listed bases and the one a page shows: the requested one, else the first; raises NotFound for a
        requested id that is not one of the account's bases."""
        bases = await self.listed()
        if requested:
            return bases, await self.workspace.base(requested)
        return bases, (bases[0] if bases else None)

    async def item(self, base: OneCBase) -> BaseItem:
        """The base with the newest handler package version stored for it."""
        return BaseItem(base, await latest_version(base))

    async def requests(self) -> list[RequestItem]:
        """The account's live link requests, newest first, each with the approved base it would change."""
        account_id = self.workspace.account_id
        requests = await awaiting_requests(account_id)
        changed = [request.base_id for request in requests if request.base_id is not None]
        bases = {base.id: base for base in await OneCBase.filter(id__in=changed, account_id=account_id)}
        return [RequestItem(request, bases.get(request.base_id or 0)) for request in requests]

    async def add(self, address: BaseAddress) -> OneCBase:
        """Link a new base, approved at once (an admin does it); raises InvalidInput (a taken id_base included)
        or NotFound (the account is gone)."""
        return await add_base(await self.workspace.account(), address, self.workspace.domain.secrets)

    async def change(
        self, base: OneCBase, *, web_address: str, url_address: str, param1: str, param2: str | None
    ) -> OneCBase:
        """Change the base's addresses and login; `param2` None keeps its password; raises InvalidInput."""
        return await change_base(
            self.workspace.mine(base),
            web_address=web_address,
            url_address=url_address,
            param1=param1,
            param2=param2,
            secrets=self.workspace.domain.secrets,
        )

    async def unlink(self, base: OneCBase) -> None:
        """Unlink the base with its correspondence rows, handler packages and links; raises NotFound for another
        account's base."""
        await self.workspace.mine(base).delete()

    async def approve(self, request_id: int, revision: int) -> OneCBase:
        """Link the request's base (or apply its change) as the admin saw it at `revision`; raises RequestGone,
        RequestReplaced or Conflict (sync.approval.approve)."""
        return await approve(self.workspace.account_id, request_id, revision, self.workspace.domain.secrets)

    async def reject(self, request_id: int) -> None:
        """Drop the request (a changed base stays as approved); raises RequestGone."""
        await reject(self.workspace.account_id, request_id)

    async def live_version(self, base: OneCBase) -> str:
        """Ask the base's 1C its handlers version now and remember it; raises OneCError."""
        return await ask_handlers_version(self.workspace.onec(base), base)
