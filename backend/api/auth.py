"""Reading Basic Auth credentials from a request (1C sends its login and password this way)."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from backend.sync.credentials import Credentials


def basic_credentials(request: Request) -> Credentials | None:
    """The Basic Auth login and password of the request, or None when absent or malformed.

    1C encodes Cyrillic logins as UTF-8; older clients use Latin-1, tried second.
    """
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    login, separator, password = text.partition(":")
    if not separator:
        return None
    return Credentials(login=login, password=password)
