"""What workers must share, and where it lives: the per-account amoCRM request budget, the stored token pairs
with their refresh lock, and who sends which outbox intent. On PostgreSQL in the database (several workers share
one account), on SQLite in this process (one process by design). The choice is made once, by `coordination`, where
the app is assembled.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend import db
from backend.amocrm import LocalRequestBudget, RequestBudget
from backend.crypto import SecretBox
from backend.settings import Settings
from backend.store.budget import DatabaseRequestBudget
from backend.store.claims import IntentClaims, LocalClaims, PostgresClaims
from backend.store.locks import AdvisoryLocks
from backend.store.tokens import DatabaseTokenStore

REFRESH_LOCKS = 0x616D6F31  # "amo1" — the advisory lock namespace of token refreshes


@dataclass(frozen=True)
class Coordination:
    """The request budget and the token store every amoCRM client of this process uses."""

    budget: RequestBudget
    tokens: DatabaseTokenStore
    claims: IntentClaims


def coordination(settings: Settings, secrets: SecretBox, *, budget: RequestBudget | None = None) -> Coordination:
    """The shared pieces for the database in `settings`; `budget` replaces the default one (tests, benchmarks)."""
    if db.is_postgres(settings.database_url):
        return Coordination(
            budget or DatabaseRequestBudget(settings.amocrm_rps),
            DatabaseTokenStore(secrets, AdvisoryLocks(settings.database_url, REFRESH_LOCKS)),
            PostgresClaims(),
        )
    return Coordination(budget or LocalRequestBudget(settings.amocrm_rps), DatabaseTokenStore(secrets), LocalClaims())


__all__ = [
    "REFRESH_LOCKS",
    "AdvisoryLocks",
    "Coordination",
    "DatabaseRequestBudget",
    "DatabaseTokenStore",
    "coordination",
]
