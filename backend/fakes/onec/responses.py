"""Responses shaped like the ones a published 1C base and the web server in front of it send."""

from __future__ import annotations

import html
import json
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

BOM = b"\xef\xbb\xbf"
JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


def onec_json(data: Any, status: int = 200) -> Response:
    """Return JSON written the way 1C writes it by default: a UTF-8 BOM, then non-ASCII kept as is."""
    body = BOM + json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_TYPE)


def onec_text(message: str, status: int) -> Response:
    """Return a text body from the HTTP-service module (an error or exception text), BOM first."""
    return Response(BOM + message.encode("utf-8"), status_code=status, media_type=TEXT_TYPE)


def platform_text(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """Return a short text answer produced by the platform or web server itself (no BOM)."""
    return Response(message.encode("utf-8"), status_code=status, media_type=TEXT_TYPE, headers=headers)


_PROXY_TEXT = (
    "<p>The proxy server received an invalid response from an upstream server.<br />\n"
    "The proxy server could not handle the request.</p>\n"
)
# Apache's own words when the publication behind it is stopped (the base is offline for a backup or an update).
_UNAVAILABLE_TEXT = (
    "<p>The server is temporarily unable to service your\n"
    "request due to maintenance downtime or capacity\n"
    "problems. Please try again later.</p>\n"
)


def html_error_page(status: int, note: str = "") -> Response:
    """Return the HTML error page a reverse proxy or web server shows instead of 1C's answer (with `note` as its
    first paragraph, when given)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    noted = f"<p>{html.escape(note)}</p>\n" if note else ""
    page = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
        f"<html><head>\n<title>{status} {phrase}</title>\n</head><body>\n"
        f"<h1>{phrase}</h1>\n"
        f"{noted}{_UNAVAILABLE_TEXT if status == 503 else _PROXY_TEXT}"
        "<hr>\n<address>Apache/2.4.58 (Win64) Server at 1c.example.local Port 80</address>\n"
        "</body></html>\n"
    )
    charset = "utf-8" if note else "iso-8859-1"  # Apache's own text is ASCII; a note may not be
    return Response(page.encode("utf-8"), status_code=status, media_type=f"text/html; charset={charset}")
