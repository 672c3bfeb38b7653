"""The Litestar application: the kernel's health endpoint plus the routes plugins contribute.

(The cabinet API proper, with sign-in and roles, grows here in its own issue.)
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from vats.core.errors import VatsError
from vats.core.kernel import Kernel


class Health(msgspec.Struct, frozen=True):
    status: str
    database: str
    plugins: list[str]


def create_app(kernel: Kernel) -> Litestar:
    @get("/health", operation_id="health", tags=["system"], summary="Liveness and database check")
    async def health() -> Health:
        assert kernel.db is not None
        ok = await kernel.db.fetchval("SELECT 1") == 1
        return Health(
            status="ok" if ok else "degraded", database="ok" if ok else "down", plugins=kernel.plugins.names()
        )

    def problem(request: Request[Any, Any, Any], exc: VatsError) -> Response[dict[str, Any]]:
        body = exc.to_problem() | {"instance": request.url.path}
        return Response(body, status_code=exc.status, media_type="application/problem+json")

    return Litestar(
        route_handlers=[health, *kernel.plugins.collect("register_routes")],
        exception_handlers={VatsError: problem},
        openapi_config=OpenAPIConfig(title="vats", version="0.1.0", path="/schema"),
        state=State({"kernel": kernel}),
    )
