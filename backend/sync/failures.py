"""The one rule for what a person is told when something fails: which kind of failure an error is, the words of its
own that the sentence may quote, and the other side's text for «Подробнее» — masked, without markup, bounded.

The pages (card panels and settings alike) turn a `Failure` into one short sentence of the viewer's language
(`error.<kind>` in backend/ui/i18n.py); what the other side said is shown only under the disclosure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from html.parser import HTMLParser

from backend.amocrm.errors import (
    AmoCRMAccountBlocked,
    AmoCRMAuthError,
    AmoCRMError,
    AmoCRMPaymentRequired,
    AmoCRMRateLimited,
    AmoCRMUnreachable,
)
from backend.onec.errors import (
    OneCAddressRefused,
    OneCAuthRefused,
    OneCBadAnswer,
    OneCError,
    OneCFailed,
    OneCUnreachable,
)
from backend.redaction import clip
from backend.sync.errors import (
    AccessDenied,
    AuthenticationRequired,
    AwaitingApproval,
    Conflict,
    InvalidInput,
    NotFound,
    SyncError,
    TooMany,
    TooManyAttempts,
)
from backend.sync.payloads import EntityMissing

MAX_DETAIL_CHARS = 600  # what «Подробнее» shows at most
MAX_REASON_CHARS = 160  # 1C's own words quoted in the sentence itself
# "ConnectError: …", "httpx.ReadTimeout" — a library's class name says nothing to a person and is dropped.
_CLASS_NAME = re.compile(r"\b(?:[a-z_]+\.)*[A-Z][A-Za-z]*(?:Error|Exception|Timeout|Refused|Failed)\b:?\s*")
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


class FailureKind(StrEnum):
    """What went wrong, as a person needs to know it; each has the sentence `error.<value>`."""

    ONEC_DOWN = "onec_down"  # 1C could not be reached or did not answer in time
    ONEC_WEB_PAGE = "onec_web_page"  # a web server or proxy answered an error page instead of 1C
    ONEC_REFUSED = "onec_refused"  # 1C answered an error in its own words (quoted in the sentence)
    ONEC_FAILED = "onec_failed"  # 1C answered an error without words of its own
    ONEC_CREDENTIALS = "onec_credentials"  # 1C refused the base's login and password
    ONEC_BAD_ANSWER = "onec_bad_answer"  # 1C answered something that is not what amo1c asked for
    ONEC_ADDRESS = "onec_address"  # the base's address may not be called
    AMOCRM_DOWN = "amocrm_down"
    AMOCRM_BUSY = "amocrm_busy"  # amoCRM's request limit
    AMOCRM_ACCESS = "amocrm_access"  # no usable tokens: the integration must be installed again
    AMOCRM_PAYMENT = "amocrm_payment"
    AMOCRM_BLOCKED = "amocrm_blocked"
    AMOCRM_REFUSED = "amocrm_refused"
    AWAITING_APPROVAL = "awaiting_approval"
    ENTITY_MISSING = "entity_missing"
    # amo1c's own refusals: their message is already written for people (in Russian)
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    DENIED = "denied"
    SIGN_IN = "sign_in"  # a call without the credentials it needs
    TOO_MANY = "too_many"
    SLOW_DOWN = "slow_down"
    # the framed pages' session
    SESSION_MISSING = "session_missing"
    SESSION_EXPIRED = "session_expired"
    SESSION_REINSTALLED = "session_reinstalled"


OWN_WORDS = frozenset(
    {
        FailureKind.INVALID,
        FailureKind.NOT_FOUND,
        FailureKind.CONFLICT,
        FailureKind.DENIED,
        FailureKind.SIGN_IN,
        FailureKind.TOO_MANY,
        FailureKind.SLOW_DOWN,
        FailureKind.ENTITY_MISSING,
    }
)


@dataclass(frozen=True)
class Failure:
    """An error as a person is told it: its `kind`, amo1c's own `message` (the Russian sentence of amo1c's own
    refusals, "" for the other kinds), `reason` (1C's own short words the sentence quotes), `status` (the other
    side's HTTP status, if any) and `detail` (the other side's text for «Подробнее»)."""

    kind: FailureKind
    message: str = ""
    reason: str = ""
    status: int | None = None
    detail: str = ""

    @property
    def own_words(self) -> bool:
        """Whether the sentence is amo1c's own message (a refusal amo1c wrote for people) rather than a kind's."""
        return self.kind in OWN_WORDS and bool(self.message)


# Checked in order: a subclass before its base class.
_KINDS: tuple[tuple[type[Exception], FailureKind], ...] = (
    (OneCUnreachable, FailureKind.ONEC_DOWN),
    (OneCAuthRefused, FailureKind.ONEC_CREDENTIALS),
    (OneCAddressRefused, FailureKind.ONEC_ADDRESS),
    (OneCBadAnswer, FailureKind.ONEC_BAD_ANSWER),
    (AmoCRMUnreachable, FailureKind.AMOCRM_DOWN),
    (AmoCRMRateLimited, FailureKind.AMOCRM_BUSY),
    (AmoCRMAuthError, FailureKind.AMOCRM_ACCESS),
    (AmoCRMPaymentRequired, FailureKind.AMOCRM_PAYMENT),
    (AmoCRMAccountBlocked, FailureKind.AMOCRM_BLOCKED),
    (AmoCRMError, FailureKind.AMOCRM_REFUSED),
    (AwaitingApproval, FailureKind.AWAITING_APPROVAL),
    (EntityMissing, FailureKind.ENTITY_MISSING),
    (InvalidInput, FailureKind.INVALID),
    (NotFound, FailureKind.NOT_FOUND),
    (Conflict, FailureKind.CONFLICT),
    (TooManyAttempts, FailureKind.SLOW_DOWN),
    (AuthenticationRequired, FailureKind.SIGN_IN),
    (AccessDenied, FailureKind.DENIED),
    (TooMany, FailureKind.TOO_MANY),
    (SyncError, FailureKind.INVALID),
)


def classify(exc: BaseException) -> Failure | None:
    """The failure `exc` stands for, or None for an error nobody expected (a bug); raises nothing."""
    if isinstance(exc, OneCFailed):
        return _onec_failed(exc)
    kind = next((kind for cls, kind in _KINDS if isinstance(exc, cls)), None)
    if kind is None:
        return None
    if isinstance(exc, OneCError | AmoCRMError):
        # amo1c's own line about the call (the host, the limit it hit) and the other side's text, masked
        said = readable(exc.detail) if exc.detail else ""
        own = readable(str(exc))
        detail = own if not said or said in own else f"{own} — {said}"
        return Failure(kind, status=exc.status, detail=detail)
    return Failure(kind, message=str(exc).strip(), detail=readable(str(exc)))


def _onec_failed(exc: OneCFailed) -> Failure:
    """1C answered an error: a web server's page, 1C's own words, or a status alone."""
    said = readable(exc.detail)
    if exc.web_page:
        return Failure(FailureKind.ONEC_WEB_PAGE, status=exc.status, detail=said or readable(str(exc)))
    if said:
        if len(said) <= MAX_REASON_CHARS:  # quoted whole: the details add where and with what status
            return Failure(FailureKind.ONEC_REFUSED, reason=said, status=exc.status, detail=readable(str(exc)))
        reason = said[: MAX_REASON_CHARS - 1] + "…"
        return Failure(FailureKind.ONEC_REFUSED, reason=reason, status=exc.status, detail=said)
    return Failure(FailureKind.ONEC_FAILED, status=exc.status, detail=readable(str(exc)))


def session_failure(kind: FailureKind) -> Failure:
    """The failure of a framed page's session (missing, expired or forged token, reinstalled account)."""
    return Failure(kind)


def readable(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """`text` fit to show a person: an HTML page reduced to its text, markup and library class names dropped,
    credentials and tokens masked (backend.redaction), on one line, at most `limit` characters; raises nothing."""
    if _TAG.search(text):
        page = _Text()
        page.feed(text)
        page.close()
        text = " ".join(page.parts)
        text = _TAG.sub(" ", text)  # what the parser left of broken markup
    text = _CLASS_NAME.sub("", text)
    return clip(text, limit).strip(" :—-")


class _Text(HTMLParser):
    """Collects a page's visible text (its title once, no scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())
