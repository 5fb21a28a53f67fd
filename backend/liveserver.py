"""Run an ASGI app as a real HTTP server on 127.0.0.1 in a background thread (demo and end-to-end tests)."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import cast

import uvicorn
from starlette.types import ASGIApp
from uvicorn._types import ASGIApplication


class ServerStartError(RuntimeError):
    """The server did not start listening in time (port taken, app failed in its lifespan)."""


class ThreadedServer:
    """One uvicorn server in a daemon thread with its own event loop; a context manager that starts and stops it."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int, log_level: str = "warning") -> None:
        self.host = host
        self.port = port
        config = uvicorn.Config(cast(ASGIApplication, app), host=host, port=port, log_level=log_level, lifespan="auto")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"server:{port}", daemon=True)

    @property
    def url(self) -> str:
        """The base URL the server listens on."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ThreadedServer:
        """Start serving and wait until the socket listens; raises ServerStartError."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise ServerStartError(f"server on {self.url} exited while starting")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(f"server on {self.url} did not start in {timeout:g} s")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish its requests and exit, and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
