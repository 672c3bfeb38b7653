"""A number's own recording setting on the real Asterisk: "off" wins over the PBX's default "on"."""

from __future__ import annotations

import asyncio

from vats.core.directory.models import NumberUpdate
from vats.core.directory.numbers import update_number
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.asterisk.test_recording import MAIN, _recording_tenant


async def test_a_number_set_not_to_record_is_not_recorded_although_the_pbx_records_every_call(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    number = await _recording_tenant(pbx, vats_tenant, recording_enabled=True, recording_default=True)
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await update_number(conn, vats_tenant.tenant_id, number.id, NumberUpdate(recording="off"))
    await pbx.apply()
    await pbx.call(MAIN, hold=4)
    (record,) = await pbx.records(1)
    assert record["answered_by"] is not None and record["number"] == MAIN
    assert record["recordings"] == []
    folder = pbx.kernel.config.media_dir / "recordings" / str(vats_tenant.tenant_id)
    written = await asyncio.to_thread(lambda: list(folder.glob("*.wav")) if folder.exists() else [])
    assert written == []  # Asterisk never started recording
