"""The employee card (no browser: the real sign-in form, CSRF and pages over HTTP): an admin adds a
SIP line of the chosen kind with a log-in of their own, moves a line to another kind and another
employee, sees a taken log-in refused beside its input, and creates a new cabinet password that
is shown once and works."""

from __future__ import annotations

import html
import re

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.models import EmployeeCreate, SipLineCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

CARD = "/cabinet/settings/employees/{}"


async def test_an_admin_adds_moves_and_renames_lines_and_makes_a_password_on_the_card(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Анна", email="anna@t.example"))
    boris, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Борис", email="boris@t.example")
    )
    other = await vats_kernel.directory.create_tenant(name="Чужая", admin_email="x@other.example")
    await vats_kernel.directory.create_employee(
        other.tenant_id,
        EmployeeCreate(full_name="Ч", email="c@other.example", sip_lines=[SipLineCreate(sip_login="taken-7")]),
    )
    admin_email = await give_password(vats_kernel, tid, vats_tenant.admin_id)
    app = create_app(vats_kernel)
    admin = CabinetClient(app)
    try:
        assert (await admin.sign_in(admin_email, TEST_PASSWORD)).status_code in (302, 303)
        card = CARD.format(anna.id)
        added = await admin.post_form(
            f"{card}/sip-lines", {"kind": "mobile_app", "sip_login": "anna-desk"}, form_page=card
        )
        assert added.status_code == 200, added.text[:2000]
        assert "<code>anna-desk</code>" in added.text
        refused = await admin.post_form(
            f"{card}/sip-lines", {"kind": "softphone", "sip_login": "TAKEN-7"}, form_page=card
        )
        assert refused.status_code == 422
        assert "Логин TAKEN-7 уже занят другой линией (в этой или другой АТС)." in html.unescape(refused.text)
        assert 'id="sip-line-sip_login-error"' in refused.text
        lines = await _lines(vats_kernel, tid, anna.id)
        assert [(k, login) for k, login in lines][-1] == ("mobile_app", "anna-desk") and len(lines) == 4
        # The new line goes to Boris as his softphone; its log-in and password stay.
        desk = await _terminal_id(vats_kernel, tid, "anna-desk")
        moved = await admin.post_form(
            f"{card}/terminals/{desk}",
            {"kind": "softphone", "employee_id": str(boris.id), "active": "on", "is_primary": "on",
             "ring_delay_s": "0", "ring_time_s": "20", "channels": "1"},
            form_page=card,
        )  # fmt: skip
        assert moved.status_code == 200, moved.text[:2000]
        assert ("softphone", "anna-desk") in await _lines(vats_kernel, tid, boris.id)
        assert "anna-desk" not in [login for _, login in await _lines(vats_kernel, tid, anna.id)]
        # A new cabinet password: shown once on the page, and it signs Anna in.
        made = await admin.post_form(f"{card}/password", {}, form_page=card)
        assert made.status_code == 200
        shown = re.search(r'id="new-cabinet-password">([^<]+)<', made.text)
        assert shown, made.text[:3000]
        again = await admin.http.get(card)
        assert shown.group(1) not in again.text  # shown once
        anna_client = CabinetClient(app)
        try:
            assert (await anna_client.sign_in("anna@t.example", html.unescape(shown.group(1)))).status_code in (
                302,
                303,
            )
        finally:
            await anna_client.close()
    finally:
        await admin.close()


async def _lines(kernel: Kernel, tenant_id: object, employee_id: object) -> list[tuple[str, str]]:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:  # type: ignore[arg-type]
        rows = await conn.fetch(
            "SELECT kind, sip_login FROM terminals WHERE employee_id = $1 AND sip_login IS NOT NULL ORDER BY position",
            employee_id,
        )
    return [(r["kind"], r["sip_login"]) for r in rows]


async def _terminal_id(kernel: Kernel, tenant_id: object, login: str) -> object:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant_id) as conn:  # type: ignore[arg-type]
        return await conn.fetchval("SELECT id FROM terminals WHERE sip_login = $1", login)
