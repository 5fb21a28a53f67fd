"""A small web app imitating amoCRM around the built widget, for the browser tests.

It serves, from its own origin (not amo1c's):
- /assets/{file}: the vendored jQuery and RequireJS, and amocrm.js, the imitation of amoCRM's widget runtime;
- /widgets/{build}/{file}: the files of a built widget.zip (each build has its own backend URL baked in);
- /jwt?account_id=&user_id=&is_admin=&forged=: a fresh one-time widget token signed the way amoCRM signs it
  (with forged=1, signed with a key that is not the client secret);
- /card/{entity}/{id}?account_id=&user_id=&is_admin=&build=&lang=: a lead, contact or company card page;
- /advanced-settings?…(same parameters): the widget's advanced settings page (#work-area-{code}).

A page loads RequireJS and amocrm.js with the page's data in `window.AMO1C_HARNESS`; amocrm.js defines APP/AMOCRM,
loads the widget's script.js as an AMD module, gives the instance what amoCRM gives a widget and runs its callbacks.
"""

from __future__ import annotations

import html
import io
import json
import mimetypes
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
JQUERY_FILE = "jquery-3.8.0.min.js"
REQUIREJS_FILE = "require-2.3.8.js"
RUNTIME_FILE = "amocrm.js"
WIDGET_CODE = "amo1c"
SUBDOMAIN = "shop"
CARD_AREAS = {"leads": "lcard", "contacts": "ccard", "companies": "comcard"}
CARD_TITLES = {"leads": "Сделка", "contacts": "Контакт", "companies": "Компания"}
DEFAULT_USER_ID = 7001

# (account_id, user_id, is_admin) -> a signed widget token
SignWidgetToken = Callable[[int, int, bool, bool], str]  # account, user, admin, forged (signed with a wrong key)


def read_widget_zip(path: Path) -> dict[str, bytes]:
    """Every member of a built widget.zip by its archive name."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def create_harness(builds: Mapping[str, Mapping[str, bytes]], sign_widget_token: SignWidgetToken) -> Starlette:
    """The imitation app; `builds` maps a build name (the pages' `build` parameter) to its widget.zip members."""

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        path = ASSETS_DIR / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return Response("no such asset", status_code=404, media_type="text/plain")
        return Response(path.read_bytes(), media_type=_media_type(name))

    async def widget_file(request: Request) -> Response:
        files = builds.get(request.path_params["build"])
        name = request.path_params["name"]
        if files is None or name not in files:
            return Response("no such widget file", status_code=404, media_type="text/plain")
        return Response(files[name], media_type=_media_type(name), headers={"Cache-Control": "no-store"})

    async def jwt(request: Request) -> Response:
        params = request.query_params
        token = sign_widget_token(
            int(params["account_id"]),
            int(params.get("user_id", DEFAULT_USER_ID)),
            params.get("is_admin") == "1",
            params.get("forged") == "1",
        )
        return JSONResponse({"token": token}, headers={"Cache-Control": "no-store"})

    async def card(request: Request) -> Response:
        entity = request.path_params["entity"]
        if entity not in CARD_AREAS:
            return Response("no such card type", status_code=404, media_type="text/plain")
        card_id = int(request.path_params["card_id"])
        return _page(request, builds, area=CARD_AREAS[entity], entity=entity, card_id=card_id)

    async def advanced_settings(request: Request) -> Response:
        return _page(request, builds, area="advanced_settings", entity=None, card_id=None)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/favicon.ico", favicon, methods=["GET"]),
            Route("/assets/{name}", asset, methods=["GET"]),
            Route("/widgets/{build}/{name:path}", widget_file, methods=["GET"]),
            Route("/jwt", jwt, methods=["GET"]),
            Route("/card/{entity}/{card_id:int}", card, methods=["GET"]),
            Route("/advanced-settings", advanced_settings, methods=["GET"]),
        ]
    )


def _media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if name.endswith(".js"):
        return "text/javascript; charset=utf-8"
    if name.endswith(".json"):
        return "application/json"
    return guessed or "application/octet-stream"


def _page(
    request: Request, builds: Mapping[str, Mapping[str, bytes]], *, area: str, entity: str | None, card_id: int | None
) -> Response:
    params = request.query_params
    build = params.get("build", "live")
    if build not in builds:
        return Response("no such widget build", status_code=404, media_type="text/plain")
    lang = "en" if params.get("lang") == "en" else "ru"
    i18n = json.loads(builds[build][f"i18n/{lang}.json"])
    config: dict[str, Any] = {
        "area": area,
        "entity": entity,
        "cardId": card_id,
        "accountId": int(params["account_id"]),
        "userId": int(params.get("user_id", DEFAULT_USER_ID)),
        "isAdmin": params.get("is_admin", "1") == "1",
        "forged": params.get("forged") == "1",
        "lang": lang,
        "subdomain": SUBDOMAIN,
        "widgetCode": WIDGET_CODE,
        "widgetPath": f"/widgets/{build}",
        "jquery": f"/assets/{JQUERY_FILE.removesuffix('.js')}",
        "i18n": i18n,
    }
    if entity is not None:
        title = f"{CARD_TITLES[entity]} #{card_id}"
        main = (
            f'<section class="card-main"><h1>{html.escape(title)}</h1>'
            "<dl><dt>Бюджет</dt><dd>248 900 ₽</dd><dt>Ответственный</dt><dd>Менеджер</dd></dl></section>"
            '<aside id="widgets_block" class="card-widgets"></aside>'
        )
    else:
        title = "Настройки виджета"
        main = f'<section class="settings-main"><h1>{html.escape(title)}</h1><div id="work-area-{WIDGET_CODE}"></div>'
        main += "</section>"
    # json.dumps escapes nothing HTML-special: keep "</script>" and friends out of the inline script.
    config_json = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    page = f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} — amoCRM (imitation)</title>
<style>
  body {{ margin: 0; font: 14px/1.4 sans-serif; background: #f5f5f5; color: #313942; }}
  .top {{ background: #1f2d3d; color: #fff; padding: 10px 16px; }}
  .layout {{ display: flex; gap: 16px; padding: 16px; align-items: flex-start; }}
  .card-main, .settings-main {{ flex: 1; background: #fff; padding: 16px; }}
  .card-widgets {{ width: 360px; }}
  .card-widgets__widget {{ background: #fff; margin-bottom: 12px; border: 1px solid #dbdedf; }}
  .card-widgets__widget-caption {{ padding: 8px 12px; font-weight: bold; border-bottom: 1px solid #dbdedf; }}
  .card-widgets__widget-body {{ padding: 8px 12px; }}
</style>
</head>
<body>
<div class="top">{SUBDOMAIN}.amocrm.ru (imitation)</div>
<div class="layout">{main}</div>
<script>window.AMO1C_HARNESS = {config_json};</script>
<script src="/assets/{REQUIREJS_FILE}"></script>
<script src="/assets/{RUNTIME_FILE}"></script>
</body>
</html>
"""
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
