"""The one door from the screens to the domain: everything one amoCRM account's pages do, scoped to that account.

A Workspace is made per request for the session's account (`Domain.workspace`). It owns the account's amoCRM
client, the field directory and the 1C clients bound to the account's bases; each area of the screens has its
operations in a module of this package (`cards`, `bases`, …), reached as an attribute (`workspace.cards`).
Nothing here knows HTTP: failures are the domain's errors (NotFound, Conflict, InvalidInput…), the amoCRM
client's and the 1C client's.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from backend.amocrm import AmoCRMClient
from backend.models import Account, OneCBase
from backend.onec import BaseClient
from backend.sync.access import admit_call
from backend.sync.accounts import get_active_account
from backend.sync.credentials import Credentials
from backend.sync.directory import FieldDirectory
from backend.sync.errors import NotFound
from backend.sync.numbers import id_of
from backend.sync.workspace.automation import Automation
from backend.sync.workspace.bases import Bases
from backend.sync.workspace.cards import Cards
from backend.sync.workspace.handlers import Handlers
from backend.sync.workspace.log import Log
from backend.sync.workspace.mapping import Mapping
from backend.sync.workspace.overview import Overview
from backend.sync.workspace.rules import Rules

if TYPE_CHECKING:
    from backend.sync.domain import Domain


class Workspace:
    """One account's operations; every query it makes is scoped to `account_id`. Each area is made once per
    workspace (what it reads from amoCRM during a request is kept for that request)."""

    def __init__(self, domain: Domain, account_id: int) -> None:
        self.domain = domain
        self.account_id = account_id
        self._account: Account | None = None

    @property
    def fields(self) -> FieldDirectory:
        """The app's cache of amoCRM fields and users."""
        return self.domain.field_directory

    @cached_property
    def automation(self) -> Automation:
        """The «Автоматизация» tab's operations: triggers, the outbox, the webhook subscription."""
        return Automation(self)

    @cached_property
    def bases(self) -> Bases:
        """The settings' bases and link requests."""
        return Bases(self)

    @cached_property
    def cards(self) -> Cards:
        """The card panels' operations."""
        return Cards(self)

    @cached_property
    def handlers(self) -> Handlers:
        """The handler packages page's operations."""
        return Handlers(self)

    @cached_property
    def log(self) -> Log:
        """The sync log page's operations."""
        return Log(self)

    @cached_property
    def mapping(self) -> Mapping:
        """The field correspondence page's operations."""
        return Mapping(self)

    @cached_property
    def overview(self) -> Overview:
        """The overview tab's statuses and counts."""
        return Overview(self)

    @cached_property
    def rules(self) -> Rules:
        """The event rules page's operations."""
        return Rules(self)

    async def account(self) -> Account:
        """The account; raises NotFound when it was removed since the session began."""
        if self._account is None:
            self._account = await Account.get_or_none(id=self.account_id)
            if self._account is None:
                raise NotFound(f"аккаунт amoCRM {self.account_id} не найден")
        return self._account

    async def active_account(self) -> Account:
        """The account while its integration is installed and active (the sync API's calls need that); raises
        UnknownAccount or AccessDenied."""
        self._account = await get_active_account(self.account_id)
        return self._account

    async def admit(
        self,
        id_base: str,
        presented: Credentials | None,
        *,
        client: str,
        check_credentials: bool,
        id_1c: str | None = None,
    ) -> OneCBase:
        """The approved base a sync call names, with the active account (kept for the call), its caller checked when
        `check_credentials`, and the links of the 1C object `id_1c` read on the way (sync.access.admit_call); raises
        UnknownAccount, AccessDenied, TooManyAttempts, AuthenticationRequired, AwaitingApproval."""
        self._account, base = await admit_call(
            self.account_id,
            id_base,
            self.domain.secrets,
            presented,
            client=client,
            check_credentials=check_credentials,
            id_1c=id_1c,
        )
        return base

    async def amo(self) -> AmoCRMClient:
        """The account's amoCRM client; raises NotFound."""
        return self.domain.amocrm.for_account(await self.account())

    def onec(self, base: OneCBase, timeout: float | None = None) -> BaseClient:
        """The 1C client bound to one of the account's bases (calls are logged under it), its calls bounded by
        `timeout` seconds when that is shorter than AMO1C_ONEC_TIMEOUT; raises NotFound."""
        return self.domain.onec.for_base(self.mine(base), timeout)

    def mine(self, base: OneCBase) -> OneCBase:
        """`base` when it is one of the account's; raises NotFound (a caller bug: bases come from this workspace)."""
        if base.account_id != self.account_id:
            raise NotFound
        return base

    async def base(self, base_id: Any) -> OneCBase:
        """The account's base with this id (a number, or its text from a URL); raises NotFound for anything else,
        another account's base included."""
        wanted = base_id if isinstance(base_id, int) else id_of(base_id) if isinstance(base_id, str) else None
        base = await OneCBase.get_or_none(id=wanted, account_id=self.account_id) if wanted is not None else None
        if base is None:
            raise NotFound  # the page says so in the viewer's language
        return base
