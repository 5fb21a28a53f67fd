"""The per-account amoCRM request budget shared by every worker on one PostgreSQL database.

LocalRequestBudget's reservation (`start = max(now, next start)`, then `next start = start + 1/rps`) done by one
statement on the account's `request_budget` row: the row lock orders concurrent callers of all workers, and the
database's clock is the only one used, so workers on hosts whose clocks differ still keep to the budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tortoise import Tortoise

from backend.amocrm import LocalRequestBudget, RequestBudget

logger = logging.getLogger("amo1c.budget")

# $1 account id, $2 seconds between two starts; answers how long to wait for the reserved start.
RESERVE_START = """
INSERT INTO "request_budget" AS slot ("account_id", "next_start")
VALUES ($1, clock_timestamp() + make_interval(secs => $2))
ON CONFLICT ("account_id") DO UPDATE
SET "next_start" = GREATEST(slot."next_start", clock_timestamp()) + make_interval(secs => $2)
RETURNING EXTRACT(EPOCH FROM slot."next_start" - clock_timestamp())::float8 - $2 AS "wait"
"""


class DatabaseRequestBudget:
    """Per-account pacing across processes: request starts at least 1/rps seconds apart for all workers together.

    PostgreSQL only. When the database cannot be asked, the request is paced by this process alone (logged), so a
    database hiccup slows nothing down more than it must. Raises ValueError for a non-positive rps, else nothing.
    """

    def __init__(
        self,
        rps: float,
        *,
        connection_name: str = "default",
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._local: RequestBudget = LocalRequestBudget(rps)  # validates rps
        self.rps = rps
        self._interval = 1.0 / rps
        self._connection_name = connection_name
        self._sleep = sleep

    async def acquire(self, account_id: int) -> None:
        """Reserve the account's next start in the database and sleep until it; raises nothing but cancellation."""
        try:
            connection = Tortoise.get_connection(self._connection_name)
            rows = await connection.execute_query_dict(RESERVE_START, [account_id, self._interval])
            wait = float(rows[0]["wait"])
        except Exception:
            logger.exception("request budget of account %s not reserved in the database: pacing locally", account_id)
            await self._local.acquire(account_id)
            return
        if wait > 0:
            await self._sleep(wait)
