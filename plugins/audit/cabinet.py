"""The audit log's cabinet page (Settings → Журнал изменений, admins), contributed through
``register_cabinet_pages`` like any third party's page: what changed, when (in the PBX's time
zone), and the name of what changed as it is now."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template
from vats.bots.web.cabinet.kit import ADMIN, CabinetPages, NavEntry, kernel_of, page, require, tenant_transaction

PAGE = "/cabinet/settings/audit"
PAGE_SIZE = 50

# The name each entry's subject has now (gone if deleted since).
_ENTRIES = """
SELECT a.at, a.subject, a.subject_id, a.change,
       CASE a.subject WHEN 'employee' THEN e.full_name WHEN 'group' THEN g.name
                      WHEN 'number' THEN n.e164 WHEN 'tenant' THEN t.name END AS name
  FROM audit_log a
  LEFT JOIN employees e ON a.subject = 'employee' AND e.tenant_id = a.tenant_id AND e.id = a.subject_id
  LEFT JOIN groups g ON a.subject = 'group' AND g.tenant_id = a.tenant_id AND g.id = a.subject_id
  LEFT JOIN numbers n ON a.subject = 'number' AND n.tenant_id = a.tenant_id AND n.id = a.subject_id
  LEFT JOIN tenants t ON a.subject = 'tenant' AND t.id = a.tenant_id
 WHERE a.tenant_id = $1
 ORDER BY a.id DESC LIMIT $2 OFFSET $3
"""


class AuditPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def log(self, request: Request[Any, Any, Any], offset: FromQuery[int] = 0) -> Template:
        me = require(request, ADMIN)
        offset = max(0, offset)
        async with tenant_transaction(kernel_of(request), me) as tx:
            rows = await tx.conn.fetch(_ENTRIES, tx.tenant.id, PAGE_SIZE + 1, offset)
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        entries = [
            {
                "at": _local(r["at"], zone),
                "subject": r["subject"],
                "change": r["change"],
                "gender": gender_of(r["subject"]),
                "name": r["name"],
                "id": str(r["subject_id"]),
            }
            for r in rows[:PAGE_SIZE]
        ]
        return await page(
            request, "audit/log.html", entries=entries, offset=offset, page_size=PAGE_SIZE,
            more=len(rows) > PAGE_SIZE,
        )  # fmt: skip


def _local(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d.%m.%Y %H:%M")


# The grammatical gender of each subject's Russian noun (АТС and Группа are feminine); a
# subject not listed is masculine (Сотрудник, Номер, Сценарий).
GENDERS = ("m", "f")
_GENDER = {"tenant": "f", "group": "f"}


def gender_of(subject: str) -> str:
    return _GENDER.get(subject, "m")


TEXTS_RU = {
    "audit_title": "Журнал изменений",
    "audit_when": "Когда",
    "audit_what": "Что",
    "audit_change": "Изменение",
    "audit_empty": "Изменений пока не было.",
    "audit_gone": "удалено",
    "audit_subject_employee": "Сотрудник",
    "audit_subject_group": "Группа",
    "audit_subject_number": "Номер",
    "audit_subject_tenant": "АТС",
    # The change agrees with the subject's noun: "Сотрудник … создан", "Группа … создана".
    "audit_change_created_m": "создан",
    "audit_change_created_f": "создана",
    "audit_change_updated_m": "изменён",
    "audit_change_updated_f": "изменена",
    "audit_change_deleted_m": "удалён",
    "audit_change_deleted_f": "удалена",
    "audit_change_assigned_m": "добавлен",
    "audit_change_assigned_f": "добавлена",
    "audit_change_promoted_by_operator_m": "назначен администратором (оператором)",
    "audit_change_promoted_by_operator_f": "назначена администратором (оператором)",
}
TEXTS_EN = {
    "audit_title": "Audit log",
    "audit_when": "When",
    "audit_what": "What",
    "audit_change": "Change",
    "audit_empty": "Nothing has changed yet.",
    "audit_gone": "deleted",
    "audit_subject_employee": "Employee",
    "audit_subject_group": "Group",
    "audit_subject_number": "Number",
    "audit_subject_tenant": "PBX",
}
TEXTS_EN.update(
    {
        f"audit_change_{change}_{gender}": text
        for change, text in (
            ("created", "created"), ("updated", "changed"), ("deleted", "deleted"), ("assigned", "added"),
            ("promoted_by_operator", "made an admin (by the operator)"),
        )
        for gender in GENDERS
    }
)  # fmt: skip


def cabinet_pages() -> CabinetPages:
    return CabinetPages(
        handlers=[AuditPage],
        nav=[
            NavEntry(
                href=PAGE, label_ru="Журнал изменений", label_en="Audit log", roles=ADMIN, section="settings", order=900
            )
        ],
        templates=Path(__file__).parent / "templates",
        texts_ru=TEXTS_RU,
        texts_en=TEXTS_EN,
    )
