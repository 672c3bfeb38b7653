"""Recording inbound calls on the real Asterisk: the warning the caller hears is in the file's
first seconds, and the answering employee's override decides whether the file is kept."""

from __future__ import annotations

import array
import asyncio
import math
import wave
from pathlib import Path
from typing import Any

import msgspec
from vats.core.directory.models import EmployeeUpdate, NumberUpdate
from vats.core.directory.numbers import update_number
from vats.core.directory.service import TenantCreated
from vats.plugins.billing import catalogue

from tests.asterisk.conftest import Pbx

MAIN = "+74955550001"
FRAME = 160  # 20 ms at 8 kHz


def _envelope(path: Path, seconds: float) -> list[float]:
    """The loudness (RMS) of each 20 ms of the first ``seconds`` of an 8 kHz 16-bit WAV."""
    with wave.open(str(path)) as w:
        assert w.getframerate() == 8000 and w.getsampwidth() == 2
        samples = array.array("h", w.readframes(int(8000 * seconds)))
    return [
        math.sqrt(sum(x * x for x in samples[i : i + FRAME]) / FRAME) for i in range(0, len(samples) - FRAME, FRAME)
    ]


def _similarity(a: list[float], b: list[float]) -> float:
    """Pearson correlation of two loudness envelopes of the same length."""
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va and vb else 0.0


async def _recording_tenant(pbx: Pbx, tenant: TenantCreated, **settings: Any) -> Any:
    d = pbx.kernel.directory
    number = await d.assign_number(tenant.tenant_id, MAIN)
    await d.set_availability(tenant.tenant_id, tenant.admin_id, "available")
    current = await d.get_tenant(tenant.tenant_id)
    await d.update_tenant(tenant.tenant_id, settings=msgspec.structs.replace(current.settings, **settings))
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(tenant.tenant_id) as conn:  # recording is a paid option of Start
        await catalogue.set_options(conn, tenant.tenant_id, ["recording"])
    return number


async def test_inbound_calls_are_recorded_with_the_warning_first(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    number = await _recording_tenant(pbx, vats_tenant, recording_enabled=True, recording_default=True)
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.tenant(vats_tenant.tenant_id) as conn:
        await update_number(conn, vats_tenant.tenant_id, number.id, NumberUpdate(recording_warning=True))
    await pbx.apply()
    await pbx.call(MAIN, hold=8)
    (record,) = await pbx.records(1)
    assert record["answered_by"] is not None
    (recording,) = record["recordings"]
    # The recording starts as the warning plays: its first seconds sound like the standard
    # warning (same loudness over time), not like silence or the colleague's hold music.
    warning = pbx.kernel.config.media_dir / "standard" / "recording_warning.wav"
    expected = await asyncio.to_thread(_envelope, warning, 2.0)
    heard = await asyncio.to_thread(_envelope, Path(recording), 2.4)
    best = max(_similarity(heard[lag:], expected) for lag in range(0, 20))  # up to 0.4 s late
    assert best > 0.8, f"the recording does not start with the warning (similarity {best:.2f})"


async def test_an_employee_who_opts_out_of_recording_is_not_recorded_on_inbound_calls(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    await _recording_tenant(pbx, vats_tenant, recording_enabled=True, recording_default=True)
    await pbx.kernel.directory.update_employee(vats_tenant.tenant_id, vats_tenant.admin_id, EmployeeUpdate(recording="off"))
    await pbx.apply()
    await pbx.call(MAIN, hold=4)
    (record,) = await pbx.records(1)
    assert record["answered_by"] is not None
    assert record["recordings"] == []
    folder = pbx.kernel.config.media_dir / "recordings" / str(vats_tenant.tenant_id)
    left = await asyncio.to_thread(lambda: list(folder.glob("*.wav")) if folder.exists() else [])
    assert left == []  # the file Asterisk wrote is gone too


async def test_an_employee_who_opts_in_is_recorded_although_the_pbx_records_nothing(
    pbx: Pbx, vats_tenant: TenantCreated
) -> None:
    await _recording_tenant(pbx, vats_tenant, recording_enabled=True, recording_default=False)
    await pbx.kernel.directory.update_employee(vats_tenant.tenant_id, vats_tenant.admin_id, EmployeeUpdate(recording="on"))
    await pbx.apply()
    await pbx.call(MAIN, hold=4)
    (record,) = await pbx.records(1)
    (recording,) = record["recordings"]
    assert (await asyncio.to_thread(Path(recording).stat)).st_size > 1000
