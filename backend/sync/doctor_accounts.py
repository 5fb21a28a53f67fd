"""`amo1c doctor`'s checks of one installed account: its amoCRM tokens, amoCRM answering, its webhook subscription,
and for each of its 1C bases the address, 1C answering, the handlers version and the last calls each way.

"Token refreshable" is proved by refreshing: the stored refresh token is spent on a new pair through the account's
amoCRM client, under the token store's refresh lock (shared between workers on PostgreSQL), the new pair saved before
anything uses it — the very path every refresh of the running server takes, so the account keeps a live pair.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

from backend.amocrm import AccountInfo, AmoCRMAuthError, AmoCRMError
from backend.crypto import SecretDecryptionError
from backend.models import Account, Direction, OneCBase
from backend.onec import OneCAuthRefused, OneCError, OneCUnreachable
from backend.sync.bases import check_address
from backend.sync.checks import Check, Report, describe, failed, not_run, passed
from backend.sync.domain import Domain
from backend.sync.errors import InvalidInput
from backend.sync.log_pages import LastCalls, last_calls
from backend.sync.subscriptions import subscription_problem

CHECK_SECONDS = 30.0  # the most one check may take, whatever its clients' own timeouts
T = TypeVar("T")


async def bounded(work: Awaitable[T]) -> T:
    """`work`, given up after CHECK_SECONDS; raises TimeoutError then, else what `work` raises."""
    async with asyncio.timeout(CHECK_SECONDS):
        return await work


class AccountDoctor:
    """Checks one account and its bases, handing each line to `report`; raises nothing but the database's errors."""

    def __init__(self, domain: Domain, account: Account, report: Report) -> None:
        self.domain = domain
        self.account = account
        self.workspace = domain.workspace(account.id)
        self.report = report
        self.subject = f"account {account.id}"

    async def run(self) -> None:
        """Every check of the account, then of each of its bases."""
        if not self.account.active:
            self.report(
                failed(
                    self.subject,
                    f"{self.account.subdomain}: the integration was removed from this amoCRM account",
                    "Install the integration in that amoCRM account again.",
                )
            )
            return
        tokens = await self._tokens()
        self.report(tokens)
        if tokens.passed:
            self.report(await self._api())
            self.report(await self._webhooks())
        else:
            self.report(not_run(f"{self.subject} · amoCRM API", "no usable token"))
            self.report(not_run(f"{self.subject} · webhooks", "no usable token"))
        for base in await self.workspace.bases.listed():
            for check in await BaseDoctor(self, base).run():
                self.report(check)

    async def _tokens(self) -> Check:
        subject = f"{self.subject} · token"
        if self.domain.settings.amocrm_client_id is None:
            return not_run(subject, "AMO1C_AMOCRM_CLIENT_ID/SECRET are not set")
        where = self.domain.amocrm.base_url(self.account)
        try:
            await bounded(self._renew())
        except AmoCRMAuthError as exc:
            advice = (
                "Set AMO1C_PUBLIC_URL to the address the integration is registered with in amoCRM (its redirect URI "
                "is that + /oauth/callback)."
                if "redirect_uri" in str(exc)
                else "Install the integration again in that amoCRM account (its tokens are revoked or expired)."
            )
            return failed(subject, f"amoCRM refuses this account's tokens: {exc}", advice)
        except SecretDecryptionError:
            return failed(
                subject,
                "the stored tokens cannot be decrypted with this AMO1C_SECRET_KEY",
                "Run doctor with the AMO1C_SECRET_KEY the server uses.",
            )
        except (AmoCRMError, TimeoutError) as exc:
            return failed(
                subject, f"cannot refresh at {where}: {describe(exc)}", f"Check this host's access to {where}."
            )
        return passed(subject, f"{self.account.subdomain}: refreshed, the new pair stored")

    async def _renew(self) -> None:
        amo = await self.workspace.amo()
        await amo.renew_tokens()

    async def _api(self) -> Check:
        subject = f"{self.subject} · amoCRM API"
        try:
            info = await bounded(self._account_info())
        except (AmoCRMError, TimeoutError) as exc:
            return failed(subject, f"does not answer: {describe(exc)}", "Check amoCRM's status and this host's access.")
        if info.id != self.account.id:
            return failed(
                subject,
                f"the token belongs to account {info.id}",
                "Install the integration again from the right amoCRM account.",
            )
        return passed(subject, f"answers: {info.name} ({info.subdomain})")

    async def _account_info(self) -> AccountInfo:
        return await (await self.workspace.amo()).account()

    async def _webhooks(self) -> Check:
        subject = f"{self.subject} · webhooks"
        try:
            problem = await bounded(self._subscription_problem())
        except (AmoCRMError, TimeoutError) as exc:
            return failed(
                subject,
                f"amoCRM's subscriptions cannot be read: {describe(exc)}",
                "Reinstall the integration as an administrator of the amoCRM account (listing webhooks needs one).",
            )
        if problem is not None:
            return failed(
                subject,
                problem,
                "Press «Восстановить подписку» on the account's «Автоматизация» tab once the public URL is right.",
            )
        return passed(subject, "subscribed at amoCRM to this amo1c")

    async def _subscription_problem(self) -> str | None:
        return await subscription_problem(await self.workspace.amo(), self.domain.settings.public_url)


class BaseDoctor:
    """Checks one base: address allowed, 1C answering, handlers version against the latest stored, the last calls
    each way (read before this check calls 1C; version checks are not counted as calls)."""

    def __init__(self, owner: AccountDoctor, base: OneCBase) -> None:
        self.owner = owner
        self.base = base
        self.subject = f"{owner.subject} · base {base.id_base}"

    async def run(self) -> list[Check]:
        """The base's lines in order."""
        account_id, id_base = self.owner.account.id, self.base.id_base
        history = {way: await last_calls(account_id, id_base, way) for way in (Direction.FROM_1C, Direction.TO_1C)}
        address = await self._address()
        checks = [address]
        version: str | None = None
        if address.passed:
            reached, version = await self._reach()
            checks.append(reached)
        else:
            checks.append(not_run(f"{self.subject} · 1C", "its address is not allowed"))
        checks.append(await self._handlers(version))
        checks.append(self._calls("calls from 1C", history[Direction.FROM_1C]))
        checks.append(self._calls("calls to 1C", history[Direction.TO_1C]))
        return checks

    async def _address(self) -> Check:
        subject = f"{self.subject} · address"
        settings = self.owner.domain.settings
        if self.base.awaiting_change:
            return failed(
                subject,
                "a changed address or login awaits the account admin's approval: nothing is sent to this base",
                "Approve or reject the change on the account's «Базы 1С» settings tab.",
            )
        try:
            await bounded(check_address(self.base.web_address, allow_private=settings.onec_allow_private))
        except (OneCUnreachable, TimeoutError) as exc:
            return failed(
                subject,
                f"{self.base.web_address} does not resolve: {describe(exc)}",
                "Check the server name in the base's address on the «Базы 1С» tab and this host's DNS.",
            )
        except (InvalidInput, OneCError) as exc:
            return failed(
                subject,
                f"{self.base.web_address} is not allowed: {describe(exc)}",
                "Correct the base's address on the «Базы 1С» tab (or set AMO1C_ONEC_ALLOW_PRIVATE=true for 1C inside "
                "your network).",
            )
        return passed(subject, f"{self.base.web_address} allowed")

    async def _reach(self) -> tuple[Check, str | None]:
        subject = f"{self.subject} · 1C"
        try:
            version = await bounded(self.owner.workspace.bases.live_version(self.base))
        except (OneCError, TimeoutError) as exc:
            return failed(subject, f"does not answer get_handlers_version: {describe(exc)}", _onec_advice(exc)), None
        return passed(subject, f"answers (handlers version {version})"), version

    async def _handlers(self, version: str | None) -> Check:
        subject = f"{self.subject} · handlers"
        latest = (await self.owner.workspace.bases.item(self.base)).latest_version
        if version is None:
            return not_run(subject, "1C did not say its version")
        if latest is None:
            return passed(subject, f"1C runs {version}; no package is stored here to compare with")
        if version.strip() != str(latest):
            return failed(
                subject,
                f"1C runs version {version}, the latest stored here is {latest}",
                "Let 1C update its handlers (it downloads them with /update_handlers/get_actual_handlers).",
            )
        return passed(subject, f"1C runs the latest version {latest}")

    def _calls(self, way: str, calls: LastCalls) -> Check:
        subject = f"{self.subject} · {way}"
        if calls.newest is None:
            return passed(subject, "none yet")
        success = f"last success {_when(calls.succeeded.at)}" if calls.succeeded else "none ever succeeded"
        if calls.newest.error is None:
            return passed(subject, f"{success} ({calls.newest.operation})")
        return failed(
            subject,
            f"the newest ({calls.newest.operation}, {_when(calls.newest.at)}) failed: {calls.newest.error}; {success}",
            f"Read that entry in the account's sync log (base {self.base.id_base}) and resend it once the cause is "
            "fixed.",
        )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _onec_advice(exc: BaseException) -> str:
    if isinstance(exc, OneCAuthRefused):
        return "Set the base's login and password (param1/param2) to the 1C user's on the «Базы 1С» tab."
    if isinstance(exc, OneCUnreachable | TimeoutError):
        return "Check that the 1C web server publishing this base runs and that this host reaches it."
    return "Check the base's HTTP service in 1C: the sync log keeps 1C's answer."
