"""The one place where the pages turn an error into what a person reads and the status they get: the same status
as the sync API gives for the same error (backend.statuses), 422 for a form to fix."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backend.amocrm.errors import AmoCRMError
from backend.pages import Lang
from backend.statuses import status_for
from backend.sync.errors import InvalidInput, NotFound
from backend.ui.i18n import translator
from backend.ui.render import error_page


class Unexpected(Exception):
    """Not an error the pages answer: a bug, left to the server's 500."""


def describe(exc: Exception, lang: Lang) -> tuple[int, str]:
    """The status and the words for an error a page shows; raises Unexpected for anything else."""
    status = status_for(exc)
    if status is None:
        raise Unexpected from exc
    t = translator(lang)
    if isinstance(exc, InvalidInput):
        return 422, str(exc)
    if isinstance(exc, NotFound):
        return status, str(exc) or t("settings.not_found")
    if isinstance(exc, AmoCRMError):
        return status, t("settings.amocrm_failed").format(error=exc)
    return status, str(exc)


def handled(exc: Exception) -> bool:
    """Whether the pages answer `exc` themselves (the domain's and the clients' errors)."""
    return status_for(exc) is not None


def error_response(request: Request, exc: Exception, lang: Lang) -> Response:
    """The error page or, for htmx, its box, for a handled error; raises Unexpected for any other."""
    status, message = describe(exc, lang)
    return error_page(request, status, message, lang=lang)
