"""`vats serve` stops promptly while a cabinet page holds its live-update stream open (uvicorn
would otherwise wait for the endless response)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.serve import start_serve
from tests.web.cabinet.cookie import give_test_password, sign_in
from tests.web.cabinet.sse import open_stream


async def test_ctrl_c_stops_vats_serve_within_seconds_while_a_page_streams(
    tmp_path: Path, vats_database_url: str, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    email = await give_test_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
    served = start_serve(tmp_path, database_url=vats_database_url, env={"VATS_DEMO": "0"})
    try:
        async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as page:
            await sign_in(page, email)
            async with open_stream(page):
                started = time.monotonic()
                await asyncio.to_thread(served.stop)  # SIGINT, as a person stops it
                took = time.monotonic() - started
    finally:
        if served.process.poll() is None:
            served.process.kill()
    assert served.process.returncode == 0
    assert took < 15, f"vats serve took {took:.1f} s to stop with a stream open"
