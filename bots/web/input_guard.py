"""Input the database cannot take, refused for every route before its handler runs.

PostgreSQL stores no NUL character (0x00) in ``text`` or ``jsonb`` (nor a lone surrogate,
which has no UTF-8 form; msgspec already refuses those in JSON); such text would reach the
database and fail there as a 500. One app-level ``before_request`` hook looks at the path parameters, the query string
and the body (JSON or form) and refuses such text as 422 naming the input. It costs nothing
on ordinary requests: the query is examined only when it contains ``%00`` and a JSON body is
decoded a second time only when its bytes contain a ``\\u0000`` escape.

JSON nested deeper than the decoder can follow (``[[[[...`` a thousand levels) is refused as
400 on ``body``, with one short log line, not a traceback (``problems.too_deep``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from vats.core.errors import VatsError

# The JSON escape that may decode to NUL (msgspec itself refuses lone surrogates as malformed);
# a false alarm (an escaped backslash before "u0000") only costs a second decode.
_NUL_ESCAPE = b"\\u0000"
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class UnstorableTextError(VatsError):
    status = 422
    title = "Invalid value"


class TooDeepError(VatsError):
    status = 400
    title = "Invalid request"


def storable(text: str) -> bool:
    """Whether PostgreSQL can store the text (no NUL, valid UTF-8 once encoded)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _refuse(field: str) -> UnstorableTextError:
    return UnstorableTextError("text with a NUL character or a lone surrogate cannot be stored", field=field)


def first_unstorable(value: Any, path: str = "") -> str | None:
    """The path (``items[0].name``) of the first key or string the database cannot store."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not storable(key):
                    return inner_path
                stack.append((inner, inner_path))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))
    return None


async def refuse_unstorable_input(request: Request[Any, Any, Any]) -> None:
    """App-level ``before_request``: 422 on the first path parameter, query parameter or body
    field holding text the database cannot store."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and not storable(value):
            raise _refuse(name)
    query = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in request.query_params.multi_items():
            if not storable(name) or not storable(value):
                raise _refuse(name if storable(name) else "query")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()
        for name, value in form.multi_items():
            if not storable(name) or (isinstance(value, str) and not storable(value)):
                raise _refuse(name if storable(name) else "body")
        return
    if "json" not in content_type:
        return
    body = await request.body()
    if _NUL_ESCAPE not in body:
        return
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # malformed: the route's own decoding refuses it with its usual message
    except RecursionError:
        raise TooDeepError("the JSON is nested too deeply", field="body") from None
    if (field := first_unstorable(decoded)) is not None:
        raise _refuse(field)


def decoding_recursion(exc: RecursionError) -> bool:
    """Whether the recursion limit was hit inside the JSON decoder (msgspec is C code, so the
    innermost Python frame is the function that called it), not in our own code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_name in ("decode_json", "decode_msgpack", "json", "msgpack")
