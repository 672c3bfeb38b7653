"""PATCH /api/numbers/{id}: a number's recording is "default" (as the PBX says), "on" or "off";
anything else is refused naming the field, and nothing is saved."""

from __future__ import annotations

from vats.bots.web.testing import ApiClients
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel


async def test_a_number_is_set_not_to_record_and_a_yes_no_answer_is_refused(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_api: ApiClients
) -> None:
    number = await vats_kernel.directory.assign_number(vats_tenant.tenant_id, "+74951230099", "Офис")
    assert number.recording == "default"  # a new number records as the PBX says
    admin = await vats_api.as_employee(vats_tenant.tenant_id, vats_tenant.admin_id)
    saved = await admin.patch(f"/api/numbers/{number.id}", json={"recording": "off"})
    assert saved.status_code == 200 and saved.json()["recording"] == "off"
    for wrong in (True, "never"):
        refused = await admin.patch(f"/api/numbers/{number.id}", json={"recording": wrong})
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == "recording"
    shown = (await admin.get(f"/api/numbers/{number.id}")).json()
    assert shown["recording"] == "off"  # the refused changes left it as it was
