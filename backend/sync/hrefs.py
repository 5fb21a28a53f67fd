"""Which links from 1C (documents, synced objects) and from users (a base's address) may become an `href`.

Only http, https and 1C's own e1c:// links do; a navigation link as 1C's «Получить ссылку» gives it
(`e1cib/data/…?ref=…`) is opened in the base's web client. Anything else — `javascript:`, `data:`, a relative
path — is shown as text, so a base that answers a hostile link cannot run script in amo1c's pages. A `link` that
could never be shown as one is refused where 1C sends it to amo1c (spec 2.3–2.5).
"""

from __future__ import annotations

import re

from backend.sync.errors import InvalidInput

LINK_SCHEMES = frozenset({"http", "https", "e1c"})
WEB_CLIENT_SCHEMES = frozenset({"http", "https"})
NAVIGATION_PREFIX = "e1cib/"
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# C0 controls and DEL: browsers drop tabs and newlines inside a URL (`java\tscript:` runs), so none may remain.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
EDGES = "".join(map(chr, range(0x21))) + "\x7f"  # what browsers trim around a URL (C0 and space), and DEL


def link_href(link: str | None, url_address: str | None = None) -> str | None:
    """The href for `link` (an `e1cib/…` one opened at `url_address`, the base's web client), or None for text."""
    text = _cleaned(link)
    if text is None:
        return None
    if _is_navigation(text):
        web_client = _cleaned(url_address)
        if web_client is None or _scheme(web_client) not in WEB_CLIENT_SCHEMES:
            return None
        return f"{web_client.partition('#')[0]}#{text}"
    return text if _scheme(text) in LINK_SCHEMES else None


def check_link(link: str | None, field: str = "link") -> str | None:
    """`link` as 1C sent it (None when it sent none) when link_href can show it as a link; raises InvalidInput
    naming `field` for one it never would (`javascript:`, a relative path, controls inside)."""
    if link is None:
        return None
    text = _cleaned(link)
    if text is None or not (_is_navigation(text) or _scheme(text) in LINK_SCHEMES):
        raise InvalidInput(
            field,
            f'поле "{field}" должно быть ссылкой http://, https://, e1c:// или навигационной ссылкой 1С (e1cib/…)',
        )
    return link


def _is_navigation(text: str) -> bool:
    """Whether `text` is a navigation link as 1C's «Получить ссылку» gives it, opened in the base's web client."""
    return text[: len(NAVIGATION_PREFIX)].lower() == NAVIGATION_PREFIX


def _cleaned(link: str | None) -> str | None:
    """The link without surrounding whitespace and controls; None when empty or when a control is inside it."""
    text = (link or "").strip(EDGES)
    return text if text and CONTROL.search(text) is None else None


def _scheme(url: str) -> str | None:
    """The URL's scheme in lower case, or None when it has none."""
    found = SCHEME.match(url)
    return found.group(1).lower() if found else None
