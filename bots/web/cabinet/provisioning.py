"""A softphone's settings by QR code: the cabinet shows a single-use, expiring link as a QR code
(segno, SVG); the softphone fetches the link and gets its SIP line in Linphone's remote
provisioning XML (https://wiki.linphone.org/xwiki/wiki/public/view/Lib/Features/Remote%20Provisioning/).
The QR holds only the link; the link answers once, then 404."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import msgspec
import segno
from litestar import Request, Response, get
from litestar.params import FromPath
from vats.bots.web.cabinet.session import PUBLIC
from vats.bots.web.kit import TenantScope, kernel_of
from vats.core.directory import provisioning
from vats.core.directory.provisioning import LineSettings

PATH = "/cabinet/provisioning"
LPCONFIG = "http://www.linphone.org/xsds/lpconfig.xsd"


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """What the page shows beside a line: the QR (an inline SVG) and when its link dies."""

    terminal_id: uuid.UUID
    url: str  # for a softphone that takes the address typed or pasted
    qr_svg: str
    expires_at: dt.datetime


def qr_svg(text: str, title: str) -> str:
    """A QR code as inline SVG (scaled by CSS; dark on light for every camera)."""
    return str(segno.make(text, error="m").svg_inline(scale=4, title=title, svgclass="qr", border=2))


def public_base(request: Request[Any, Any, Any]) -> str:
    """Where people reach vats: VATS_PUBLIC_URL, else the address this browser used (the
    softphone beside it reaches the same one)."""
    config = kernel_of(request).config
    return (config.public_url or str(request.base_url)).rstrip("/")


def sip_domain(request: Request[Any, Any, Any]) -> str:
    """The SIP registrar's host: the host people reach vats at, where the PBX's Asterisk
    listens too."""
    return urlsplit(public_base(request)).hostname or "localhost"


async def provisioning_offer(
    request: Request[Any, Any, Any], tx: TenantScope, employee_id: uuid.UUID, terminal_id: uuid.UUID
) -> Offer:
    link = await provisioning.issue(tx.conn, tx.tenant.id, employee_id, terminal_id)
    url = f"{public_base(request)}{PATH}/{link.token}"
    return Offer(terminal_id=terminal_id, url=url, qr_svg=qr_svg(url, "SIP"), expires_at=link.expires_at)


def linphone_xml(line: LineSettings, domain: str) -> bytes:
    """One SIP line in Linphone's lpconfig XML: the account (proxy_0) and its password (auth_info_0)."""
    ET.register_namespace("", LPCONFIG)
    config = ET.Element(f"{{{LPCONFIG}}}config")

    def section(name: str, entries: dict[str, str]) -> None:
        element = ET.SubElement(config, f"{{{LPCONFIG}}}section", name=name)
        for key, value in entries.items():
            ET.SubElement(element, f"{{{LPCONFIG}}}entry", name=key, overwrite="true").text = value

    display = line.display_name.replace('"', "'")
    section("proxy_0", {
        "reg_proxy": f"<sip:{domain};transport=udp>",
        "reg_identity": f'"{display}" <sip:{line.sip_login}@{domain}>',
        "reg_expires": "3600",
        "reg_sendregister": "1",
        "publish": "0",
    })  # fmt: skip
    section("auth_info_0", {
        "username": line.sip_login,
        "userid": line.sip_login,
        "passwd": line.sip_password,
        "domain": domain,
    })  # fmt: skip
    document: bytes = ET.tostring(config, encoding="utf-8", xml_declaration=True)
    return document


@get(f"{PATH}/{{token:str}}", opt={PUBLIC: True}, include_in_schema=False, cache_control=None)
async def provisioning_xml(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[bytes]:
    """The softphone's fetch: the line's settings once; afterwards (or unknown, or expired) 404."""
    db = kernel_of(request).db
    assert db is not None
    line = await provisioning.redeem(db, token)
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if line is None:
        return Response(b"gone\n", status_code=404, media_type="text/plain", headers=headers)
    return Response(linphone_xml(line, sip_domain(request)), media_type="application/xml", headers=headers)
