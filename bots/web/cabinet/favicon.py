"""The cabinet's icon: linked from every page's head, and at /favicon.ico for a browser that asks
there anyway (without it, every page view logged a 404)."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from vats.bots.web.cabinet.session import PUBLIC

ICON = (Path(__file__).parent / "static" / "favicon.svg").read_bytes()
# A day: the icon changes with a release at most, and a browser asks for it on every page otherwise.
CACHE = "public, max-age=86400"


@get(["/favicon.ico", "/favicon.svg"], opt={PUBLIC: True}, include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": CACHE})
