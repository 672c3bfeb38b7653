"""The CRM pages' stylesheet, served by the CRM itself (the cabinet serves only its own folder)."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File

STATIC = Path(__file__).with_name("static")


@get("/cabinet/crm/crm.css", include_in_schema=False, cache_control=None)
async def stylesheet() -> File:
    return File(path=STATIC / "crm.css", media_type="text/css; charset=utf-8", content_disposition_type="inline")
