"""POST /ui/session: the widget trades amoCRM's one-time X-Auth-Token for a UI token (CORS for amoCRM only)."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.pages import Lang
from backend.sync.domain import Domain
from backend.sync.errors import AccessDenied, AuthenticationRequired
from backend.sync.widget_tokens import admit_widget_token
from backend.ui.errors import describe
from backend.ui.origins import origin_allowed
from backend.ui.tokens import UISession, tokens_of

ALLOWED_HEADERS = "X-Auth-Token, Content-Type"
CLOCK_LEEWAY = 30  # seconds of clock difference tolerated between amoCRM and this server
REQUIRED_CLAIMS = ["exp", "nbf", "jti", "aud", "account_id", "user_id"]


class WidgetTokenError(Exception):
    """amoCRM's widget token is refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def session(request: Request) -> Response:
    """Check the X-Auth-Token JWT and answer {"token", "expires_in"}; preflights get the CORS answer."""
    services: Domain = request.app.state.domain
    origin = request.headers.get("origin")
    extra = services.settings.widget_origins
    if origin is not None and not origin_allowed(origin, extra):
        return JSONResponse({"error": "origin not allowed"}, status_code=403)
    cors = _cors_headers(origin) if origin is not None else {}
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=cors)
    try:
        ui_session = await verify_widget_token(services, request.headers.get("x-auth-token"), request)
    except WidgetTokenError as exc:
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=cors)
    token = tokens_of(request).issue(ui_session)
    return JSONResponse({"token": token, "expires_in": tokens_of(request).ttl}, headers=cors)


async def verify_widget_token(services: Domain, token: str | None, request: Request) -> UISession:
    """The UI session a valid, unused widget token stands for; raises WidgetTokenError."""
    settings = services.settings
    if not token:
        raise WidgetTokenError(401, "no X-Auth-Token")
    if settings.amocrm_client_secret is None:
        raise WidgetTokenError(503, "AMO1C_AMOCRM_CLIENT_SECRET is not configured")
    try:
        claims = jwt.decode(
            token,
            settings.amocrm_client_secret,
            algorithms=["HS256"],
            audience=settings.public_origin,
            leeway=CLOCK_LEEWAY,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise WidgetTokenError(401, "widget token expired") from None
    except jwt.ImmatureSignatureError:
        raise WidgetTokenError(401, "widget token not yet valid") from None
    except jwt.InvalidAudienceError:
        raise WidgetTokenError(401, "widget token is for another backend (aud)") from None
    except jwt.InvalidTokenError:
        raise WidgetTokenError(401, "widget token is invalid") from None
    account_id, user_id = claims["account_id"], claims["user_id"]
    if not (_is_id(account_id) and _is_id(user_id)):
        raise WidgetTokenError(401, "widget token has malformed ids: account_id and user_id must be JSON integers")
    if not isinstance(claims.get("is_admin", False), bool):
        raise WidgetTokenError(401, "widget token has a malformed is_admin: it must be JSON true or false")
    jti = str(claims["jti"])
    if not jti or len(jti) > 128 or "\x00" in jti:
        raise WidgetTokenError(401, "widget token has a malformed jti")
    lang: Lang = "en" if request.query_params.get("lang") == "en" else "ru"
    expires_at = datetime.fromtimestamp(int(claims["exp"]) + CLOCK_LEEWAY, UTC)
    try:
        installation = await admit_widget_token(account_id, jti, expires_at)
    except (AccessDenied, AuthenticationRequired) as exc:
        raise WidgetTokenError(*describe(exc, lang)) from None
    return UISession(account_id, user_id, claims.get("is_admin") is True, lang, installation)


def _is_id(value: object) -> bool:
    """Whether a claim is an amoCRM id as amoCRM writes it: a JSON integer (not a bool, string or float)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


routes = [Route("/ui/session", session, methods=["POST", "OPTIONS"])]
