"""Legacy tariffs for migrated PBXs (seed 000: the old terms kept 30 calendar days): the operator
maps an old tariff code to a legacy and a target tariff; on ``migration_completed`` the PBX is
billed on the legacy one, told 10 days before the change (once), and moved to the target on
the 30th day after completion (prorated, once, whatever the number of workers); an unmapped
code gives the default tariff and warns the operator. The monthly job's clock is the ``today``
it is given, as in test_monthly.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
import pytest_asyncio
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core import hookimpl
from vats.core.directory.service import TenantCreated
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel
from vats.core.operators.accounts import OperatorAccounts
from vats.plugins.billing import legacy, monthly, tariff_change

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

OLD = "Бизнес-2019"
MAPPINGS = "/api/operator/billing/legacy-tariffs"
COMPLETED = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SWITCH_ON = dt.date(2026, 4, 9)  # 10 March + 30 days: the first day on the target
NOTICE_ON = dt.date(2026, 3, 30)  # 10 days before


class Events:
    """A plugin that notes billing's announcements."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def billing_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind in ("tariff_change_soon", "tariff_changed"):
            self.seen.append((kind, payload))


@pytest_asyncio.fixture
async def mapped(vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated) -> uuid.UUID:
    """An old tariff's terms as a vats tariff (500 ₽, 5 seats), mapped to Pro; the PBX has money
    and is charged from 1 March, on the 1st of each month."""
    op = vats_api.operator()
    r = await op.post("/api/operator/billing/tariffs", json={
        "code": "old-business", "name": "Бизнес (2019)", "monthly_fee_kop": 50_000, "seats_included": 5,
        "extra_seat_kop": 20_000, "legacy": True})  # fmt: skip
    assert r.status_code == 201, r.text
    r = await op.put(MAPPINGS, json={"old_code": OLD, "legacy_tariff": "old-business", "target_tariff": "pro"})
    assert r.status_code == 200, r.text
    tid = vats_tenant.tenant_id
    r = await op.post(f"/api/operator/billing/tenants/{tid}/adjustments", json={
        "direction": "credit", "amount_kop": 10_000_000, "reason": "тест", "idempotency_key": "legacy"})  # fmt: skip
    assert r.status_code == 200, r.text
    async with vats_kernel.db.system() as conn:
        await conn.execute(
            "UPDATE billing_accounts SET charge_from = '2026-03-01', billing_day = 1 WHERE tenant_id = $1", tid
        )
    return tid


async def _complete(kernel: Kernel, tenant_id: uuid.UUID, code: str | None = OLD) -> None:
    async with kernel.db.tenant(tenant_id) as conn:
        await legacy.migration_completed(conn, kernel, tenant_id, {"tariff": code}, now=COMPLETED)


async def _tariff(kernel: Kernel, tenant_id: uuid.UUID) -> str:
    async with kernel.db.system() as conn:
        code: str = await conn.fetchval(
            "SELECT t.code FROM billing_accounts a JOIN billing_tariffs t ON t.id = a.tariff_id WHERE a.tenant_id = $1",
            tenant_id,
        )
        return code


async def _charges(kernel: Kernel, tenant_id: uuid.UUID) -> list[tuple[int, str]]:
    async with kernel.db.system() as conn:
        rows = await conn.fetch(
            "SELECT amount_kop, reason FROM billing_ledger WHERE tenant_id = $1 AND kind = 'charge' ORDER BY id",
            tenant_id,
        )
    return [(r["amount_kop"], r["reason"]) for r in rows]


async def _bells(kernel: Kernel, tenant_id: uuid.UUID, kind: str) -> int:
    async with kernel.db.system() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM notification_inbox WHERE tenant_id = $1 AND kind = $2", tenant_id, kind
            )
        )


async def test_a_migrated_pbx_keeps_its_old_terms_30_days_then_moves_to_the_target_prorated(
    vats_kernel: Kernel, vats_register_plugin: Any, mapped: uuid.UUID
) -> None:
    events = Events()
    vats_register_plugin(events)
    await _complete(vats_kernel, mapped)
    assert await _tariff(vats_kernel, mapped) == "old-business"
    await monthly.run_due(vats_kernel, today=dt.date(2026, 3, 10))  # March charged at the old price
    assert await _charges(vats_kernel, mapped) == [(-50_000, "Тариф «Бизнес (2019)» за 01.03.2026–31.03.2026")]
    for day in (dt.date(2026, 3, 11), NOTICE_ON - dt.timedelta(days=1)):
        assert "tariff_change_soon" not in await monthly.run_due(vats_kernel, today=day)
    assert (await monthly.run_due(vats_kernel, today=NOTICE_ON))["tariff_change_soon"] == 1
    for day in (NOTICE_ON, dt.date(2026, 4, 1), SWITCH_ON - dt.timedelta(days=1)):  # told once; April still old
        done = await monthly.run_due(vats_kernel, today=day)
        assert "tariff_change_soon" not in done and "legacy_ended" not in done
    assert await _tariff(vats_kernel, mapped) == "old-business"
    assert (await monthly.run_due(vats_kernel, today=SWITCH_ON))["legacy_ended"] == 1
    assert await _tariff(vats_kernel, mapped) == "pro"
    # Pro costs 2 490 ₽ a month more; 22 of April's 30 days are left: 249 000 × 22 / 30 kopecks
    assert (await _charges(vats_kernel, mapped))[-1] == (-182_600, "Переход на тариф «Про»: 22 из 30 дней")
    await monthly.run_due(vats_kernel, today=dt.date(2026, 5, 1))
    assert (await _charges(vats_kernel, mapped))[-1] == (-299_000, "Тариф «Про» за 01.05.2026–31.05.2026")
    kinds = [(k, p.get("reason")) for k, p in events.seen]
    assert kinds == [("tariff_change_soon", None), ("tariff_changed", "legacy_ended")]
    soon = events.seen[0][1]
    assert soon["switch_on"] == "2026-04-09" and soon["monthly_then_kop"] == 299_000 and soon["to"] == "pro"
    # the admins heard it in the cabinet's bell, each once
    assert await _bells(vats_kernel, mapped, "notifications.tariff_change_soon") == 1
    assert await _bells(vats_kernel, mapped, "notifications.legacy_ended") == 1


async def test_the_switch_and_the_notice_happen_once_with_concurrent_workers(
    vats_kernel: Kernel, mapped: uuid.UUID
) -> None:
    await _complete(vats_kernel, mapped)
    await monthly.run_due(vats_kernel, today=dt.date(2026, 3, 10))
    runs = await asyncio.gather(*(legacy.run_due(vats_kernel, NOTICE_ON) for _ in range(6)))
    assert sum(r.get("tariff_change_soon", 0) for r in runs) == 1
    # the job missed 1-8 April: April is charged at the old price first, then the rest prorated
    runs = await asyncio.gather(*(monthly.run_due(vats_kernel, today=SWITCH_ON) for _ in range(6)))
    assert sum(r.get("legacy_ended", 0) for r in runs) == 1 and sum(r["charged"] for r in runs) == 1
    assert (await _charges(vats_kernel, mapped))[1:] == [
        (-50_000, "Тариф «Бизнес (2019)» за 01.04.2026–30.04.2026"),
        (-182_600, "Переход на тариф «Про»: 22 из 30 дней"),
    ]
    async with vats_kernel.db.system() as conn:
        changes = await conn.fetch("SELECT from_code, to_code, actor FROM billing_tariff_changes WHERE tenant_id = $1",
                                   mapped)  # fmt: skip
    assert [tuple(c) for c in changes] == [("old-business", "pro", "system")]
    assert await _bells(vats_kernel, mapped, "notifications.tariff_change_soon") == 1
    assert await _bells(vats_kernel, mapped, "notifications.legacy_ended") == 1


async def test_a_tariff_changed_meanwhile_is_left_alone(
    vats_api: ApiClients, vats_kernel: Kernel, mapped: uuid.UUID
) -> None:
    await _complete(vats_kernel, mapped)
    r = await vats_api.operator().put(f"/api/operator/billing/tenants/{mapped}/tariff", json={"tariff": "start"})
    assert r.status_code == 200, r.text
    assert await monthly.run_due(vats_kernel, today=SWITCH_ON) == {"charged": 1, "superseded": 1}
    assert await _tariff(vats_kernel, mapped) == "start"


async def test_the_cabinet_shows_the_old_tariff_and_the_day_it_ends(
    vats_kernel: Kernel, vats_tenant: TenantCreated, mapped: uuid.UUID
) -> None:
    await _complete(vats_kernel, mapped)
    client = CabinetClient(vats_kernel_app(vats_kernel))
    email = await give_password(vats_kernel, mapped, vats_tenant.admin_id)
    try:
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code in (302, 303)
        for path in ("/cabinet/settings/finances", "/cabinet/settings/finances/tariff"):
            shown = await client.http.get(path)
            assert shown.status_code == 200
            assert "прежнего тарифа «Бизнес (2019)» до 08.04.2026 включительно" in shown.text
            assert "на тариф «Про» (2\u00a0990,00\u00a0₽ в месяц)" in shown.text
        tariff_page = (await client.http.get("/cabinet/settings/finances/tariff")).text
        assert 'data-tariff="old-business"' in tariff_page  # its own column: the terms it has
    finally:
        await client.close()


def vats_kernel_app(kernel: Kernel) -> Any:
    from vats.bots.web.app import create_app

    return create_app(kernel)


async def test_a_legacy_tariff_is_never_offered_for_self_service(
    vats_kernel: Kernel, vats_tenant: TenantCreated, mapped: uuid.UUID
) -> None:
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        offered = [t.code for t, _ in await tariff_change.offers(conn, vats_tenant.tenant_id)]
        assert offered == ["start", "pro"]
        with pytest.raises(ValidationError) as refused:
            async with conn.transaction():
                await tariff_change.change(conn, vats_kernel, vats_tenant.tenant_id, "old-business", actor="a@b.c")
        assert refused.value.field == "tariff"
    assert await _tariff(vats_kernel, vats_tenant.tenant_id) == "start"


async def test_an_unmapped_code_gets_the_default_tariff_and_warns_the_operator_until_mapped(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    op = vats_api.operator()
    assert (await op.put(f"/api/operator/billing/tenants/{tid}/tariff", json={"tariff": "pro"})).status_code == 200
    async with vats_kernel.db.tenant(tid) as conn:  # as the migration plugin fires it
        await vats_kernel.plugins.emit(
            "migration_completed", tenant_id=tid, conn=conn, summary={"source": "old", "tariff": "Эконом-2015"}
        )
    assert await _tariff(vats_kernel, tid) == "start"
    (terms,) = (await op.get(f"{MAPPINGS}/tenants")).json()
    assert terms["old_code"] == "Эконом-2015" and terms["legacy_tariff"] is None
    await OperatorAccounts(vats_kernel.db, vats_kernel.accounts).create("olga@operator.example", "op-Passw0rd-1")
    portal = CabinetClient(vats_api.app)
    try:
        token = await portal.csrf("/operator/signin")
        signed = await portal.http.post("/operator/signin", data={
            "email": "olga@operator.example", "password": "op-Passw0rd-1", "_csrf_token": token})  # fmt: skip
        assert signed.status_code == 303
        page = await portal.http.get("/operator/billing/legacy")
        assert page.status_code == 200 and 'id="unmapped"' in page.text and "Эконом-2015" in page.text
        summary = await portal.http.get("/operator/dashboard")  # the portal's Сводка says so too
        assert "Перенесённых клиентов, чей старый тариф не сопоставлен: 1." in summary.text
        r = await op.post("/api/operator/billing/tariffs", json={
            "code": "old-economy", "name": "Эконом (2015)", "monthly_fee_kop": 30_000, "seats_included": 2,
            "extra_seat_kop": 10_000, "legacy": True})  # fmt: skip
        assert r.status_code == 201, r.text
        saved = await portal.post_form("/operator/billing/legacy", {
            "old_code": "Эконом-2015", "legacy_tariff": "old-economy", "target_tariff": "start"},
            form_page="/operator/billing/legacy")  # fmt: skip
        assert saved.status_code == 303
        page = await portal.http.get(saved.headers["location"])
        assert 'id="unmapped"' not in page.text and 'data-code="Эконом-2015"' in page.text
        assert 'id="widget-billing-legacy"' not in (await portal.http.get("/operator/dashboard")).text
    finally:
        await portal.close()
    # its 30 days count from its completion (today): it is on the old terms now
    assert await _tariff(vats_kernel, tid) == "old-economy"
    async with vats_kernel.db.system() as conn:
        audited = await conn.fetchval("SELECT actor FROM operator_audit WHERE action = 'billing_legacy_tariff_mapped'")
    assert audited == "olga@operator.example"


async def test_bad_mappings_are_refused_naming_the_field_and_write_nothing(
    vats_api: ApiClients, vats_kernel: Kernel
) -> None:
    op = vats_api.operator()
    cases = [
        ({"old_code": "X", "legacy_tariff": "nope", "target_tariff": "pro"}, "legacy_tariff"),
        ({"old_code": "X", "legacy_tariff": "start", "target_tariff": "start"}, "target_tariff"),
        ({"old_code": "   ", "legacy_tariff": "start", "target_tariff": "pro"}, "old_code"),
        ({"old_code": "X", "legacy_tariff": "start", "target_tariff": "Pro!"}, "target_tariff"),
    ]
    for body, field in cases:
        r = await op.put(MAPPINGS, json=body)
        assert r.status_code in (400, 422) and r.json().get("field") == field, (body, r.text)
    gone = await op.delete(f"{MAPPINGS}/X")
    assert gone.status_code == 404 and gone.json()["field"] == "old_code"
    assert (await op.get(MAPPINGS)).json() == []
    async with vats_kernel.db.system() as conn:
        assert not await conn.fetchval("SELECT count(*) FROM billing_tariffs WHERE legacy")
        assert not await conn.fetchval("SELECT count(*) FROM operator_audit WHERE action LIKE 'billing_legacy%'")


async def test_the_operator_maps_changes_and_removes_a_code_audited(vats_api: ApiClients, vats_kernel: Kernel) -> None:
    op = vats_api.operator()
    r = await op.put(MAPPINGS, json={"old_code": " Офис ", "legacy_tariff": "start", "target_tariff": "pro"})
    assert r.status_code == 200 and r.json()["mapping"]["old_code"] == "Офис"
    r = await op.put(MAPPINGS, json={"old_code": "Офис", "legacy_tariff": "pro", "target_tariff": "start"})
    assert r.json()["mapping"] == {"old_code": "Офис", "legacy_tariff": "pro", "target_tariff": "start",
                                   "legacy_name": "Про", "target_name": "Старт"}  # fmt: skip
    assert (await op.delete(f"{MAPPINGS}/Офис")).status_code == 204
    assert (await op.get(MAPPINGS)).json() == []
    async with vats_kernel.db.system() as conn:
        actions = [r["action"] for r in await conn.fetch(
            "SELECT action FROM operator_audit WHERE action LIKE 'billing_legacy%' ORDER BY id")]  # fmt: skip
    assert actions == ["billing_legacy_tariff_mapped", "billing_legacy_tariff_mapped", "billing_legacy_tariff_unmapped"]


async def _economy(vats_api: ApiClients) -> None:
    r = await vats_api.operator().post("/api/operator/billing/tariffs", json={
        "code": "old-economy", "name": "Эконом (2015)", "monthly_fee_kop": 30_000, "seats_included": 2,
        "extra_seat_kop": 10_000, "legacy": True})  # fmt: skip
    assert r.status_code == 201, r.text


async def test_a_code_mapped_after_the_30_days_moves_the_waiting_pbx_to_the_target_at_once(
    vats_api: ApiClients, vats_kernel: Kernel, vats_register_plugin: Any, vats_tenant: TenantCreated
) -> None:
    """Completed on 10 March unmapped (default tariff); the operator maps the code on 20 April,
    after its 30 days: the PBX is on the target from that day (before the fix it was marked
    superseded by the next monthly step and stayed on the default tariff for ever)."""
    events = Events()
    vats_register_plugin(events)
    tid = vats_tenant.tenant_id
    async with vats_kernel.db.system() as conn:
        await conn.execute("UPDATE billing_accounts SET charge_from = '2026-03-01', billing_day = 1 WHERE tenant_id = $1", tid)
    await _complete(vats_kernel, tid, "Эконом-2015")
    assert await _tariff(vats_kernel, tid) == "start"
    await _economy(vats_api)
    async with vats_kernel.db.system() as conn:
        _, applied = await legacy.save_mapping(
            conn, vats_kernel, "Эконом-2015", "old-economy", "pro", today=dt.date(2026, 4, 20)
        )
    assert applied == 1 and await _tariff(vats_kernel, tid) == "pro"
    for day in (dt.date(2026, 4, 21), dt.date(2026, 5, 1)):
        assert "superseded" not in await legacy.run_due(vats_kernel, today=day)
    assert await _tariff(vats_kernel, tid) == "pro"
    async with vats_kernel.db.system() as conn:
        outcome = await conn.fetchval("SELECT outcome FROM billing_legacy_terms WHERE tenant_id = $1", tid)
    assert outcome == "switched"
    assert [(k, p["from"], p["to"], p["reason"]) for k, p in events.seen] == [
        ("tariff_changed", "start", "pro", "legacy_ended")
    ]


async def test_a_code_mapped_late_leaves_a_tariff_chosen_meanwhile_alone(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await _complete(vats_kernel, tid, "Эконом-2015")
    assert (await vats_api.operator().put(f"/api/operator/billing/tenants/{tid}/tariff", json={"tariff": "pro"})).status_code == 200
    await _economy(vats_api)
    async with vats_kernel.db.system() as conn:
        await legacy.save_mapping(conn, vats_kernel, "Эконом-2015", "old-economy", "start", today=dt.date(2026, 4, 20))
        outcome = await conn.fetchval("SELECT outcome FROM billing_legacy_terms WHERE tenant_id = $1", tid)
    assert outcome == "superseded" and await _tariff(vats_kernel, tid) == "pro"


async def test_a_mapping_saved_while_a_migration_completes_with_its_code_maps_that_pbx(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """The completion's transaction (no mapping read yet committed) is still open while the
    operator saves the mapping: once both commit, the PBX has the code's terms."""
    tid = vats_tenant.tenant_id
    await _economy(vats_api)
    now = dt.datetime.now(dt.UTC)
    saving: asyncio.Task[Any] | None = None

    async def save() -> None:
        async with vats_kernel.db.system() as conn:
            await legacy.save_mapping(conn, vats_kernel, "Эконом-2015", "old-economy", "pro")

    async with vats_kernel.db.tenant(tid) as conn:  # the migration's transaction
        await legacy.migration_completed(conn, vats_kernel, tid, {"tariff": "Эконом-2015"}, now=now)
        saving = asyncio.create_task(save())
        for _ in range(500):  # until the save is done, or waits for this transaction
            async with vats_kernel.db.system() as probe:
                if saving.done() or await probe.fetchval("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)"):
                    break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the save neither finished nor waited")
    await asyncio.wait_for(saving, 10)
    async with vats_kernel.db.system() as conn:
        mapped = await conn.fetchval(
            "SELECT l.code FROM billing_legacy_terms g JOIN billing_tariffs l ON l.id = g.legacy_tariff_id"
            " WHERE g.tenant_id = $1",
            tid,
        )
    assert mapped == "old-economy" and await _tariff(vats_kernel, tid) == "old-economy"
