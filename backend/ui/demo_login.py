"""A sign-in without amoCRM for `amo1c demo` only: opens a card panel or the settings as the demo admin.

The app adds these routes only when Settings.mode is "demo", which only `amo1c demo` sets.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.pages import Lang
from backend.sync.install import first_active_account
from backend.ui.render import error_page
from backend.ui.tokens import UISession, tokens_of

DEMO_ADMIN_USER_ID = 0  # the demo signs in as "the account admin" without a real amoCRM user


async def demo_login(request: Request) -> Response:
    """GET /ui/demo/login?to=/ui/cards/leads/1: a UI token for the demo account, then the page itself."""
    target = request.query_params.get("to", "/ui/settings")
    if not target.startswith("/ui/") or target.startswith("/ui/demo"):
        return error_page(request, 400, "demo sign-in only leads to amo1c's own pages")
    account_id = await first_active_account()
    if account_id is None:
        return error_page(request, 404, "the demo account is not installed yet")
    lang: Lang = "en" if request.query_params.get("lang") == "en" else "ru"
    token = tokens_of(request).issue(UISession(account_id, DEMO_ADMIN_USER_ID, is_admin=True, lang=lang))
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}{urlencode({'token': token})}", status_code=302)


routes = [Route("/ui/demo/login", demo_login, methods=["GET"])]
