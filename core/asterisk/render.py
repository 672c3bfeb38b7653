"""Asterisk's configuration for every tenant, rendered from the database (``vats asterisk render``).

Static files rather than PJSIP realtime: a reload through AMI applies a change in well under a
second (measured by the tests: a new SIP line registers within seconds), the rendered files
can be read and diffed by a person, and Asterisk keeps working from them when PostgreSQL is
down. Realtime would query the database on every REGISTER and INVITE.

The dialplan is a short generic loop (DESIGN.md "Call routing"): every DID enters ``vats-in``;
each step asks the router (FastAGI) for one primitive, a ``vats-<op>`` context executes it and
jumps back with its result. If the router is unreachable, or names no context that exists, the
DID's own static fallback rings the tenant's first admin (computed here, at render time).

The files are Jinja templates in ``templates/`` (one per file written; most are static); this
module prepares what they show. The ``vats-<op>`` contexts come from ``vats.core.asterisk.wire``.
"""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import msgspec
from vats.core.asterisk import wire
from vats.core.media import refs

TEMPLATES = Path(__file__).with_name("templates")


class Terminal(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    login: str
    password: str
    extension: str
    caller_name: str
    webrtc: bool = False  # the employee's webphone: a browser over WebSocket, DTLS-SRTP and ICE


class Did(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: uuid.UUID
    e164: str
    fallback_logins: list[str]


class GroupLines(msgspec.Struct, frozen=True, kw_only=True):
    """A group's extension and its members' SIP lines (what its internal fallback dials)."""

    tenant_id: uuid.UUID
    extension: str
    logins: list[str]


class RoomExtension(msgspec.Struct, frozen=True, kw_only=True):
    """A conference room's extension: dialled from the tenant's phones, routed by the router
    only (no static fallback: without the router there is no PIN check)."""

    tenant_id: uuid.UUID
    extension: str


class Trunk(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    host: str
    port: int = 5060
    username: str | None = None
    password: str | None = None
    inbound_match: str | None = None
    dial_format: str = "e164"
    outbound: bool = True


class CelDatabase(msgspec.Struct, frozen=True, kw_only=True):
    """Where Asterisk writes CEL: host (or a Unix-socket folder), port, database, user, password."""

    hostname: str
    port: int
    dbname: str
    user: str
    password: str = ""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    agi_url: str = "agi://127.0.0.1:4573"
    ami_port: int = 5038
    ami_user: str = "vats"
    ami_secret: str
    sip_port: int = 5060
    # Asterisk's HTTP server, on the loopback only: the webphone's SIP-over-WebSocket endpoint
    # (/ws), which vats proxies through its own HTTPS port (bots/web/cabinet/webphone.py)
    http_port: int = 8088
    rtp_start: int = 10000
    rtp_end: int = 20000
    cel: CelDatabase | None = None
    media_dir: Path
    moh_classes: dict[str, list[str]] = {}  # class -> files (absolute, no extension)
    extra_dialplan: str = ""  # appended to extensions.conf (the test sandbox's dialplan phones)
    name: str = "vats"  # instance name: its run, spool, log and db folders
    sip_dial: str = "PJSIP/{login}"  # how the static dialplan rings a SIP line (as VATS_SIP_DIAL)


class RenderInput(msgspec.Struct, frozen=True, kw_only=True):
    terminals: list[Terminal]
    dids: list[Did]
    trunks: list[Trunk]
    tenants: list[uuid.UUID]
    groups: list[GroupLines] = []
    rooms: list[RoomExtension] = []


async def collect(conn: Any, media_dir: Path) -> tuple[RenderInput, dict[str, list[str]]]:
    """Everything the configuration needs, read in one system-scoped transaction."""
    terminals = [
        Terminal(tenant_id=r["tenant_id"], login=r["sip_login"], password=r["sip_password"] or "",
                 extension=r["extension"], caller_name=r["full_name"], webrtc=r["kind"] == "webphone")
        for r in await conn.fetch(
            "SELECT t.tenant_id, t.sip_login, t.sip_password, t.kind, e.extension, e.full_name FROM terminals t"
            " JOIN employees e ON (e.tenant_id, e.id) = (t.tenant_id, t.employee_id)"
            " WHERE t.sip_login IS NOT NULL ORDER BY t.sip_login"
        )
    ]  # fmt: skip
    admin_lines: dict[uuid.UUID, list[str]] = {}
    for r in await conn.fetch(
        "SELECT DISTINCT ON (e.tenant_id, t.sip_login) e.tenant_id, t.sip_login FROM employees e"
        " JOIN terminals t ON (t.tenant_id, t.employee_id) = (e.tenant_id, e.id)"
        " WHERE e.role = 'admin' AND t.sip_login IS NOT NULL AND e.id = ("
        "   SELECT id FROM employees f WHERE f.tenant_id = e.tenant_id AND f.role = 'admin'"
        "   ORDER BY f.created_at, f.id LIMIT 1)"
    ):
        admin_lines.setdefault(r["tenant_id"], []).append(r["sip_login"])
    dids = [
        Did(tenant_id=r["tenant_id"], e164=r["e164"], fallback_logins=admin_lines.get(r["tenant_id"], []))
        for r in await conn.fetch("SELECT tenant_id, e164 FROM numbers ORDER BY e164")
    ]
    trunks = [
        msgspec.convert(dict(r), Trunk)
        for r in await conn.fetch(
            "SELECT name, host, port, username, password, inbound_match, dial_format, outbound FROM sip_trunks"
            " ORDER BY created_at, name"
        )
    ]
    tenants = [r["id"] for r in await conn.fetch("SELECT id FROM tenants ORDER BY created_at, id")]
    groups = [
        GroupLines(tenant_id=r["tenant_id"], extension=r["extension"], logins=list(r["logins"]))
        for r in await conn.fetch(
            "SELECT g.tenant_id, g.extension, coalesce(array_agg(t.sip_login ORDER BY m.position, t.position)"
            "   FILTER (WHERE t.sip_login IS NOT NULL), '{}') AS logins"
            " FROM groups g LEFT JOIN group_members m ON m.group_id = g.id"
            " LEFT JOIN terminals t ON (t.tenant_id, t.employee_id) = (m.tenant_id, m.employee_id)"
            " GROUP BY g.tenant_id, g.id, g.extension ORDER BY g.tenant_id, g.extension"
        )
    ]
    rooms = [
        RoomExtension(tenant_id=r["tenant_id"], extension=r["extension"])
        for r in await conn.fetch(
            "SELECT tenant_id, extension FROM conference_rooms WHERE extension IS NOT NULL"
            " ORDER BY tenant_id, extension"
        )
    ]
    moh: dict[str, list[str]] = {}
    for r in await conn.fetch("SELECT tenant_id, id, items FROM media"):
        files = refs.chain_files(media_dir, r["tenant_id"], r["items"])
        if files:
            moh[f"vats-{r['id']}"] = files
    return (
        RenderInput(terminals=terminals, dids=dids, trunks=trunks, tenants=tenants, groups=groups, rooms=rooms),
        moh,
    )


def context_of(tenant_id: uuid.UUID) -> str:
    """The tenant's dialplan context for calls its phones make."""
    return f"vats-t-{tenant_id.hex[:12]}"


def render(data: RenderInput, settings: Settings) -> dict[str, str]:
    """File name -> contents, for a folder Asterisk reads with ``-C DIR/asterisk.conf``."""
    env = _environment()
    values = _values(data, settings)
    files = {name: env.get_template(name).render(values) for name in env.list_templates()}
    files["extensions.conf"] += settings.extra_dialplan
    return files


@cache
def _environment() -> jinja2.Environment:
    # Asterisk's own syntax is ${...} and $[...], so Jinja's {{ }} never collides with it.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )  # fmt: skip


def _values(data: RenderInput, s: Settings) -> dict[str, Any]:
    """What the templates show: the settings, and the lines, trunks and DIDs made ready to print."""
    terminals = [
        {"login": t.login, "password": t.password, "extension": t.extension, "tenant_id": t.tenant_id,
         "caller_name": _quote(t.caller_name), "context": context_of(t.tenant_id), "webrtc": t.webrtc}
        for t in data.terminals
    ]  # fmt: skip
    trunks = [{**msgspec.structs.asdict(tr), "endpoint": f"trunk-{tr.name}"} for tr in data.trunks]
    moh = {"vats-hold": [str(s.media_dir / "standard" / "hold_music")], **s.moh_classes}
    for name in ("greeting", "all_busy", "recording_warning", "voicemail_prompt", "hold_music"):
        moh.setdefault(f"vats-{name}", [str(s.media_dir / "standard" / name)])
    return {
        **msgspec.structs.asdict(s), "terminals": terminals, "trunks": trunks, "moh_classes": moh,
        # the dialplan: the wire's names, then the contexts made from the rendered data
        "request": wire.request_args(), "hangup_phase": wire.HANGUP_PHASE, "fields": wire.FIELDS,
        "result": wire.RESULT, "max_steps": wire.MAX_STEPS, "fallback": wire.FALLBACK, "outbound": wire.OUTBOUND,
        "ops": wire.op_contexts(), "pstn": _pstn(data), "fallbacks": _fallbacks(data, s.sip_dial),
        "tenants": [_tenant(tenant, data, s.sip_dial) for tenant in data.tenants],
        "internal_prefix": wire.INTERNAL_PREFIX,
    }  # fmt: skip


def write(files: dict[str, str], out: Path) -> list[Path]:
    """Write the files (only those that changed, so a reload has nothing to do otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in files.items():
        path = out / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def _quote(text: str) -> str:
    return text.replace('"', "").replace("\n", " ")


def _pstn(data: RenderInput) -> str | None:
    """Outside numbers leave through the first outbound trunk, formatted as it wants them."""
    trunk = next((t for t in data.trunks if t.outbound), None)
    if trunk is None:
        return None
    number = {"e164": "+${EXTEN}", "national": "8${EXTEN:1}", "digits": "${EXTEN}"}[trunk.dial_format]
    return f"{number}@trunk-{trunk.name}"


def _fallbacks(data: RenderInput, sip_dial: str) -> list[tuple[str, str]]:
    """Each DID (with and without +) and the phones its static fallback rings (none: hang up)."""
    return [
        (form, "&".join(sip_dial.format(login=login) for login in did.fallback_logins))
        for did in data.dids
        for form in (did.e164, did.e164.lstrip("+"))
    ]


def _tenant(tenant_id: uuid.UUID, data: RenderInput, sip_dial: str) -> dict[str, Any]:
    """A tenant's context for calls its phones make: each extension (an employee's or a group's),
    its name in the routing loop, and the lines its static fallback dials."""
    by_extension: dict[str, list[str]] = {}
    for t in data.terminals:
        if t.tenant_id == tenant_id:
            by_extension.setdefault(t.extension, []).append(t.login)
    for g in data.groups:
        if g.tenant_id == tenant_id:
            by_extension.setdefault(g.extension, []).extend(dict.fromkeys(g.logins))
    for room in data.rooms:
        if room.tenant_id == tenant_id:
            by_extension.setdefault(room.extension, [])
    extensions = [
        (ext, wire.internal_did(tenant_id, ext), "&".join(sip_dial.format(login=x) for x in lines))
        for ext, lines in sorted(by_extension.items())
    ]
    return {"context": context_of(tenant_id), "extensions": extensions}
