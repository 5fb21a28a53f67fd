"""Sync API: versioned 1C handler packages (spec 2.8–2.10)."""

from __future__ import annotations

from starlette.routing import Route

from backend.api.endpoint import Result, SyncCall, sync_endpoint
from backend.sync.errors import InvalidInput
from backend.sync.handlers import NO_PACKAGE_VERSION, latest_package, latest_version, store_package


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
    handlers = call.payload.optional_object("handlers")
    if handlers is None or handlers == "" or handlers == {} or handlers == []:
        raise InvalidInput("handlers", 'не заполнено обязательное поле "handlers"')
    package = await store_package(call.linked_base(), handlers)
    return Result(data={"version": package.version})


routes = [
    Route(
        "/update_handlers/get_actual_version",
        sync_endpoint("get_actual_version", actual_version),
        methods=["POST"],
    ),
    Route(
        "/update_handlers/get_actual_handlers",
        sync_endpoint("get_actual_handlers", actual_handlers),
        methods=["POST"],
    ),
    Route(
        "/update_handlers/set_handlers",
        sync_endpoint("set_handlers", set_handlers, auth="admin"),
        methods=["POST"],
    ),
]
