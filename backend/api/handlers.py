"""Sync API: versioned 1C handler packages (spec 2.8–2.10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.api.body import Body, Kind, declared, read_body
from backend.api.endpoint import Result, SyncCall, sync_route
from backend.sync.handlers import NO_PACKAGE_VERSION, latest_package, latest_version, store_package
from backend.sync.operations import Operation


@dataclass(frozen=True)
class SetHandlersRequest(Body):
    """2.10's body: the package to store."""

    handlers: Any = declared(
        Kind.JSON,
        required=True,
        description=(
            "JSON с обработчиками 1С — любое непустое значение, хранится и отдаётся как есть / "
            "the handlers package, any non-empty JSON, returned as stored"
        ),
    )


async def actual_version(call: SyncCall) -> Result:
    """The latest version stored for the base (0 while none is)."""
    version = await latest_version(call.linked_base())
    return Result(data={"version": NO_PACKAGE_VERSION if version is None else version})


async def actual_handlers(call: SyncCall) -> Result:
    """The latest package with its version (version 0 and handlers null while none is stored)."""
    package = await latest_package(call.linked_base())
    if package is None:
        return Result(data={"version": NO_PACKAGE_VERSION, "handlers": None})
    return Result(data={"version": package.version, "handlers": package.handlers})


async def set_handlers(call: SyncCall) -> Result:
    """Store the body's `handlers` as the base's next version (admin Basic Auth checked by the wrapper)."""
    body = read_body(SetHandlersRequest, call.payload)
    package = await store_package(call.linked_base(), body.handlers)
    return Result(data={"version": package.version})


routes = [
    sync_route(Operation.GET_ACTUAL_VERSION, actual_version),
    sync_route(Operation.GET_ACTUAL_HANDLERS, actual_handlers),
    sync_route(Operation.SET_HANDLERS, set_handlers, auth="admin"),
]
