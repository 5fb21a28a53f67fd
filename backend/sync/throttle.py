"""Failed logins counted per base (or the operator) and client address, in the database so every worker sees them.

After MAX_FAILURES failures within WINDOW, every attempt from that address for that base is refused until the
window ends, the right password included (otherwise the answer would still tell a right guess from a wrong one).
Another address, the base's own 1C among them, is not affected.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend.models import LoginThrottle
from backend.sync.errors import TooManyAttempts

MAX_FAILURES = 10
WINDOW = timedelta(minutes=1)
SWEEP_CHANCE = 0.01  # share of failures that also delete windows over an hour old


def base_scope(account_id: int, id_base: str) -> str:
    """The throttle scope of one base of an account."""
    return f"base:{account_id}:{id_base}"[:200]


OPERATOR_SCOPE = "operator"


async def check_attempt(scope: str, client: str, now: datetime | None = None) -> None:
    """Raise TooManyAttempts when `client` failed MAX_FAILURES times for `scope` in the current window."""
    refuse_if_throttled(await LoginThrottle.get_or_none(scope=scope, client=client[:64]), client, now)


def refuse_if_throttled(row: LoginThrottle | None, client: str, now: datetime | None = None) -> None:
    """Raise TooManyAttempts when `row` (the client's failures for a scope, read by the caller) still refuses it."""
    if row is None or row.failures < MAX_FAILURES:
        return
    now = now or datetime.now(UTC)
    ends = row.window_start + WINDOW
    if ends <= now:
        return
    wait = max(1, math.ceil((ends - now).total_seconds()))
    raise TooManyAttempts(
        f"слишком много неудачных попыток входа с адреса {client}: повторите через {wait} с", retry_after=wait
    )


async def record_failure(scope: str, client: str, now: datetime | None = None) -> None:
    """Count one failed login of `client` for `scope`, opening a new window when the last one ended."""
    now = now or datetime.now(UTC)
    client = client[:64]
    counted = await LoginThrottle.filter(scope=scope, client=client, window_start__gt=now - WINDOW).update(
        failures=F("failures") + 1
    )
    if counted:
        return
    reopened = await LoginThrottle.filter(scope=scope, client=client).update(window_start=now, failures=1)
    if not reopened:
        try:
            await LoginThrottle.create(scope=scope, client=client, window_start=now, failures=1)
        except IntegrityError:  # another worker opened it a moment ago: count in its window
            await LoginThrottle.filter(scope=scope, client=client).update(failures=F("failures") + 1)
    if random.random() < SWEEP_CHANCE:
        await LoginThrottle.filter(window_start__lt=now - timedelta(hours=1)).delete()
