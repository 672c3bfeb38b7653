"""``vats asterisk render``: the configuration for every tenant, and a real Asterisk loads it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from vats.core.asterisk import trunks
from vats.core.directory.service import TenantCreated

from tests.asterisk.conftest import Pbx
from tests.bots.test_cli import vats


def test_render_writes_lines_dids_fallbacks_and_the_ami_user(vats_database_url: str, tmp_path: Path) -> None:
    made = vats(vats_database_url, "tenant", "create", "--name", "Альфа", "--admin-email", "a@alpha.example")
    assert made.returncode == 0, made.stderr
    tenant_id = made.stdout.split('"tenant_id":"')[1].split('"')[0]
    assert vats(vats_database_url, "number", "add", "--tenant", tenant_id, "+74951230001").returncode == 0
    out = tmp_path / "asterisk"
    result = vats(vats_database_url, "asterisk", "render", "--out", str(out), VATS_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    pjsip = (out / "pjsip.conf").read_text()
    logins = re.findall(r"^\[(005\d{7})\]\ntype = endpoint", pjsip, flags=re.M)
    assert len(logins) == 3  # the admin's three SIP lines
    dialplan = (out / "extensions.conf").read_text()
    for form in ("+74951230001", "74951230001"):  # with or without +: both reach the fallback
        assert f"exten => {form},1,Dial(PJSIP/" in dialplan
    assert "AGI(${VATS_AGI}/step" in dialplan
    assert "[vats]" in (out / "manager.conf").read_text()
    again = vats(vats_database_url, "asterisk", "render", "--out", str(out), VATS_DATA_DIR=str(tmp_path))
    assert "up to date" in again.stdout
    refused = vats(vats_database_url, "asterisk", "render")
    assert refused.returncode == 2 and "--out" in refused.stderr


async def test_asterisk_loads_the_operators_trunk(pbx: Pbx, vats_tenant: TenantCreated) -> None:
    assert pbx.kernel.db is not None
    async with pbx.kernel.db.system() as conn:
        await trunks.create_trunk(conn, trunks.TrunkIn(
            name="provider", host="127.0.0.2", username="74950000000", password="s3cret", dial_format="national"))  # fmt: skip
    await pbx.apply()
    shown = await asyncio.to_thread(pbx.sandbox.cli, "pjsip show endpoint trunk-provider")
    assert "trunk-provider" in shown and "vats-in" in shown  # inbound calls from it enter the routing loop
    registrations = await asyncio.to_thread(pbx.sandbox.cli, "pjsip show registrations")
    assert "trunk-provider" in registrations
    dialplan = await asyncio.to_thread(pbx.sandbox.cli, "dialplan show vats-pstn")
    assert "PJSIP/8${EXTEN:1}@trunk-provider" in dialplan
