"""The one place where the pages turn an error into what a person reads and the status they get: one short sentence
of the viewer's language (backend.sync.failures decides which), the other side's text one click away under
«Подробнее», and the same status as the sync API gives for the same error (backend.statuses), 422 for a form to fix.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from backend.pages import Lang
from backend.statuses import status_for
from backend.sync.errors import InvalidInput
from backend.sync.failures import Failure, classify
from backend.ui.i18n import translator
from backend.ui.render import error_page


class Unexpected(Exception):
    """Not an error the pages answer: a bug, left to the server's 500."""


class Problem(str):
    """The sentence a person reads about a failure (the string itself, printed as plain text anywhere, attributes
    included), with the other side's text (`detail`) and the sync log's address (`log_href`) that `more` renders as
    the «Подробнее» disclosure: templates print `{{ problem }}{{ problem.more }}`."""

    detail: str
    log_href: str
    lang: Lang

    def __new__(cls, sentence: str, detail: str = "", lang: Lang = "ru", log_href: str = "") -> Problem:
        made = super().__new__(cls, sentence)
        made.detail = detail if detail != sentence else ""
        made.log_href = log_href
        made.lang = lang
        return made

    def with_log(self, href: str) -> Problem:
        """The same problem with a link to the sync log entries it left."""
        return Problem(str(self), self.detail, self.lang, href)

    def within(self, template: str) -> Problem:
        """The problem told inside a longer sentence: `template` with `{error}` standing for this one's words."""
        return Problem(template.format(error=str(self).rstrip(".")), self.detail, self.lang, self.log_href)

    @property
    def more(self) -> Markup:
        """The `<details>` disclosure with the detail and the log link (no script needed); empty without them."""
        if not self.detail and not self.log_href:
            return Markup("")
        t = translator(self.lang)
        more = Markup('<details class="amo1c-more"><summary>{}</summary>').format(t("error.more"))
        if self.detail:
            more += Markup('<span class="amo1c-more__text">{}</span>').format(self.detail)
        if self.log_href:
            more += Markup(' <a class="amo1c-more__log" href="{}" target="_blank" rel="noopener">{}</a>').format(
                self.log_href, t("error.log")
            )
        return more + Markup("</details>")


def explain(failure: Failure, lang: Lang) -> Problem:
    """The problem a person reads about `failure` in `lang`: amo1c's own Russian refusal as it is, any other kind
    as its sentence (`error.<kind>`); raises nothing."""
    t = translator(lang)
    if failure.own_words and lang == "ru":
        return Problem(failure.message, "", lang)
    sentence = t(f"error.{failure.kind.value}").format(status=failure.status or "", reason=failure.reason)
    return Problem(" ".join(sentence.split()), failure.detail, lang)


def describe(exc: Exception, lang: Lang) -> tuple[int, Problem]:
    """The status and the problem for an error a page shows; raises Unexpected for anything else."""
    status = status_for(exc)
    failure = classify(exc)
    if status is None or failure is None:
        raise Unexpected from exc
    return (422 if isinstance(exc, InvalidInput) else status), explain(failure, lang)


def handled(exc: Exception) -> bool:
    """Whether the pages answer `exc` themselves (the domain's and the clients' errors)."""
    return status_for(exc) is not None


def error_response(request: Request, exc: Exception, lang: Lang) -> Response:
    """The error page or, for htmx, its box, for a handled error; raises Unexpected for any other."""
    status, message = describe(exc, lang)
    return error_page(request, status, message, lang=lang)
