"""Settings → Интеграции: пользователи CRM (admins): each employee of the PBX beside their user
id in the company's external CRM, which the CRM's events carry (``crm_event``, events.py). The
same table and rules as /api/crm/users (api/settings.py); an emptied input removes the mapping.
The whole form is saved in one transaction, so a refused input saves nothing."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    REFUSED,
    form_context,
    form_fields,
    kernel_of,
    language,
    page,
    redirect,
    refusal,
    require,
    tenant_transaction,
)
from vats.core.errors import NotFoundError, ValidationError, VatsError

PAGE = "/cabinet/settings/crm-users"
PREFIX = "external_"  # an input's name: external_<employee id>
MAX_EXTERNAL = 200  # as UserMappingIn


def _employee_of(name: str) -> uuid.UUID:
    try:
        return uuid.UUID(name.removeprefix(PREFIX))
    except ValueError as exc:
        raise NotFoundError("no such employee in this PBX", field="form") from exc


class CrmUserPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request, notice=request.query_params.get("done", ""))

    async def _page(self, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            rows = await tx.conn.fetch(
                "SELECT e.id, e.full_name, e.extension, m.external_id FROM employees e"
                " LEFT JOIN crm_user_map m ON m.tenant_id = e.tenant_id AND m.employee_id = e.id"
                " WHERE e.tenant_id = $1 ORDER BY e.full_name, e.id",
                tx.tenant.id,
            )
        saved = {f"{PREFIX}{r['id']}": r["external_id"] or "" for r in rows}
        context = form_context(context)
        context["values"] = {**saved, **context["values"]}
        employees = [{"input": f"{PREFIX}{r['id']}", "name": r["full_name"], "extension": r["extension"] or ""}
                     for r in rows]  # fmt: skip
        return await page(request, "crm/users.html", status, employees=employees, **context)

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        try:
            async with tenant_transaction(kernel_of(request), me) as tx:
                for name, raw in form.items():
                    if not name.startswith(PREFIX):
                        continue
                    employee_id = _employee_of(name)
                    if not await tx.conn.fetchval(
                        "SELECT true FROM employees WHERE tenant_id = $1 AND id = $2", tx.tenant.id, employee_id
                    ):
                        # Not a row of this page (another PBX's, or gone): said above the table.
                        raise NotFoundError("no such employee in this PBX", field="form")
                    external = raw.strip()
                    if len(external) > MAX_EXTERNAL:
                        raise ValidationError(f"must be at most {MAX_EXTERNAL} characters", field=name)
                    if external:
                        await tx.conn.execute(
                            "INSERT INTO crm_user_map (tenant_id, employee_id, external_id) VALUES ($1, $2, $3)"
                            " ON CONFLICT (tenant_id, employee_id) DO UPDATE SET external_id = EXCLUDED.external_id",
                            tx.tenant.id, employee_id, external,
                        )  # fmt: skip
                    else:
                        await tx.conn.execute(
                            "DELETE FROM crm_user_map WHERE tenant_id = $1 AND employee_id = $2",
                            tx.tenant.id, employee_id,
                        )  # fmt: skip
        except VatsError as exc:
            return await self._page(request, REFUSED, **refusal(language(request), exc, "form", form))
        return redirect(f"{PAGE}?done=saved")


TEXTS_RU = {
    "crm_users_title": "Интеграции: пользователи CRM",
    "crm_users_intro": "Укажите для сотрудников их идентификаторы пользователей во внешней CRM: события звонков,"
    " контактов и задач передают их вместе с сотрудником. Пустое поле — сопоставление удаляется.",
    "crm_users_employee": "Сотрудник",
    "crm_users_extension": "Внутренний номер",
    "crm_users_external": "ID пользователя в CRM",
    "crm_users_external_of": "ID пользователя в CRM: {name}",
    "crm_users_none": "В АТС пока нет сотрудников.",
    "crm_users_saved": "Сопоставление сохранено.",
    "crm_users_webhook": "Куда отправляются события CRM",
    "err:no such employee in this PBX": "В этой АТС нет такого сотрудника.",
}
TEXTS_EN = {
    "crm_users_title": "Integrations: CRM users",
    "crm_users_intro": "Give each employee their user id in the external CRM: call, contact and task events"
    " carry it with the employee. An empty input removes the mapping.",
    "crm_users_employee": "Employee",
    "crm_users_extension": "Extension",
    "crm_users_external": "CRM user id",
    "crm_users_external_of": "CRM user id: {name}",
    "crm_users_none": "The PBX has no employees yet.",
    "crm_users_saved": "Mapping saved.",
    "crm_users_webhook": "Where CRM events go",
}
