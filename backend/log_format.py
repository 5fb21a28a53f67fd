"""How the server log is written: human-readable lines (uvicorn's own format, the default) or, with
AMO1C_LOG_FORMAT=json, one JSON object a line carrying the request's id, account, base and operation.

Secrets are masked by the one rule of backend.redaction: the app attaches its RedactingFilter to every handler
when it starts, so a record reaches this formatter already masked.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from uvicorn.config import LOGGING_CONFIG

from backend import request_context

LogFormat = Literal["text", "json"]
ACCESS_LOGGER = "uvicorn.access"
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class ContextFilter(logging.Filter):
    """Stamps every record with the request being served: request_id, account, base, operation and duration_ms
    (milliseconds since the request came in); None outside a request. Drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the request's fields to the record; raises nothing."""
        context = request_context.current()
        record.request_id = None if context is None else context.request_id
        record.account = None if context is None else context.account
        record.base = None if context is None else context.base
        record.operation = None if context is None else context.operation
        record.duration_ms = None if context is None else context.elapsed_ms()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a record: time (UTC, ISO 8601), level, logger, message, the request's fields (see
    ContextFilter), for uvicorn's access lines the request and status, and the exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; raises nothing for a record the handler could format."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "account": getattr(record, "account", None),
            "base": getattr(record, "base", None),
            "operation": getattr(record, "operation", None),
            "duration_ms": getattr(record, "duration_ms", None),
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple) and len(record.args) == 5:
            line.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def uvicorn_log_config(log_format: LogFormat) -> dict[str, Any]:
    """The `log_config` to start uvicorn with: "text" is uvicorn's readable default, "json" sends every logger
    (uvicorn's, the access log, amo1c's through the root logger) through JsonFormatter and ContextFilter."""
    if log_format == "text":
        return LOGGING_CONFIG
    handler = {"formatter": "json", "filters": ["context"], "class": "logging.StreamHandler"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": f"{__name__}.ContextFilter"}},
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "default": {**handler, "stream": "ext://sys.stderr"},
            "access": {**handler, "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
    }
