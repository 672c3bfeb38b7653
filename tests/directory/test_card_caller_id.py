"""The caller ID in the employee card is the employee's own outbound caller-ID rule without a
prefix: what the card shows and what outside calls show are one value. A prefix rule of the
same employee and a SIP line's rule are more specific and win; a group's or the PBX's rule
gives way to it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from vats.core.asterisk import outbound
from vats.core.directory import employees as employees_repo
from vats.core.directory.models import Employee, EmployeeCreate, EmployeeUpdate, GroupCreate
from vats.core.directory.service import TenantCreated
from vats.core.errors import NotFoundError
from vats.core.kernel import Kernel

MAIN, MOSCOW, SPB, LINE = "+74955550011", "+74955550012", "+78125550013", "+74955550014"


async def _company(kernel: Kernel, tenant: TenantCreated) -> dict[str, Any]:
    d = kernel.directory
    numbers = {e164: await d.assign_number(tenant.tenant_id, e164) for e164 in (MAIN, MOSCOW, SPB, LINE)}
    anna, lines = await d.create_employee(
        tenant.tenant_id, EmployeeCreate(full_name="Анна", email="anna@t.example", caller_id_number_id=numbers[SPB].id)
    )
    group = await d.create_group(tenant.tenant_id, GroupCreate(name="Офис", member_ids=[anna.id]))
    return {"numbers": numbers, "anna": anna, "login": lines[0].sip_login, "lines": lines, "group": group}


async def _shown(kernel: Kernel, login: str, dialled: str) -> str | None:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        decision = await outbound.decide(conn, login, dialled)
    assert decision is not None
    return decision.caller_id


async def _card(kernel: Kernel, tenant: TenantCreated, employee_id: uuid.UUID) -> Employee:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        return await employees_repo.get_employee(conn, tenant.tenant_id, employee_id)


async def _rule(kernel: Kernel, tenant: TenantCreated, **values: Any) -> None:
    assert kernel.db is not None
    async with kernel.db.tenant(tenant.tenant_id) as conn:
        await outbound.add_rule(conn, tenant.tenant_id, outbound.CallerIdRuleIn(**values))


async def test_the_card_caller_id_is_what_outside_calls_show_and_one_rule(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    c = await _company(vats_kernel, vats_tenant)
    assert await _shown(vats_kernel, c["login"], "+79161112233") == SPB  # it had no effect before
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        rules = await outbound.list_rules(conn, vats_tenant.tenant_id)
    assert [(r.scope, r.scope_id, r.prefix, r.number_id) for r in rules] == [
        ("employee", c["anna"].id, "", c["numbers"][SPB].id)
    ]
    # the card changes the rule, and a rule set elsewhere shows in the card
    await vats_kernel.directory.update_employee(
        vats_tenant.tenant_id, c["anna"].id, EmployeeUpdate(caller_id_number_id=c["numbers"][MAIN].id)
    )
    assert await _shown(vats_kernel, c["login"], "+79161112233") == MAIN
    await _rule(vats_kernel, vats_tenant, scope="employee", scope_id=c["anna"].id, number_id=c["numbers"][MOSCOW].id)
    assert (await _card(vats_kernel, vats_tenant, c["anna"].id)).caller_id_number_id == c["numbers"][MOSCOW].id


async def test_a_prefix_rule_of_the_same_employee_wins_over_the_card(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    c = await _company(vats_kernel, vats_tenant)
    await _rule(vats_kernel, vats_tenant, scope="employee", scope_id=c["anna"].id, prefix="+7495",
                number_id=c["numbers"][MOSCOW].id)  # fmt: skip
    assert await _shown(vats_kernel, c["login"], "84951112233") == MOSCOW
    assert await _shown(vats_kernel, c["login"], "+78121112233") == SPB  # elsewhere: the card's


async def test_the_card_wins_over_the_group_and_the_pbx_and_gives_way_to_the_line(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    c = await _company(vats_kernel, vats_tenant)
    await _rule(vats_kernel, vats_tenant, scope="tenant", number_id=c["numbers"][MAIN].id)
    await _rule(vats_kernel, vats_tenant, scope="group", scope_id=c["group"].id, number_id=c["numbers"][MOSCOW].id)
    assert await _shown(vats_kernel, c["login"], "+79161112233") == SPB  # the card's, not the group's
    other_login = c["lines"][1].sip_login
    await _rule(vats_kernel, vats_tenant, scope="line", scope_id=c["lines"][1].terminal_id,
                number_id=c["numbers"][LINE].id)  # fmt: skip
    assert await _shown(vats_kernel, other_login, "+79161112233") == LINE  # that line's own rule
    assert await _shown(vats_kernel, c["login"], "+79161112233") == SPB
    # cleared in the card: the group's rule applies again
    await vats_kernel.directory.update_employee(
        vats_tenant.tenant_id, c["anna"].id, EmployeeUpdate(caller_id_number_id=None)
    )
    assert await _shown(vats_kernel, c["login"], "+79161112233") == MOSCOW


async def test_a_number_of_another_pbx_is_refused_naming_the_field(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    c = await _company(vats_kernel, vats_tenant)
    with pytest.raises(NotFoundError) as refused:
        await vats_kernel.directory.update_employee(
            vats_tenant.tenant_id, c["anna"].id, EmployeeUpdate(caller_id_number_id=uuid.uuid4())
        )
    assert refused.value.field == "caller_id_number_id"
    assert (await _card(vats_kernel, vats_tenant, c["anna"].id)).caller_id_number_id == c["numbers"][SPB].id


async def test_deleting_an_employee_is_not_held_up_by_their_card_caller_id(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    c = await _company(vats_kernel, vats_tenant)
    boris, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id,
        EmployeeCreate(full_name="Борис", email="boris@t.example", caller_id_number_id=c["numbers"][MAIN].id),
    )
    assert await vats_kernel.directory.delete_employee(vats_tenant.tenant_id, boris.id) == []  # no refusal
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        rules = await outbound.list_rules(conn, vats_tenant.tenant_id)
    assert [r.scope_id for r in rules] == [c["anna"].id]  # his went with him
