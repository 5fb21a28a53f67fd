"""amoCRM's widget tokens as amo1c accepts them: only for an account where amo1c is installed, each token id once."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from backend.models import UsedWidgetToken
from backend.sync.errors import AccessDenied, AuthenticationRequired
from backend.sync.install import current_installation


async def admit_widget_token(account_id: int, jti: str, expires_at: datetime) -> int:
    """The account's current installation, for a token id (`jti`) never admitted before (kept until
    `expires_at`); raises AccessDenied when amo1c is not installed in the account, AuthenticationRequired when the
    token was used already."""
    installation = await current_installation(account_id)
    if installation is None:
        raise AccessDenied("amo1c is not installed in this amoCRM account")
    try:
        await UsedWidgetToken.create(jti=jti, expires_at=expires_at)
    except IntegrityError:
        raise AuthenticationRequired("widget token already used") from None
    await UsedWidgetToken.filter(expires_at__lt=datetime.now(UTC)).delete()  # indexed, and rare: one per card open
    return installation
