"""The migration agreement in the operator portal (/operator/migration-agreement): the text in
force to edit (saving publishes a new version), every version (each readable, none editable),
and who accepted which version when. Every publication is in the operator audit log."""

from __future__ import annotations

import zoneinfo
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import REFUSED, CabinetPages, NavEntry, kernel_of, redirect, refusal
from vats.bots.web.cabinet.operator.kit import actor, language, message, page, record, texts
from vats.core.errors import VatsError
from vats.plugins.migration import agreement
from vats.plugins.migration.agreement import AgreementIn

PAGE = "/operator/migration-agreement"
SHOWN = 200  # acceptances listed, newest first
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")  # the operator's clock for the times shown


async def _context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    async with kernel_of(request).db.system() as conn:
        current = await agreement.latest(conn)
        versions = await agreement.versions(conn)
        rows = await conn.fetch(
            "SELECT a.version, a.employee_name, a.employee_email, a.accepted_at, a.tenant_id, t.name AS tenant"
            " FROM migration_agreement_acceptances a JOIN tenants t ON t.id = a.tenant_id"
            " ORDER BY a.accepted_at DESC, a.version DESC LIMIT $1",
            SHOWN,
        )
    return {"current": current, "versions": versions, "acceptances": rows, "zone": MOSCOW, "base": PAGE}


class OperatorAgreementPage(Controller):
    path = PAGE
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        context = await _context(request)
        published = str(request.query_params.get("published", ""))
        shown = published.isascii() and published.isdigit()
        notice = texts(language(request))["mig_op_published"].format(version=published) if shown else ""
        current = context["current"]
        values = {"title": current.title, "body": current.body} if current else {}
        return page(request, "migration/operator_agreement.html", notice=notice, values=values, **context)

    @post("/")
    async def publish(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        # Read as posted: ``form_fields`` cuts every field to the kit's 10 000 characters, and
        # an agreement's text may be up to 200 000 (``agreement._check`` holds both limits).
        posted = await request.form()
        form = {k: v for k in ("title", "body") if isinstance(v := posted.get(k, ""), str)}
        try:
            async with kernel_of(request).db.system() as conn:
                saved = await agreement.publish(
                    conn, AgreementIn(title=form.get("title", ""), body=form.get("body", "")), actor(request).label
                )
                await record(conn, actor(request), "migration_agreement_published", detail={"version": saved.version})
        except VatsError as exc:
            refused = refusal(language(request), exc, "body", form, say=message)
            return page(request, "migration/operator_agreement.html", status_code=REFUSED,
                        **{**await _context(request), **refused})  # fmt: skip
        return redirect(f"{PAGE}?published={saved.version}")

    @get("/{version:int}")
    async def version(self, request: Request[Any, Any, Any], version: FromPath[int]) -> Template:
        async with kernel_of(request).db.system() as conn:
            shown = await agreement.version(conn, version)
        return page(request, "migration/operator_version.html", shown=shown, zone=MOSCOW, base=PAGE)


def operator_pages() -> CabinetPages:
    from vats.plugins.migration.terms_texts import TEXTS_EN, TEXTS_RU

    return CabinetPages(
        handlers=[OperatorAgreementPage],
        nav=[NavEntry(href=PAGE, label_ru="Оферта миграции", label_en="Migration agreement", section="operator",
                      order=160)],
        texts_ru=TEXTS_RU, texts_en=TEXTS_EN, area="operator",
    )  # fmt: skip
