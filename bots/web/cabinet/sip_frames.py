"""Just enough SIP (RFC 3261) to tell whom a webphone's request speaks for.

The webphone's socket lets a browser send only its own employee's requests (``webphone.py``).
A regular expression over the whole frame can be fooled: by a display name that looks like a
URI (``From: "sip:mine@x" <sip:theirs@pbx>``), by a URI parameter that looks like a tag
(``To: <sip:x@pbx;tag=1>``), or by a line of the body that looks like a header. So the frame's
head is read as SIP reads it: the header block only (up to the empty line), folded lines
joined, compact names expanded, a name-addr's display name skipped and its URI taken between
the angle brackets, and the header's own parameters (``;tag=``) only after them.
"""

from __future__ import annotations

import msgspec

COMPACT = {"f": "from", "t": "to"}  # RFC 3261 7.3.3: the compact forms of the headers read here


class SipRequest(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    from_user: str | None  # the user part of the From URI; None if missing, repeated or unreadable
    to_user: str | None
    to_tag: bool  # the To header has a tag: the request is within a dialog


def read_request(frame: str) -> SipRequest | None:
    """The request in a frame; None for a response or a keep-alive (only blank lines)."""
    if not frame.strip() or frame.startswith("SIP/2.0 "):
        return None
    head = frame.replace("\r\n", "\n").split("\n\n", 1)[0]
    request_line, *lines = head.lstrip("\n").split("\n")
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines:
        if line[:1] in (" ", "\t") and last is not None:  # a folded line continues the header above
            headers[last][-1] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            last = None
            continue
        last = COMPACT.get(name.strip().lower(), name.strip().lower())
        headers.setdefault(last, []).append(value.strip())
    from_uri, _ = _one_address(headers.get("from", []))
    to_uri, to_params = _one_address(headers.get("to", []))
    return SipRequest(
        method=request_line.split(" ", 1)[0].upper(),
        from_user=_user(from_uri),
        to_user=_user(to_uri),
        to_tag=any(p.partition("=")[0].strip().lower() == "tag" for p in to_params.split(";")[1:]),
    )


def _one_address(values: list[str]) -> tuple[str, str]:
    """(URI, the header's parameters starting with ';') of a From or To given exactly once."""
    if len(values) != 1:
        return "", ""
    value = values[0]
    if value.startswith('"'):  # a quoted display name, which may hold anything (escaped quotes too)
        at = 1
        while at < len(value) and value[at] != '"':
            at += 2 if value[at] == "\\" else 1
        if at >= len(value):
            return "", ""
        value = value[at + 1 :].lstrip()
    if "<" in value:  # name-addr: the URI is between the brackets, the header's parameters after
        start = value.index("<")
        end = value.find(">", start)
        return ("", "") if end < 0 else (value[start + 1 : end].strip(), value[end + 1 :].strip())
    uri, semicolon, params = value.partition(";")  # addr-spec: a ';' starts the header's parameters
    return uri.strip(), semicolon + params


def _user(uri: str) -> str | None:
    scheme, _, rest = uri.partition(":")
    if scheme.lower() not in ("sip", "sips") or "@" not in rest:
        return None
    return rest.split("@", 1)[0].split(":", 1)[0] or None  # userinfo without a password
