"""The HTTP status of every error amo1c's domain and clients raise: one table for the sync API and the pages, so the
same error gets the same status on both (each surface still writes its own answer)."""

from __future__ import annotations

from backend.amocrm.errors import AmoCRMError, AmoCRMRateLimited, AmoCRMUnreachable
from backend.onec.errors import OneCError
from backend.sync.errors import (
    AccessDenied,
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    SyncError,
    TooMany,
    TooManyAttempts,
)

# Checked in order: a subclass before its base class.
STATUSES: tuple[tuple[type[Exception] | tuple[type[Exception], ...], int], ...] = (
    (InvalidInput, 400),
    (AuthenticationRequired, 401),
    (TooManyAttempts, 429),
    (AccessDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooMany, 413),
    ((AmoCRMUnreachable, AmoCRMRateLimited), 503),  # retry later
    (AmoCRMError, 502),  # amoCRM refused
    (OneCError, 502),  # 1C refused or could not be reached
    (SyncError, 400),
)


def status_for(exc: BaseException) -> int | None:
    """The status `exc` is answered with, or None for an error nobody expected (a bug: the surface answers 500)."""
    for kinds, status in STATUSES:
        if isinstance(exc, kinds):
            return status
    return None
