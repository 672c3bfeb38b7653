"""Structured access log: one JSON line per request, without secrets.

Logged: method, path (never the query string, which could carry a token), status, duration,
client address, tenant and employee when signed in. Never headers or bodies.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("vats.access")


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            if log.isEnabledFor(logging.INFO):
                user: Any = scope.get("user")
                record = {
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                    "tenant": str(getattr(user, "tenant_id", "")) or None,
                    "employee": str(getattr(user, "employee_id", "")) or None,
                }
                log.info(json.dumps(record))

    return middleware
