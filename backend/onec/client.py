"""OneCClient: the five calls of spec section 1 into a 1C base, each reported to `on_call` for the sync log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx

from backend.onec.address import Destination, Resolver, resolve_destination, resolve_host
from backend.onec.answers import read_documents, read_saved, read_version
from backend.onec.errors import OneCAddressRefused, OneCBadAnswer, OneCError, OneCTimedOut, OneCUnreachable, clip
from backend.onec.records import CallRecord, Connection, Document, Saved
from backend.onec.summary import summarize
from backend.onec.wire import known_secrets, parse_answer, request_body, request_headers, status_error
from backend.redaction import redact

logger = logging.getLogger("amo1c.onec")

OnCall = Callable[[CallRecord], Awaitable[None]]
"""Receives the record of every finished call, success or failure (the caller writes the sync log)."""

MAX_ANSWER_BYTES = 10 * 1024 * 1024
MAX_CONNECT_SECONDS = 10.0
DNS_FAILURES = ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution")
T = TypeVar("T")


def call_timeouts(seconds: float) -> httpx.Timeout:
    """The limits of one call into 1C: `seconds` in all (AMO1C_ONEC_TIMEOUT), at most MAX_CONNECT_SECONDS of them
    to connect; raises nothing."""
    return httpx.Timeout(seconds, connect=min(MAX_CONNECT_SECONDS, seconds))


class BaseClient:
    """One 1C base's calls: the client and the base's connection bound together, so a call takes only its data.

    Every method raises what the same OneCClient method raises.
    """

    def __init__(self, client: OneCClient, conn: Connection) -> None:
        self._client = client
        self.connection = conn

    @property
    def timeout(self) -> float:
        """The seconds one whole call may take; raises nothing."""
        return self._client.timeout

    async def get_orders(self, deal_id: int) -> list[Document]:
        """The 1C documents of a deal (1.1)."""
        return await self._client.get_orders(self.connection, deal_id)

    async def new_lead(
        self, *, contact: Mapping[str, Any] | None = None, company: Mapping[str, Any] | None = None
    ) -> Saved:
        """Create or update a counterparty (1.2)."""
        return await self._client.new_lead(self.connection, contact=contact, company=company)

    async def new_order(self, order: Mapping[str, Any]) -> Saved:
        """Create or update the order of a deal (1.3)."""
        return await self._client.new_order(self.connection, order)

    async def get_handlers_version(self) -> str:
        """The handlers version installed in the base (1.4)."""
        return await self._client.get_handlers_version(self.connection)

    async def corr_table(self, rows: list[dict[str, Any]], user_id: int | None) -> str:
        """Send the field correspondence rows (1.5); returns the handlers version 1C answers."""
        return await self._client.corr_table(self.connection, rows, user_id)


class OneCClient:
    """Owns calling 1C bases: address check, Basic Auth, timeouts, reading answers into records, reporting calls.

    Every method raises OneCAddressRefused, OneCUnreachable, OneCAuthRefused, OneCFailed or OneCBadAnswer.
    Nothing is retried: calls into 1C are made on a person's click and the page offers "retry" itself, and
    a repeated `new_lead`/`new_order` after a lost answer must be the person's decision. Redirects are not
    followed (they would skip the address check), a checked name is called at the address it was checked
    with, no cookies are kept between calls, and the base's credentials are masked in whatever is kept.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout: float,
        allow_private: bool,
        resolver: Resolver = resolve_host,
        on_call: OnCall | None = None,
    ) -> None:
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        self._http = http
        self._timeout = float(timeout)
        self._timeouts = call_timeouts(self._timeout)
        self._allow_private = allow_private
        self._resolver = resolver
        self._on_call = on_call

    @property
    def timeout(self) -> float:
        """The seconds one whole call may take (AMO1C_ONEC_TIMEOUT); raises nothing."""
        return self._timeout

    async def get_orders(self, conn: Connection, deal_id: int) -> list[Document]:
        """Return the 1C documents of a deal (1.1), parents before children as 1C lists them; raises OneCError."""
        payload = _payload(conn, "get_orders", {"id": deal_id})
        return await self._call(conn, payload, read_documents, amo_id=deal_id)

    async def new_lead(
        self, conn: Connection, *, contact: Mapping[str, Any] | None = None, company: Mapping[str, Any] | None = None
    ) -> Saved:
        """Create or update a counterparty (1.2) from a built contact or company object; raises OneCError.

        Exactly one of `contact`/`company` is sent, under `clients.contact` or `clients.company`; raises
        ValueError when both or neither are given.
        """
        if contact is not None and company is None:
            kind, client = "contact", contact
        elif company is not None and contact is None:
            kind, client = "company", company
        else:
            raise ValueError("pass exactly one of contact or company")
        payload = _payload(conn, "new_lead", {"clients": {kind: dict(client)}})
        return await self._call(
            conn,
            payload,
            lambda data: read_saved(data, "new_lead"),
            amo_id=_amo_id(client.get("id")),
            id_1c=_text_or_none(client.get("id_1c")),
        )

    async def new_order(self, conn: Connection, order: Mapping[str, Any]) -> Saved:
        """Create or update the order of a deal (1.3) from a built order object; raises OneCError.

        `order` carries id, name, responsible_user_id, optional id_1c and `clients`; key, id_base and type
        are added here and win over keys of the same name in `order`.
        """
        payload = _payload(conn, "new_order", order)
        return await self._call(
            conn,
            payload,
            lambda data: read_saved(data, "new_order"),
            amo_id=_amo_id(order.get("id")),
            id_1c=_text_or_none(order.get("id_1c")),
        )

    async def get_handlers_version(self, conn: Connection) -> str:
        """Return the handlers version installed in the base (1.4) as text; raises OneCError."""
        payload = _payload(conn, "get_handlers_version", {})
        return await self._call(conn, payload, lambda data: read_version(data, "get_handlers_version"))

    async def corr_table(self, conn: Connection, rows: list[dict[str, Any]], user_id: int | None) -> str:
        """Send the field correspondence rows (1.5) as a list of {amo_name, amo_id, entity_name}; raises OneCError.

        `user_id` is left out of the body when None. Returns the handlers version 1C answers.
        """
        fields: dict[str, Any] = {} if user_id is None else {"user_id": user_id}
        fields["table"] = [dict(row) for row in rows]
        payload = _payload(conn, "corr_table", fields)
        return await self._call(conn, payload, lambda data: read_version(data, "corr_table"))

    async def _call(
        self,
        conn: Connection,
        payload: dict[str, Any],
        read: Callable[[Any], T],
        *,
        amo_id: int | None = None,
        id_1c: str | None = None,
    ) -> T:
        """Check the address, send, read the answer and report the call; raises OneCError."""
        operation = str(payload["type"])
        started = time.perf_counter()
        status: int | None = None
        secrets = known_secrets(conn.login, conn.password)
        try:
            if conn.refusal:
                raise OneCAddressRefused(conn.refusal)
            where = await resolve_destination(
                conn.web_address, allow_private=self._allow_private, resolver=self._resolver
            )
            status, raw, content_type = await self._exchange(conn, where, payload)
            host = where.url.host
            if status != 200:
                raise status_error(status, raw, content_type, host, secrets)
            if len(raw) > MAX_ANSWER_BYTES:
                raise OneCBadAnswer(
                    f"Ответ 1С ({host}) на {operation} больше {MAX_ANSWER_BYTES // 2**20} МБ", status=200
                )
            result = read(parse_answer(raw, operation, secrets))
        except OneCError as exc:
            _mask_error(exc, secrets)
            logger.warning("1C %s failed: %s", operation, exc)
            status = exc.status if exc.status is not None else status
            await self._report(
                conn, payload, started, status=status, error=str(exc), amo_id=amo_id, id_1c=id_1c, outcome=exc.kind
            )
            raise
        if isinstance(result, Saved):
            id_1c = result.id_1c
        await self._report(conn, payload, started, status=status, error=None, amo_id=amo_id, id_1c=id_1c)
        return result

    async def _exchange(self, conn: Connection, where: Destination, payload: dict[str, Any]) -> tuple[int, bytes, str]:
        """POST the payload to the checked destination and return status, body (cut past MAX_ANSWER_BYTES) and type.

        Raises OneCUnreachable for timeouts and transport failures, OneCBadAnswer for a broken encoding.
        """
        url = where.url
        target, routing_headers, routing_extensions = where.route()
        # Built directly rather than with build_request so the client's cookie jar and auth stay out of it.
        request = httpx.Request(
            "POST",
            target,
            headers={**request_headers(conn.login, conn.password), **routing_headers},
            content=request_body(payload),
            extensions={"timeout": self._timeouts.as_dict(), **routing_extensions},
        )
        try:
            # httpx limits each phase; this bounds the whole call, whatever the transport honours.
            async with asyncio.timeout(self._timeout):
                response = await self._http.send(request, auth=None, follow_redirects=False, stream=True)
                try:
                    raw = await _read_capped(response, MAX_ANSWER_BYTES + 1)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise _timeout_error(exc, url.host, self._timeout, self._timeouts.connect) from None
        except httpx.DecodingError as exc:
            raise OneCBadAnswer(
                f"Ответ 1С ({url.host}) не удалось распаковать", detail=_failure(exc), status=None
            ) from None
        except httpx.ConnectError as exc:
            reason = _failure(exc)
            what = "имя сервера не найдено в DNS" if any(s in reason.lower() for s in DNS_FAILURES) else reason
            raise OneCUnreachable(f"Не удалось подключиться к 1С ({url.host}): {what}", detail=reason) from None
        except httpx.HTTPError as exc:
            raise OneCUnreachable(
                f"Связь с 1С ({url.host}) прервалась: {_failure(exc)}", detail=_failure(exc)
            ) from None
        return response.status_code, raw, response.headers.get("content-type", "")

    async def _report(
        self,
        conn: Connection,
        payload: dict[str, Any],
        started: float,
        *,
        status: int | None,
        error: str | None,
        amo_id: int | None,
        id_1c: str | None,
        outcome: str = "ok",
    ) -> None:
        """Hand the call's record to `on_call`; a failure there is logged, never raised."""
        if self._on_call is None:
            return
        secrets = known_secrets(conn.login, conn.password)
        record = CallRecord(
            operation=str(payload["type"]),
            web_address=redact(conn.web_address, secrets),
            status=status,
            error=error,
            duration_ms=round((time.perf_counter() - started) * 1000),
            request_summary=summarize(payload, secrets),
            amo_id=amo_id,
            id_1c=id_1c,
            outcome=outcome,
        )
        try:
            await self._on_call(record)
        except Exception:
            logger.exception("on_call failed for the 1C %s record", record.operation)


def _payload(conn: Connection, operation: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Return a request body: key, id_base and type first, then the operation's fields."""
    head: dict[str, Any] = {"key": conn.account_id, "id_base": conn.id_base, "type": operation}
    return {**head, **{key: value for key, value in fields.items() if key not in head}}


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """Return the body, stopping once more than `limit` bytes arrived."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)


def _timeout_error(exc: Exception, host: str, total: float, connect: float | None) -> OneCTimedOut:
    """Return the error for a call that ran out of time, saying which limit it hit."""
    if isinstance(exc, httpx.ConnectTimeout) and connect is not None:
        return OneCTimedOut(f"Не удалось подключиться к 1С ({host}) за {connect:g} с", detail="ConnectTimeout")
    return OneCTimedOut(f"1С ({host}) не ответила за {total:g} с", detail=type(exc).__name__)


def _failure(exc: httpx.HTTPError) -> str:
    """Describe a transport failure by its kind and text (never by the request, which holds the auth header)."""
    text = clip(str(exc), 200)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _mask_error(exc: OneCError, secrets: tuple[str, ...]) -> None:
    """Mask the base's credentials wherever an error's message or detail could have picked them up (1C echoing)."""
    exc.args = tuple(redact(arg, secrets) if isinstance(arg, str) else arg for arg in exc.args)
    exc.detail = redact(exc.detail, secrets)


def _amo_id(value: Any) -> int | None:
    """Return an amoCRM id given as a number or digit string, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _text_or_none(value: Any) -> str | None:
    """Return a non-empty string or number as text, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() or None if isinstance(value, str) else None
