"""Several fake infobases published by one web server, as Apache publishes 1C bases side by side: each under a
path prefix of its own (`/warehouse/hs/amo1c/handler`, `/warehouse/_fake/up`), the rest served by a default one.

The demo uses it to keep a second base that is down next to its working one on a single port.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send


class Publications:
    """An ASGI app sending each request to the infobase whose prefix starts its path (the prefix cut off, kept in
    `root_path`), else to `default`; raises ValueError for a prefix that is not "/name"."""

    def __init__(self, default: ASGIApp, published: Mapping[str, ASGIApp]) -> None:
        for prefix in published:
            if not prefix.startswith("/") or prefix.endswith("/") or "/" in prefix[1:] or prefix == "/_fake":
                raise ValueError(f"a publication prefix is /name, not {prefix!r}")
        self._default = default
        self._published = dict(published)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection through the infobase it names (lifespan: the default one)."""
        if scope["type"] == "http":
            path: str = scope["path"]
            prefix = "/" + path.split("/", 2)[1] if path.count("/") >= 2 else ""
            app = self._published.get(prefix)
            if app is not None:
                rest = path[len(prefix) :]
                inner = {
                    **scope,
                    "path": rest,
                    "raw_path": rest.encode(),
                    "root_path": scope.get("root_path", "") + prefix,
                }
                await app(inner, receive, send)
                return
        await self._default(scope, receive, send)
