"""`amo1c doctor`: checks in order whether this installation works, each giving one result line.

Settings valid; the database answering with every migration applied (the rule of /readyz too, db.pending_here);
AMO1C_PUBLIC_URL answering from this host as THIS amo1c (sync.instance); then every installed account, or one
(sync.doctor_accounts). A failed check says what to do in one sentence. Every network check is bounded by a timeout,
and every line has the installation's secrets masked (the checks below never put one in, this is the second lock).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from backend import db
from backend.amocrm import RetryPolicy
from backend.models import Account
from backend.onec import call_timeouts
from backend.redaction import redact
from backend.settings import Settings, SettingsError
from backend.sync.checks import Check, Report, describe, failed, not_run, passed
from backend.sync.doctor_accounts import AccountDoctor
from backend.sync.domain import Domain
from backend.sync.instance import INSTANCE_PATH, new_challenge, proves_instance

CHECK_SECONDS = 30.0  # the most the public URL's check may take, whatever its client's own timeouts
DATABASE_SECONDS = 10.0
PUBLIC_URL_TIMEOUT = httpx.Timeout(5.0)
AMOCRM_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ONEC_SECONDS = 10.0  # AMO1C_ONEC_TIMEOUT when it is shorter
MAX_ACCOUNT_ID = 2**63 - 1


def read_settings(environ: Mapping[str, str]) -> tuple[list[Check], Settings | None]:
    """The settings check (as `amo1c serve` validates them) and the settings, None when invalid; raises nothing."""
    try:
        settings = Settings.from_env(environ, mode="serve")
    except SettingsError as exc:
        return [
            failed("settings", str(exc), "Fix that variable in the server's environment and run doctor again.")
        ], None
    found = f"valid (database {db.masked_url(settings.database_url)}, public URL {settings.public_url})"
    checks = [passed("settings", found)]
    if settings.amocrm_client_id is None:
        checks.append(
            failed(
                "settings",
                "AMO1C_AMOCRM_CLIENT_ID/SECRET are not set: no account can be installed or refresh its tokens",
                "Give them the integration's ID and secret key from amoCRM.",
            )
        )
    return checks, settings


class Doctor:
    """Runs the checks after the settings for one installation; transports are injectable (tests put the fakes and
    the app behind them). Raises nothing: every failure is a ✗ line."""

    def __init__(
        self,
        settings: Settings,
        *,
        amocrm_transport: httpx.AsyncBaseTransport | None = None,
        onec_transport: httpx.AsyncBaseTransport | None = None,
        public_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings.with_overrides(onec_timeout=min(settings.onec_timeout, ONEC_SECONDS))
        self._amocrm_transport = amocrm_transport
        self._onec_transport = onec_transport
        self._public_transport = public_transport
        self._secrets = known_secrets(settings)

    async def run(self, report: Report, *, account_id: int | None = None) -> list[Check]:
        """Run every check in order, handing each line to `report` as soon as it is known; returns them all."""
        checks: list[Check] = []

        def keep(check: Check) -> None:
            check = replace(check, text=redact(check.text, self._secrets), advice=redact(check.advice, self._secrets))
            checks.append(check)
            report(check)

        async with contextlib.AsyncExitStack() as stack:
            database = await self._open_database(stack)
            keep(database)
            migrated = await self._migrations() if database.passed else not_run("migrations", "no database")
            keep(migrated)
            keep(await self._public_url())
            if not migrated.passed:
                keep(not_run("accounts", "the database needs fixing first"))
                return checks
            try:
                await self._accounts(stack, keep, account_id)
            except Exception as exc:  # the database failing midway: say so rather than print a traceback
                keep(failed("doctor", f"stopped: {describe(exc)}", DATABASE_ADVICE))
        return checks

    async def _open_database(self, stack: contextlib.AsyncExitStack) -> Check:
        url = self.settings.database_url
        shown = db.masked_url(url)
        path = db.sqlite_path(url)
        if path is not None and not await asyncio.to_thread(Path(path).is_file):
            return failed("database", f"{shown}: the file does not exist", "Run `amo1c migrate` to create it.")
        try:
            async with asyncio.timeout(DATABASE_SECONDS):
                await stack.enter_async_context(db.isolated_database(url))
                await db.ask_database()
        except TimeoutError:
            return failed("database", f"{shown} does not answer in {DATABASE_SECONDS:g} s", DATABASE_ADVICE)
        except Exception as exc:
            return failed("database", f"{shown} does not answer: {describe(exc)}", DATABASE_ADVICE)
        return passed("database", f"{shown} answers")

    async def _migrations(self) -> Check:
        try:
            async with asyncio.timeout(DATABASE_SECONDS):
                pending = await db.pending_here()
        except Exception as exc:
            return failed("migrations", f"cannot be read: {describe(exc)}", DATABASE_ADVICE)
        if pending:
            names = ", ".join(name.rpartition(".")[2] for name in pending)
            return failed("migrations", f"{len(pending)} not applied ({names})", "Run `amo1c migrate`.")
        return passed("migrations", "all applied")

    async def _public_url(self) -> Check:
        settings = self.settings
        subject = "AMO1C_PUBLIC_URL"
        challenge = new_challenge()
        url = settings.public_url.rstrip("/") + INSTANCE_PATH
        try:
            async with (
                asyncio.timeout(CHECK_SECONDS),
                httpx.AsyncClient(transport=self._public_transport, timeout=PUBLIC_URL_TIMEOUT) as http,
            ):
                response = await http.get(url, params={"challenge": challenge}, follow_redirects=False)
                answer = _proof(response)
        except (TimeoutError, httpx.HTTPError) as exc:
            return failed(
                subject,
                f"{settings.public_url} does not answer from this host ({describe(exc)})",
                "Check that `amo1c serve` runs behind that address and that its DNS, proxy and TLS reach it from here.",
            )
        if answer is not None and proves_instance(answer, settings.secret_key, settings.public_origin, challenge):
            return passed(subject, f"{settings.public_url} is this amo1c (widget tokens' aud {settings.public_origin})")
        what = f"answered {response.status_code}" if answer is None else "answered with another instance's proof"
        return failed(
            subject,
            f"{settings.public_url} is not this amo1c: {urlsplit(url).path} {what}",
            "Point AMO1C_PUBLIC_URL (and the proxy in front) at this amo1c, or run doctor with the server's "
            "AMO1C_SECRET_KEY and AMO1C_PUBLIC_URL.",
        )

    async def _accounts(self, stack: contextlib.AsyncExitStack, keep: Report, account_id: int | None) -> None:
        if account_id is not None:
            known = 0 < account_id <= MAX_ACCOUNT_ID  # a bigint column: anything else is no account's id
            account = await Account.get_or_none(id=account_id) if known else None
            if account is None:
                keep(
                    failed(
                        f"account {account_id}",
                        "not installed in this amo1c",
                        "Check the id (amoCRM's account id), or run doctor without --account to check every account.",
                    )
                )
                return
            accounts = [account]
        else:
            accounts = await Account.filter(active=True).order_by("id")
            if not accounts:
                keep(passed("accounts", "none installed yet"))
                return
        domain = await stack.enter_async_context(self._domain())
        for account in accounts:
            await AccountDoctor(domain, account, keep).run()

    @contextlib.asynccontextmanager
    async def _domain(self) -> AsyncIterator[Domain]:
        async with (
            httpx.AsyncClient(transport=self._amocrm_transport, timeout=AMOCRM_TIMEOUT) as amocrm_http,
            httpx.AsyncClient(
                transport=self._onec_transport, timeout=call_timeouts(self.settings.onec_timeout)
            ) as onec_http,
        ):
            # One attempt: the doctor reports what it sees rather than waiting out retries.
            domain = Domain.assemble(self.settings, amocrm_http, onec_http, amocrm_retry=RetryPolicy(attempts=1))
            try:
                yield domain
            finally:
                await domain.sync_log.close()


DATABASE_ADVICE = "Check AMO1C_DATABASE_URL and that the database server runs and lets this host in."


def _proof(response: httpx.Response) -> str | None:
    """The proof a 200 JSON answer carries, or None."""
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    proof = body.get("proof") if isinstance(body, dict) else None
    return proof if isinstance(proof, str) else None


def known_secrets(settings: Settings) -> list[str]:
    """The installation's secrets no line may show: the secret key, the OAuth client secret, the operator's password
    and the database password."""
    candidates: Iterable[str | None] = (
        settings.secret_key,
        settings.amocrm_client_secret,
        settings.admin_password,
        urlsplit(settings.database_url).password,
    )
    return [secret for secret in candidates if secret]
