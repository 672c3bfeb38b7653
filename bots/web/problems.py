"""Every error leaves the API as RFC 9457 problem details naming the offending field."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from vats.bots.web.input_guard import decoding_recursion
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


def problem_response(
    request: Request[Any, Any, Any], body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response[Any]:
    body = {"instance": request.url.path, **body}
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def vats_error(request: Request[Any, Any, Any], exc: VatsError) -> Response[Any]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    return problem_response(request, msgspec.to_builtins(exc.to_problem()), exc.status, headers)


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
    if field is None and "JSON is malformed" in (detail or ""):
        field = "body"
    body: dict[str, Any] = {"title": "Invalid request", "status": 400, "detail": detail}
    if field:
        body["field"] = field
    return problem_response(request, body, 400)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers) if exc.headers else None
    body: dict[str, Any] = {"title": exc.detail or "Error", "status": exc.status_code, "detail": exc.detail}
    if isinstance(exc.__cause__, SerializationException):  # the body could not be decoded at all
        body["field"] = "body"
    return problem_response(request, body, exc.status_code, headers)


def too_large(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[Any]:
    """413 naming the input and its limit: a route's ``opt["body_field"]`` and
    ``opt["body_limit_bytes"]`` (an upload's file and its own limit), else the whole body."""
    opt = request.route_handler.opt
    field = opt.get("body_field", "body")
    limit = opt.get("body_limit_bytes") or request.route_handler.resolve_request_max_body_size()
    detail = f"{field} is larger than {_size(limit)}" if limit else f"{field} is too large"
    body = {"title": "Request too large", "status": 413, "detail": detail, "field": field}
    if limit:
        body["limit_bytes"] = limit
    return problem_response(request, body, 413)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n % (1024 * 1024) == 0 else f"{n} bytes"


def too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """400 for a JSON body nested beyond the decoder's depth, logged in one line (anyone can
    send one, so a traceback each time would be a log flood); any other RecursionError is a bug."""
    if not decoding_recursion(exc):
        return unexpected_error(request, exc)
    log.warning("refused %s %s: JSON nested too deeply", request.method, request.url.path)
    body = {"title": "Invalid request", "status": 400, "detail": "the JSON is nested too deeply", "field": "body"}
    return problem_response(request, body, 400)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        {"title": "Internal server error", "status": 500, "detail": "an unexpected error occurred; it was logged"},
        HTTP_500_INTERNAL_SERVER_ERROR,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    VatsError: vats_error,
    ValidationException: validation_error,
    RequestEntityTooLarge: too_large,
    HTTPException: http_error,
    RecursionError: too_deep,
    Exception: unexpected_error,
}
