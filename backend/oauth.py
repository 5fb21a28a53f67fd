"""amoCRM install and disconnect: the OAuth button flow, the install callback and the disconnect hook."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.amocrm.errors import AmoCRMAuthError, AmoCRMError, AmoCRMUnreachable
from backend.pages import render
from backend.sync.domain import Domain
from backend.sync.errors import InvalidInput
from backend.sync.install import disconnect, install
from backend.sync.subscriptions import subscribe
from backend.ui.errors import Problem, describe

logger = logging.getLogger("amo1c.oauth")

STATE_COOKIE = "amo1c_oauth_state"
STATE_TTL = 20 * 60  # an authorization code lives 20 minutes; the state no longer than that
AUTHORIZE_URLS = {"amocrm": "https://www.amocrm.ru/oauth", "kommo": "https://www.kommo.com/oauth"}


def _state_signer(services: Domain) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.settings.secret_key, salt="amo1c.oauth-state.v1")


async def start_install(request: Request) -> Response:
    """GET /oauth/install: send the admin to amoCRM's consent page with a state bound to this browser."""
    services: Domain = request.app.state.domain
    client_id = services.settings.amocrm_client_id
    if client_id is None:
        return _result(request, 503, "AMO1C_AMOCRM_CLIENT_ID не задан на сервере amo1c: установка невозможна.")
    platform = "kommo" if request.query_params.get("platform") == "kommo" else "amocrm"
    state = secrets.token_urlsafe(24)
    url = f"{AUTHORIZE_URLS[platform]}?{urlencode({'client_id': client_id, 'state': state})}"
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        _state_signer(services).dumps(state),
        max_age=STATE_TTL,
        httponly=True,
        secure=services.settings.public_url.startswith("https://"),
        samesite="lax",
        path="/oauth",
    )
    return response


async def callback(request: Request) -> Response:
    """GET /oauth/callback: exchange amoCRM's code, store the account and its tokens, show the outcome."""
    services: Domain = request.app.state.domain
    params = request.query_params
    if params.get("error"):
        return _result(request, 400, "Доступ не предоставлен в amoCRM: интеграция не установлена.")
    code, referer = params.get("code"), params.get("referer")
    if not code or not referer:
        return _result(request, 400, "В запросе от amoCRM нет параметров code и referer.")
    if "from_widget" not in params and not _state_matches(request, services, params.get("state")):
        return _result(
            request, 400, "Ссылка установки устарела или открыта в другом браузере: начните установку заново."
        )
    try:
        account = await install(
            services.amocrm_http,
            referer=referer,
            code=code,
            credentials=services.amocrm.credentials,
            base_url=services.settings.amocrm_base_url,
            secrets=services.secrets,
        )
    except InvalidInput as exc:
        return _result(request, 400, str(exc))
    except AmoCRMAuthError as exc:
        return _result(request, 400, _told("amoCRM не приняла код установки: начните установку заново.", exc))
    except AmoCRMUnreachable as exc:
        return _result(
            request, 502, _told("amoCRM сейчас недоступна: установите интеграцию через несколько минут.", exc)
        )
    except AmoCRMError as exc:
        return _result(
            request, 502, _told("amoCRM ответила ошибкой, интеграция не установлена: попробуйте ещё раз.", exc)
        )
    logger.info("installed in amoCRM account %s (%s)", account.id, account.subdomain)
    # webhooks feed the triggers; a refusal is kept for the settings page, the install stands
    await subscribe(services.amocrm.for_account(account), services.settings.public_url)
    response = _result(
        request,
        200,
        f"amo1c подключён к аккаунту amoCRM «{account.name or account.subdomain}» ({account.id}).",
        ok=True,
    )
    response.delete_cookie(STATE_COOKIE, path="/oauth")
    return response


def _told(sentence: str, exc: AmoCRMError) -> Problem:
    """What the installing admin reads about amoCRM refusing: the sentence, amoCRM's own text under «Подробнее»."""
    return Problem(sentence, describe(exc, "ru")[1].detail)


async def disconnect_hook(request: Request) -> Response:
    """GET /oauth/disconnect: amoCRM says the integration was disconnected; a forged call changes nothing."""
    services: Domain = request.app.state.domain
    settings = services.settings
    if settings.amocrm_client_id is None or settings.amocrm_client_secret is None:
        return JSONResponse({"error": "OAuth credentials are not configured"}, status_code=503)
    params = request.query_params
    account_id, client_uuid, signature = (
        params.get("account_id", ""),
        params.get("client_uuid", ""),
        params.get("signature", ""),
    )
    expected = hmac.new(
        settings.amocrm_client_secret.encode(), f"{client_uuid}|{account_id}".encode(), hashlib.sha256
    ).hexdigest()
    uuid_ok = hmac.compare_digest(client_uuid.encode(), settings.amocrm_client_id.encode())
    signature_ok = hmac.compare_digest(signature.lower().encode(), expected.encode())
    if not (uuid_ok and signature_ok) or not account_id.isdigit():
        logger.warning("refused a disconnect call with a wrong signature for account %r", account_id[:20])
        return JSONResponse({"error": "bad signature"}, status_code=403)
    known = await disconnect(int(account_id))
    logger.info("disconnected from amoCRM account %s (known: %s)", account_id, known)
    return JSONResponse({"status": "disconnected" if known else "unknown account"})


def _state_matches(request: Request, services: Domain, state: str | None) -> bool:
    cookie = request.cookies.get(STATE_COOKIE)
    if not state or not cookie:
        return False
    try:
        expected = _state_signer(services).loads(cookie, max_age=STATE_TTL)
    except BadSignature:
        return False
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), state.encode())


def _result(request: Request, status: int, message: str, *, ok: bool = False) -> Response:
    return render(request, "oauth/result.html", {"message": message, "ok": ok}, status=status)


routes = [
    Route("/oauth/install", start_install, methods=["GET"]),
    Route("/oauth/callback", callback, methods=["GET"]),
    Route("/oauth/disconnect", disconnect_hook, methods=["GET"]),
]
