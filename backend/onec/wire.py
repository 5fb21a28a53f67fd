"""What every request to 1C carries and how any answer is read: headers, BOM-tolerant bodies, error texts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

from backend.onec.errors import OneCAuthRefused, OneCBadAnswer, OneCError, OneCFailed, clip

USER_AGENT = "amo1c/0.1"
SESSION_TIMEOUT = "Истекло время ожидания сеанса"
EXCERPT_CHARS = 200


def basic_credential(login: str, password: str) -> str:
    """Return the Basic Auth credential, `login:password` in base64 of UTF-8; raises nothing.

    httpx's `auth=(login, password)` encodes latin-1, which cannot carry the Cyrillic logins 1C bases use.
    """
    return base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


def known_secrets(login: str, password: str) -> tuple[str, str]:
    """Return what 1C could echo of a base's credentials: the password and the Basic credential; raises nothing."""
    return password, basic_credential(login, password)


def request_headers(login: str, password: str) -> dict[str, str]:
    """Return the headers of a call: JSON both ways and Basic Auth encoded as UTF-8; raises nothing."""
    return {
        "Accept": "application/json",
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Basic {basic_credential(login, password)}",
        "User-Agent": USER_AGENT,
    }


def request_body(payload: dict[str, Any]) -> bytes:
    """Return the payload as UTF-8 JSON with non-ASCII kept as is (1C reads it that way); raises nothing."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def excerpt(raw: bytes, secrets: Iterable[str] = (), limit: int = EXCERPT_CHARS) -> str:
    """Return the start of a body as one line of text (BOM dropped, bad bytes replaced, secrets masked).

    Raises nothing.
    """
    return clip(raw[: limit * 4].decode("utf-8-sig", "replace"), limit, secrets)


def parse_answer(raw: bytes, where: str, secrets: Iterable[str] = ()) -> Any:
    """Return the JSON of a 200 answer (a UTF-8 BOM tolerated), None for an empty body or `null`.

    Raises OneCBadAnswer, its excerpt with `secrets` masked, when the body is not UTF-8 or not JSON.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        detail = excerpt(raw, secrets)
        raise OneCBadAnswer(f"1С ответила на {where} не в кодировке UTF-8", status=200, detail=detail) from None
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        detail = excerpt(raw, secrets)
        raise OneCBadAnswer(f"1С ответила на {where} не в формате JSON", status=200, detail=detail) from None


class _TextOfHtml(HTMLParser):
    """Collects a page's title and its visible text, skipping scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self._inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "script", "style"):
            self._inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def handle_data(self, data: str) -> None:
        if not self._inside:
            self.text.append(data)
        elif self._inside[-1] == "title":
            self.title.append(data)


def _looks_like_html(text: str, content_type: str) -> bool:
    """Return whether a body is an HTML page (by its type or its first characters)."""
    start = text.lstrip()[:100].lower()
    return "html" in content_type.lower() or start.startswith(("<!doctype html", "<html"))


def answer_text(raw: bytes, content_type: str, secrets: Iterable[str] = ()) -> str:
    """Return an error answer's own words on one line: BOM dropped, an HTML page reduced to title and text.

    `secrets` and anything credential- or token-shaped are masked before the text is cut. Raises nothing; the
    result is clipped to MAX_DETAIL_CHARS.
    """
    text = raw.decode("utf-8-sig", "replace")
    if _looks_like_html(text, content_type):
        page = _TextOfHtml()
        page.feed(text)
        page.close()
        title = clip(" ".join(page.title), secrets=secrets)
        body = clip(" ".join(page.text), secrets=secrets)
        text = f"{title}: {body}" if title and body else title or body
    return clip(text, secrets=secrets)


def status_error(status: int, raw: bytes, content_type: str, host: str, secrets: Iterable[str] = ()) -> OneCError:
    """Return the OneCError a non-200 answer stands for, keeping 1C's text (`secrets` masked) in `detail`.

    Raises nothing.
    """
    detail = answer_text(raw, content_type, secrets)
    said = f": {detail}" if detail else ""
    web_page = _looks_like_html(raw[:200].decode("utf-8-sig", "replace"), content_type)
    if status in (401, 403):
        verb = "не приняла логин и пароль" if status == 401 else "запретила доступ пользователю"
        return OneCAuthRefused(
            f"1С ({host}) {verb} ({status}): проверьте логин и пароль базы (param1/param2) и права "
            "пользователя на HTTP-сервис",
            status=status,
            detail=detail,
            web_page=web_page,
        )
    if status == 404:
        return OneCFailed(
            f"1С ({host}) ответила 404: база не опубликована на веб-сервере или адрес HTTP-сервиса "
            f"(web_address) указан неверно{said}",
            status=status,
            detail=detail,
            web_page=web_page,
        )
    if status == 406 and SESSION_TIMEOUT.lower() in detail.lower():
        return OneCFailed(
            f"1С ({host}) ответила 406 «{SESSION_TIMEOUT}»: сеанс публикации устарел, обычно после "
            "обновления конфигурации; повторите попытку, а если ошибка повторяется — перезапустите "
            "веб-сервер публикации 1С",
            status=status,
            detail=detail,
            web_page=web_page,
        )
    if 300 <= status < 400:
        return OneCFailed(
            f"1С ({host}) ответила перенаправлением {status}: укажите в web_address конечный адрес "
            "HTTP-сервиса (перенаправления не выполняются)",
            status=status,
            detail=detail,
            web_page=web_page,
        )
    if status < 300:
        return OneCFailed(
            f"1С ({host}) ответила кодом {status} вместо 200{said}", status=status, detail=detail, web_page=web_page
        )
    return OneCFailed(f"1С ({host}) ответила ошибкой {status}{said}", status=status, detail=detail, web_page=web_page)
