"""The old cabinet's export (JSON, ``docs/migration.md``), read as a stream: the header is
checked first, then each customer is decoded and handed on while the parser moves on, so a
file of thousands of customers never sits in memory whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
import msgspec
from vats.core.migration_export import FORMAT, VERSION, OldCustomer, SourceError


class JsonExportSource:
    name = "json"
    description = "the old cabinet's export: JSON, format vats-old-cabinet-export, version 1"

    def read(self, path: Path) -> Iterator[OldCustomer]:
        with path.open("rb") as f:
            try:
                yield from _customers(ijson.parse(f, use_float=True))
            except ijson.JSONError as exc:
                raise SourceError(_syntax_place(path), f"not valid JSON ({_first_line(exc)})") from None


def _customers(events: Iterator[tuple[str, str, Any]]) -> Iterator[OldCustomer]:
    """Walk the parser's events: the header keys before ``customers``, then one customer at a
    time (each built by ijson's ObjectBuilder from its own events only)."""
    header: dict[str, Any] = {}
    index = 0
    for prefix, event, value in events:
        if prefix == "" and event == "start_map":
            continue
        if prefix in ("format", "version", "exported_at") and event in ("string", "number", "null"):
            header[prefix] = value
            continue
        if prefix == "customers" and event == "start_array":
            _check_header(header)
            continue
        if prefix == "customers.item" and event == "start_map":
            yield _decode(_build(events), index)
            index += 1
            continue
        if (prefix == "customers" and event == "end_array") or (prefix == "" and event == "end_map"):
            continue
        if prefix == "" and event == "map_key":
            if value not in ("format", "version", "exported_at", "customers"):
                raise SourceError(f"$.{value}", "unknown field in the export header")
            continue
        if prefix == "":
            raise SourceError("$", f"the file is not an export object (found {event})")
        raise SourceError(f"$.{prefix}", f"unexpected {event} in the export header")
    if "format" not in header and index == 0:
        raise SourceError("$", "the file is empty or has no export header")
    _check_header(header)


def _check_header(header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise SourceError("$.format", f"expected {FORMAT!r}, found {header.get('format')!r}")
    if header.get("version") != VERSION:
        raise SourceError(
            "$.version",
            f"this vats reads version {VERSION} of the export, the file is version {header.get('version')!r}",
        )


def _build(events: Iterator[tuple[str, str, Any]]) -> Any:
    """The customer object whose ``start_map`` was just read, from its remaining events."""
    builder = ijson.ObjectBuilder()
    builder.event("start_map", None)
    depth = 1
    for _prefix, event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return builder.value
    raise SourceError("$.customers", "the file ends inside a customer")


def _decode(raw: Any, index: int) -> OldCustomer:
    try:
        return msgspec.convert(raw, OldCustomer)
    except msgspec.ValidationError as exc:
        message = str(exc)
        # msgspec says "... - at `$.numbers[0].forwarding`": the path inside the customer.
        where = f"$.customers[{index}]"
        if " - at `$" in message:
            message, inner = message.rsplit(" - at `$", 1)
            where += inner.rstrip("`")
        customer_id = raw.get("id") if isinstance(raw, dict) else None
        suffix = f" (customer {customer_id})" if isinstance(customer_id, str) else ""
        raise SourceError(where, message + suffix) from None


def _syntax_place(path: Path) -> str:
    """Line and column of a syntax error. The streaming parser does not keep positions, so the
    file (already known to be under the size limit) is read once more by the standard parser,
    only on this error path."""
    try:
        json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}, column {exc.colno}"
    except UnicodeDecodeError as exc:
        return f"byte {exc.start}"
    return "the file"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
