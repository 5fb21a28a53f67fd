"""Short-lived UI tokens: who is looking at amo1c's framed pages (account, user, admin), signed with itsdangerous."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request

from backend.pages import Lang
from backend.sync.failures import FailureKind

UI_TOKEN_TTL = 15 * 60  # seconds; the widget renews a frame's token by postMessage before it expires
_SALT = "amo1c.ui-session.v1"


class UITokenError(Exception):
    """A UI token is missing, forged, malformed or expired; `kind` is what the person is told (the session is
    missing or expired), the message says which for the server's own eyes."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class UISession:
    """The person behind a framed page: their amoCRM account and user, whether they are an admin, and language."""

    account_id: int
    user_id: int
    is_admin: bool
    lang: Lang = "ru"
    installation: int = 1  # the account's installation the token was issued under (Account.installation)


class UITokens:
    """Issues and checks UI tokens with the server's secret key."""

    def __init__(self, secret_key: str, ttl: int = UI_TOKEN_TTL) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self.ttl = ttl

    def issue(self, session: UISession) -> str:
        """A token carrying `session`, valid for `ttl` seconds."""
        return self._serializer.dumps(
            {
                "a": session.account_id,
                "u": session.user_id,
                "adm": session.is_admin,
                "l": session.lang,
                "g": session.installation,
            }
        )

    def read(self, token: str | None) -> UISession:
        """The session in a token; raises UITokenError."""
        if not token:
            raise UITokenError(FailureKind.SESSION_MISSING, "no UI token")
        try:
            data = self._serializer.loads(token, max_age=self.ttl)
        except SignatureExpired:
            raise UITokenError(FailureKind.SESSION_EXPIRED, "the UI token expired") from None
        except BadSignature:
            raise UITokenError(FailureKind.SESSION_EXPIRED, "the UI token is forged or malformed") from None
        try:
            lang: Lang = "en" if data.get("l") == "en" else "ru"
            return UISession(int(data["a"]), int(data["u"]), data["adm"] is True, lang, int(data["g"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UITokenError(FailureKind.SESSION_EXPIRED, "the UI token is forged or malformed") from None


def tokens_of(request: Request) -> UITokens:
    """The app's UI token issuer (made where the app is assembled)."""
    tokens: UITokens = request.app.state.ui_tokens
    return tokens
