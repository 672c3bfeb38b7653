"""A small company for the route-table tests: one employee per role, a department, and one
of every object a route can name, plus a second tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import httpx
from vats.bots.web.testing import ApiClients
from vats.core.asterisk import outbound, trunks
from vats.core.asterisk.outbound import BanIn, CallerIdRuleIn
from vats.core.conferences import rooms as conference_rooms
from vats.core.conferences.models import RoomCreate
from vats.core.directory import employees as employees_repo
from vats.core.directory import numbers as numbers_repo
from vats.core.directory import schedules as schedules_repo
from vats.core.directory.models import (
    AbsenceCreate,
    EmployeeCreate,
    ExtraPeriodCreate,
    GroupCreate,
    ScheduleCreate,
    TagCreate,
)
from vats.core.kernel import Kernel
from vats.core.media import library as media_library
from vats.core.media.models import FilePart, MediaCreate, PausePart
from vats.plugins.billing.documents.store import Draft, lock_number, store
from vats.plugins.ivr import menus as ivr_menus
from vats.plugins.ivr.models import Item, MenuBody, MenuIn, Repeat

from tests.media_samples import SAMPLE_MP3

ROLES = ("admin", "head", "user", "restricted")


@dataclass
class Company:
    tenant_id: uuid.UUID
    employees: dict[str, uuid.UUID] = field(default_factory=dict)  # role -> employee id
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> an id of this tenant
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)


async def build_company(kernel: Kernel, api: ApiClients, name: str, domain: str) -> Company:
    d = kernel.directory
    created = await d.create_tenant(name=name, admin_email=f"admin@{domain}")
    tid = created.tenant_id
    company = Company(tenant_id=tid, employees={"admin": created.admin_id})
    for role in ("head", "user", "restricted"):
        emp, _ = await d.create_employee(
            tid,
            EmployeeCreate(
                full_name=f"{role} {name}", email=f"{role}@{domain}", role=role, external_numbers=["+79160000000"]
            ),
        )
        company.employees[role] = emp.id
    group = await d.create_group(
        tid, GroupCreate(name="Отдел", member_ids=[company.employees["head"], company.employees["user"]])
    )
    target, _ = await d.create_employee(
        tid, EmployeeCreate(full_name=f"target {name}", email=f"target@{domain}", external_numbers=["+79160000001"])
    )
    number = await d.assign_number(tid, "+7495" + str(abs(hash(domain)) % 10_000_000).zfill(7))
    assert kernel.db is not None
    async with kernel.db.tenant(tid) as conn:
        schedule = await schedules_repo.create_schedule(conn, tid, ScheduleCreate(name="Extra"))
        calendar = await schedules_repo.create_calendar(conn, tid, "Extra", official_country=None)
        tag = await numbers_repo.create_tag(conn, tid, TagCreate(kind="call", name="x"))
        absence = await employees_repo.add_absence(
            conn,
            tid,
            target.id,
            AbsenceCreate(kind="vacation", starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 1, 5)),
        )
        period = await employees_repo.add_extra_period(
            conn, tid, target.id,
            ExtraPeriodCreate(available=True, starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), ends_at=dt.datetime(2030, 1, 2, tzinfo=dt.UTC)),
        )  # fmt: skip
        recording = await media_library.upload(conn, kernel.config.media_dir, tid, "Приветствие", SAMPLE_MP3)
        media = await media_library.create_media(
            conn, tid, MediaCreate(name="Приветствие", items=[FilePart(file_id=recording.id), PausePart(ms=300)])
        )
        scenario_id = await conn.fetchval(
            "INSERT INTO scenarios (tenant_id, name, body) VALUES ($1, 'Запасной', $2) RETURNING id",
            tid, {"default": {"handling": {"type": "hangup"}}},
        )  # fmt: skip
        menu = await ivr_menus.create_menu(
            conn,
            tid,
            MenuIn(
                name="Меню",
                level=2,
                body=MenuBody(instruction=["standard:greeting"], items=[Item(key="0", do=Repeat())]),
            ),
        )
        rule = await outbound.add_rule(conn, tid, CallerIdRuleIn(scope="tenant", number_id=number.id))
        line = next(t for t in target.terminals if t.sip_login)
        ban = await outbound.add_ban(conn, tid, BanIn(terminal_id=line.id, prefix="+1"))
        room = await conference_rooms.create_room(conn, tid, RoomCreate(name="Планёрка", extension="700"))
        recipient_id = await conn.fetchval(  # a notification recipient (plugins/notifications)
            "INSERT INTO notification_recipients (tenant_id, kind, address) VALUES ($1, 'email', $2) RETURNING id",
            tid, f"notify@{domain}",
        )  # fmt: skip
    async with kernel.db.tenant(tid) as conn:  # a pending SBP top-up, as the gateway left it
        payment_id = await conn.fetchval(
            "INSERT INTO billing_payments (tenant_id, gateway, gateway_payment_id, purpose, method, amount_kop,"
            " status, idempotency_key, qr_payload, test) VALUES ($1, 'fake', 'p-' || $2, 'top_up', 'sbp', 10000,"
            " 'pending', 'world', 'https://qr.nspk.ru/test', true) RETURNING id",
            tid, str(tid),
        )  # fmt: skip
        # an invoice as billing stores it (its PDF's bytes aside)
        draft = Draft(kind="invoice", issued_on=dt.date(2026, 11, 29), amount_kop=150000, vat_pct=22, vat_kop=27049)
        doc_number = await lock_number(conn, "invoice", 2026)
        document_id = (await store(conn, tid, draft, doc_number, b"%PDF-1.4")).id
    async with kernel.db.system() as conn:
        await conn.execute(  # the operator's requisites: billing's invoices name it as the seller
            "INSERT INTO billing_operator_requisites (name, inn, kpp, address, bank_name, bik, account, corr_account)"
            " VALUES ('ООО «Телеком»', '7736207543', '773601001', 'Москва', 'Банк', '044525225',"
            " '40702810938000000001', '30101810400000000225') ON CONFLICT (id) DO NOTHING"
        )
        trunk = await trunks.create_trunk(
            conn, trunks.TrunkIn(name=f"t-{domain.split('.')[0].lower()}", host="sip.example")
        )
    crm = await crm_objects(kernel, tid, target.id, company.employees["user"], number.e164)
    external = next(t for t in target.terminals if t.kind == "external")
    company.ids = {
        "employee_id": str(target.id),
        "terminal_id": str(external.id),
        "absence_id": str(absence.id),
        "period_id": str(period.id),
        "group_id": str(group.id),
        "schedule_id": str(schedule.id),
        "calendar_id": str(calendar.id),
        "number_id": str(number.id),
        "tag_id": str(tag.id),
        "tenant_id": str(tid),
        "name": "audit",
        "file_id": str(recording.id),
        "scenario_id": str(scenario_id),
        "menu_id": str(menu.id),
        "media_id": str(media.id),
        "token": "no-such-token",
        "rule_id": str(rule.id),
        "ban_id": str(ban.id),
        "room_id": str(room.id),
        "recording_id": f"conf-{room.id.hex}-0",  # a recording that does not exist (404)
        "recipient_id": str(recipient_id),
        "trunk_id": str(trunk.id),
        "payment_id": str(payment_id),
        "document_id": str(document_id),
        "gateway": "yookassa",
        "plan_id": "7b0a1c2e-0000-4000-8000-000000000001",  # billing's seeded rate plan
        "code": "start",  # billing's seeded tariff
        "e164": "+74959990001",  # a number of billing's catalogue
        "draft_id": "00000000-0000-4000-8000-00000000d1af",  # a migration draft that does not exist (404)
        **crm,
    }
    for role in ROLES:
        company.clients[role] = await api.as_employee(tid, company.employees[role])
    return company


async def crm_objects(
    kernel: Kernel, tid: uuid.UUID, target_id: uuid.UUID, user_id: uuid.UUID, did: str
) -> dict[str, str]:
    """A missed call to the target (so a contact, a history row and a task exist) and a deal."""
    from vats.core.calls.records import CallRecord, Participant, store_and_announce

    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    record = CallRecord(
        tenant_id=tid, number=did, caller="+79035550101", started_at=at, ended_at=at + dt.timedelta(seconds=20),
        participants=[Participant(address="tel/+79160000001", employee_id=target_id, outcome="missed")],
    )  # fmt: skip
    await store_and_announce(kernel.db, kernel.plugins, record)  # type: ignore[arg-type]
    assert kernel.db is not None
    async with kernel.db.tenant(tid) as conn:
        contact_id = await conn.fetchval("SELECT id FROM crm_contacts WHERE tenant_id = $1", tid)
        task_id = await conn.fetchval("SELECT id FROM crm_tasks WHERE tenant_id = $1", tid)
        deal_id = await conn.fetchval(
            "INSERT INTO crm_deals (tenant_id, contact_id, title, responsible_id) VALUES ($1, $2, 'Сделка', $3)"
            " RETURNING id",
            tid, contact_id, user_id,
        )  # fmt: skip
    return {"contact_id": str(contact_id), "call_id": str(record.id), "task_id": str(task_id), "deal_id": str(deal_id)}
