"""Authorization codes and token pairs of the fake, with amoCRM's lifetimes and single-use rules."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import jwt

CODE_TTL_SECONDS = 20 * 60
REFRESH_TTL_SECONDS = 90 * 24 * 3600
SCOPES = ["crm", "files", "files_delete", "notifications", "push_notifications"]


class TokenError(Exception):
    """Raised when a code or refresh token cannot be exchanged; carries the status and OAuth hint."""

    def __init__(self, status: int, hint: str) -> None:
        super().__init__(hint)
        self.status = status
        self.hint = hint


@dataclass
class AuthCode:
    """An authorization code: valid for 20 minutes, exchangeable once."""

    code: str
    account_id: int
    user_id: int
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    """One access/refresh token pair issued to an account."""

    account_id: int
    user_id: int
    access_token: str
    refresh_token: str
    access_expires_at: float
    refresh_expires_at: float
    access_revoked: bool = False
    refresh_used: bool = False

    def access_valid(self, now: float) -> bool:
        """Whether the access token may still be used at wall-clock time now."""
        return not self.access_revoked and now < self.access_expires_at


class TokenStore:
    """Owns every code and token pair the fake issued, across all accounts."""

    def __init__(
        self,
        client_id: str,
        wall_clock: Callable[[], float],
        access_token_ttl: int,
        refresh_token_ttl: int = REFRESH_TTL_SECONDS,
    ) -> None:
        self.client_id = client_id
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self._wall_clock = wall_clock
        self._signing_key = secrets.token_hex(32)
        self.codes: dict[str, AuthCode] = {}
        self.by_access: dict[str, Grant] = {}
        self.by_refresh: dict[str, Grant] = {}

    def issue_code(self, account_id: int, user_id: int) -> str:
        """Create an authorization code for a user of an account."""
        code = "def50200" + secrets.token_hex(48)
        expires_at = self._wall_clock() + CODE_TTL_SECONDS
        self.codes[code] = AuthCode(code, account_id, user_id, expires_at)
        return code

    def exchange_code(self, code: str) -> Grant:
        """Spend an authorization code on a new pair; raises TokenError if it is unknown, used or expired."""
        found = self.codes.get(code)
        if found is None:
            raise TokenError(400, "Cannot decrypt the authorization code")
        if found.used:
            raise TokenError(400, "Authorization code has been revoked")
        if self._wall_clock() >= found.expires_at:
            raise TokenError(400, "Authorization code has expired")
        found.used = True
        return self._issue(found.account_id, found.user_id, "authorization_code")

    def peek_refresh(self, refresh_token: str) -> Grant | None:
        """Return the pair a refresh token belongs to without spending it, or None."""
        return self.by_refresh.get(refresh_token)

    def refresh(self, refresh_token: str) -> Grant:
        """Spend a refresh token on a new pair, voiding the old pair; raises TokenError if not usable."""
        old = self.by_refresh.get(refresh_token)
        if old is None:
            raise TokenError(400, "Cannot decrypt the refresh token")
        if old.refresh_used:
            raise TokenError(401, "Token has been revoked")
        if self._wall_clock() >= old.refresh_expires_at:
            raise TokenError(401, "Token has expired")
        old.refresh_used = True
        old.access_revoked = True
        return self._issue(old.account_id, old.user_id, "refresh_token")

    def resolve(self, access_token: str) -> Grant | None:
        """Return the pair an access token belongs to (valid or not), or None if it was never issued."""
        return self.by_access.get(access_token)

    def is_valid(self, grant: Grant) -> bool:
        """Whether the pair's access token is usable now."""
        return grant.access_valid(self._wall_clock())

    def expire_access(self, account_id: int) -> int:
        """Make every live access token of an account expired (refresh tokens stay usable); return how many."""
        now = self._wall_clock()
        count = 0
        for grant in self.by_access.values():
            if grant.account_id == account_id and grant.access_valid(now):
                grant.access_expires_at = now
                count += 1
        return count

    def _issue(self, account_id: int, user_id: int, grant_type: str) -> Grant:
        """Mint a new pair; the access token is a JWT with amoCRM's claims so clients can decode account_id."""
        now = self._wall_clock()
        claims = {
            "aud": self.client_id,
            "jti": str(uuid.uuid4()),
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now + self.access_token_ttl),
            "sub": str(user_id),
            "grant_type": grant_type,
            "account_id": account_id,
            "base_domain": "amocrm.ru",
            "version": 2,
            "scopes": SCOPES,
            "hash_uuid": str(uuid.uuid4()),
        }
        access = jwt.encode(claims, self._signing_key, algorithm="HS256")
        grant = Grant(
            account_id=account_id,
            user_id=user_id,
            access_token=access,
            refresh_token="def50200" + secrets.token_hex(96),
            access_expires_at=now + self.access_token_ttl,
            refresh_expires_at=now + self.refresh_token_ttl,
        )
        self.by_access[grant.access_token] = grant
        self.by_refresh[grant.refresh_token] = grant
        return grant
