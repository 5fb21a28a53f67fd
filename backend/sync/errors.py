"""The errors domain services raise; `backend/api/` turns each into an HTTP status inside the envelope."""

from __future__ import annotations


class SyncError(Exception):
    """Base of the sync domain errors; the message is shown to 1C as the envelope's `error`."""


class InvalidInput(SyncError):
    """A field of the request is missing or malformed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AuthenticationRequired(SyncError):
    """The call lacks valid Basic Auth credentials for what it names."""


class AccessDenied(SyncError):
    """The call is authenticated or anonymous but not allowed: base not linked, endpoint disabled."""


class NotFound(SyncError):
    """What the caller names does not exist in its account (another account's row is "not found" too)."""


class UnknownAccount(NotFound):
    """The `key` names no amoCRM account that installed the integration."""


class Conflict(SyncError):
    """The call contradicts stored state (e.g. an id_1c already linked to another amoCRM entity)."""


class AwaitingApproval(AccessDenied):
    """The base asked to be linked, or to change its address or login, and an admin of the account has not decided."""


class TooManyAttempts(SyncError):
    """Too many failed logins from one client address; `retry_after` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestReplaced(Conflict):
    """A link request changed after the admin saw it: the approval is refused, the new request must be read."""


class TooMany(SyncError):
    """The call would store more of something than amo1c keeps (e.g. correspondence rows); `limit` is the bound."""

    def __init__(self, limit: int, message: str) -> None:
        super().__init__(message)
        self.limit = limit
