"""The `/_fake/...` JSON endpoints that let end-to-end tests and benchmarks inspect and steer FakeOneC."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.fakes.onec.faults import fault_from_json

if TYPE_CHECKING:
    from backend.fakes.onec.app import FakeOneC


class ControlError(Exception):
    """A control request with a bad body; answered as 400 `{"error": message}`."""


class ControlApi:
    """Owns the control routes of one fake; none of them need Basic Auth and none are logged."""

    def __init__(self, fake: FakeOneC) -> None:
        self.fake = fake

    def routes(self) -> list[Route]:
        """Return the control routes, all under `/_fake/`."""
        return [
            Route("/_fake/requests", self.list_requests, methods=["GET"]),
            Route("/_fake/requests", self.clear_requests, methods=["DELETE"]),
            Route("/_fake/faults", self.list_faults, methods=["GET"]),
            Route("/_fake/faults", self.add_fault, methods=["POST"]),
            Route("/_fake/faults", self.clear_faults, methods=["DELETE"]),
            Route("/_fake/documents", self.set_documents, methods=["POST"]),
            Route("/_fake/state", self.state, methods=["GET"]),
            Route("/_fake/version", self.set_version, methods=["POST"]),
            Route("/_fake/latency", self.set_latency, methods=["POST"]),
            Route("/_fake/reset", self.reset, methods=["POST"]),
            Route("/_fake/down", self.go_down, methods=["POST"]),
            Route("/_fake/up", self.come_back, methods=["POST"]),
        ]

    async def list_requests(self, request: Request) -> Response:
        """Answer the request log, oldest first."""
        return JSONResponse([entry.to_json() for entry in self.fake.requests])

    async def clear_requests(self, request: Request) -> Response:
        """Empty the request log and answer how many entries were dropped."""
        cleared = len(self.fake.requests)
        self.fake.requests.clear()
        return JSONResponse({"cleared": cleared})

    async def list_faults(self, request: Request) -> Response:
        """Answer the queued faults, first to apply first."""
        return JSONResponse([fault.to_json() for fault in self.fake.faults.pending()])

    async def add_fault(self, request: Request) -> Response:
        """Queue a fault from `{"mode", "count", "status", "body", "seconds", "type"}`; 400 on a bad body."""
        return await _guarded(request, self._add_fault)

    async def clear_faults(self, request: Request) -> Response:
        """Drop every queued fault and answer how many there were."""
        return JSONResponse({"cleared": self.fake.faults.clear()})

    async def set_documents(self, request: Request) -> Response:
        """Seed a deal from `{deal_id, documents, replace?}` or `{deal_id, generate}`; 400 on a bad body."""
        return await _guarded(request, self._set_documents)

    async def state(self, request: Request) -> Response:
        """Answer the base's data, the queued faults and the latency."""
        state = self.fake.state_json()
        state["faults"] = [fault.to_json() for fault in self.fake.faults.pending()]
        state["latency"] = self.fake.latency
        state["down"] = self.fake.down
        return JSONResponse(state)

    async def set_version(self, request: Request) -> Response:
        """Set the handlers version from `{"version": "…"}`; 400 on a bad body."""
        return await _guarded(request, self._set_version)

    async def set_latency(self, request: Request) -> Response:
        """Set the delay before every handler answer from `{"seconds": n}`; 400 on a bad body."""
        return await _guarded(request, self._set_latency)

    async def reset(self, request: Request) -> Response:
        """Forget data, log and faults, as `FakeOneC.reset` does."""
        self.fake.reset()
        return JSONResponse({"reset": True})

    async def go_down(self, request: Request) -> Response:
        """Stop the publication (every handler call answers 503) and answer `{"down": true}`."""
        self.fake.go_down()
        return JSONResponse({"down": True})

    async def come_back(self, request: Request) -> Response:
        """Start the publication again and answer `{"down": false}`."""
        self.fake.come_back()
        return JSONResponse({"down": False})

    def _add_fault(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            fault = fault_from_json(body)
        except ValueError as error:
            raise ControlError(str(error)) from error
        return {"queued": self.fake.faults.add(fault).to_json()}

    def _set_documents(self, body: dict[str, Any]) -> dict[str, Any]:
        deal_id = body.get("deal_id")
        if not isinstance(deal_id, int) or isinstance(deal_id, bool):
            raise ControlError("deal_id must be an integer")
        generate, documents = body.get("generate"), body.get("documents")
        try:
            if generate is not None:
                if not isinstance(generate, int) or isinstance(generate, bool):
                    raise ControlError("generate must be an integer")
                self.fake.generate_documents(deal_id, generate)
            elif isinstance(documents, list):
                self.fake.add_documents(deal_id, documents, replace=body.get("replace") is True)
            else:
                raise ControlError("send documents (a list) or generate (a count)")
        except ValueError as error:
            raise ControlError(str(error)) from error
        stored = self.fake.documents.get(deal_id, [])
        return {"deal_id": deal_id, "count": len(stored), "documents": [d.to_json() for d in stored]}

    def _set_version(self, body: dict[str, Any]) -> dict[str, Any]:
        version = body.get("version")
        if not isinstance(version, str) or not version:
            raise ControlError("version must be a non-empty string")
        self.fake.handlers_version = version
        return {"version": version}

    def _set_latency(self, body: dict[str, Any]) -> dict[str, Any]:
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError("seconds must be a number >= 0")
        self.fake.latency = float(seconds)
        return {"latency": self.fake.latency}


async def _guarded(request: Request, action: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
    """Run `action` on the JSON object body; a bad body or ControlError becomes 400 `{"error": …}`."""
    try:
        body = json.loads(await request.body())
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return JSONResponse(action(body))
    except json.JSONDecodeError as error:
        return JSONResponse({"error": f"invalid JSON: {error.msg}"}, status_code=400)
    except ControlError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
