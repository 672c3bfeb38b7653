"""Every error leaves the API as RFC 9457 problem details naming the offending field."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from vats.core.accounts.service import RateLimitedError
from vats.core.errors import VatsError

log = logging.getLogger("vats.web")
PROBLEM = "application/problem+json"


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details; ``field`` names the input at fault, ``references`` lists what
    still points at an object that could not be deleted."""

    title: str
    status: int
    detail: str
    instance: str = ""
    field: str | None = None
    references: list[dict[str, str]] | None = None
    retry_after: int | None = None


def _response(
    request: Request[Any, Any, Any], body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    body = {"instance": request.url.path, **body}
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def vats_error(request: Request[Any, Any, Any], exc: VatsError) -> Response[Any]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    return _response(request, msgspec.to_builtins(exc.to_problem()), exc.status, headers)


def _field_of(message: str) -> str | None:
    """The field a msgspec message is about: "... - at `$.forward.employee_id`",
    "Object missing required field `email`", "Object contains unknown field `extra`"."""
    path = None
    if "at `$" in message:
        path = message.rsplit("at `$", 1)[1].rstrip("`").lstrip(".")
    named = re.search(r"field `([^`]+)`", message)
    if named and ("missing required" in message or "unknown field" in message):
        return f"{path}.{named.group(1)}" if path else named.group(1)
    return path or None


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    field = None
    detail = exc.detail
    for item in extra:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            key = item.get("key")
            field = _field_of(message) if key in (None, "data") else key
            if field is None and key == "data":
                field = "body"
            detail = message or detail
            break
    if not extra and "JSON is malformed" in (exc.detail or ""):
        field = "body"
    body: dict[str, Any] = {"title": "Invalid request", "status": 400, "detail": detail}
    if field:
        body["field"] = field
    return _response(request, body, 400)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers) if exc.headers else None
    return _response(
        request,
        {"title": exc.detail or "Error", "status": exc.status_code, "detail": exc.detail},
        exc.status_code,
        headers,
    )


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _response(
        request,
        {"title": "Internal server error", "status": 500, "detail": "an unexpected error occurred; it was logged"},
        HTTP_500_INTERNAL_SERVER_ERROR,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    VatsError: vats_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
