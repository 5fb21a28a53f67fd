"""The one rule for masking secrets in text amo1c keeps or shows: answers, the sync log, pages, the server log.

What is masked, with ***: known secrets (a base's password, its Basic credential), any `Basic`/`Bearer`
credential, base64url-encoded JSON (JWTs — amoCRM's OAuth tokens, the widget's — and our itsdangerous UI
tokens), any unbroken run of 40+ base64url/hex characters mixing letters and digits (amoCRM refresh tokens,
client secrets) and the values of the query parameters `token` and `code`. Ordinary words, Russian text, host
names and 1C GUIDs (36 characters) stay readable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

MASK = "***"
MIN_SECRET_CHARS = 4  # a shorter known secret would mask ordinary words
ACCESS_LOGGER = "uvicorn.access"

_QUERY_SECRET = re.compile(r"([?&](?:token|code)=)[^&#\s\"'<>]+", re.IGNORECASE)
# RFC 7235 token68 after the scheme; dots only inside so that a sentence's full stop is not taken along.
_CREDENTIAL = re.compile(r"\b(basic|bearer)(\s+)([\w~+/-]+(?:\.[\w~+/-]+)*=*)", re.IGNORECASE | re.ASCII)
# "Basic realm=", "Bearer token", "basic HTTP" are words, not credentials.
_WORD = re.compile(r"[A-Z]+|[A-Za-z][a-z]*")
# '{"' in base64url is "eyJ"; itsdangerous marks a zlib-compressed payload with a leading "." ("eJ" = zlib).
_ENCODED_JSON = re.compile(r"(?:\beyJ|\.eJ)[\w-]{8,}(?:\.[\w-]+){0,2}", re.ASCII)
_LONG_RUN = re.compile(r"[\w-]{40,}", re.ASCII)
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-z]")
# What each rule above needs to match, in one wider net (case-insensitive and Unicode throughout): text without any
# of it is left as it is after one look instead of four — most text, such as Russian names, phones and ids.
_MIGHT_HOLD_SECRETS = re.compile(r"[?&](?:token|code)=|basic|bearer|eyj|\.ej|[\w-]{40,}", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with known `secrets` (of 4+ characters) and every credential- or token-shaped value masked.

    Raises nothing.
    """
    if secrets:
        for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET_CHARS), key=len, reverse=True):
            text = text.replace(secret, MASK)
    return _masked(text) if _MIGHT_HOLD_SECRETS.search(text) else text


def _masked(text: str) -> str:
    text = _QUERY_SECRET.sub(rf"\g<1>{MASK}", text)
    text = _CREDENTIAL.sub(_credential, text)
    text = _ENCODED_JSON.sub(MASK, text)
    return _LONG_RUN.sub(_long_run, text)


def clip(text: str, limit: int, secrets: Iterable[str] = ()) -> str:
    """Return `text` redacted, on one line and cut to `limit` characters (masked before cutting); raises nothing."""
    flat = " ".join(redact(text, secrets).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _credential(match: re.Match[str]) -> str:
    """Mask the credential after Basic/Bearer unless it is an ordinary word."""
    scheme, space, value = match.groups()
    return match.group(0) if _WORD.fullmatch(value.rstrip("=")) else f"{scheme}{space}{MASK}"


def _long_run(match: re.Match[str]) -> str:
    """Mask a long run that mixes letters and digits, as random tokens do; keep long words and numbers."""
    run = match.group(0)
    return MASK if _HAS_DIGIT.search(run) and _HAS_LETTER.search(run) else run


class RedactingFilter(logging.Filter):
    """A handler filter masking secrets in every record's message, arguments and exception text; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place and let it through; raises nothing."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: redact(v) if isinstance(v, str) else v for key, v in record.args.items()}
        # uvicorn's access formatter unpacks the five arguments, so that record keeps its shape (its path, where
        # a UI token or OAuth code travels, was redacted above); any other message is redacted as a whole.
        if record.name != ACCESS_LOGGER:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a broken format string is the handler's to report
                return True
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def redact_server_log() -> None:
    """Attach a RedactingFilter to every logging handler configured so far (root's, uvicorn's, any other).

    Called when the app starts, after uvicorn configured its logging, in every worker; idempotent; raises nothing.
    """
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    handlers = {id(h): h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers}
    if logging.lastResort is not None:
        handlers[id(logging.lastResort)] = logging.lastResort
    for handler in handlers.values():
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(RedactingFilter())
