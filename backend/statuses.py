"""The HTTP status of every error amo1c's domain and clients raise, by its kind (backend.sync.failures): one rule for
the sync API and the pages, so the same error gets the same status on both (each surface still writes its own
answer)."""

from __future__ import annotations

from types import MappingProxyType

from backend.sync.failures import FailureKind, classify

_K = FailureKind
STATUSES = MappingProxyType(
    {
        _K.INVALID: 400,
        _K.SIGN_IN: 401,
        _K.SLOW_DOWN: 429,
        _K.DENIED: 403,
        _K.AWAITING_APPROVAL: 403,
        _K.NOT_FOUND: 404,
        _K.ENTITY_MISSING: 404,
        _K.CONFLICT: 409,
        _K.TOO_MANY: 413,
        _K.AMOCRM_DOWN: 503,  # retry later
        _K.AMOCRM_BUSY: 503,
        _K.AMOCRM_ACCESS: 502,  # amoCRM refused
        _K.AMOCRM_PAYMENT: 502,
        _K.AMOCRM_BLOCKED: 502,
        _K.AMOCRM_REFUSED: 502,
        _K.ONEC_DOWN: 502,  # 1C refused or could not be reached
        _K.ONEC_WEB_PAGE: 502,
        _K.ONEC_REFUSED: 502,
        _K.ONEC_FAILED: 502,
        _K.ONEC_CREDENTIALS: 502,
        _K.ONEC_BAD_ANSWER: 502,
        _K.ONEC_ADDRESS: 502,
        _K.SESSION_MISSING: 401,
        _K.SESSION_EXPIRED: 401,
        _K.SESSION_REINSTALLED: 401,
    }
)


def status_for(exc: BaseException) -> int | None:
    """The status `exc` is answered with, or None for an error nobody expected (a bug: the surface answers 500)."""
    failure = classify(exc)
    return None if failure is None else STATUSES[failure.kind]
