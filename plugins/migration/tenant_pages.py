"""The migration's pages in a migrated PBX's cabinet, for its admins (seed 000): the banner at the
top of every page, the agreement to read and accept, and «Завершить миграцию» with its last
check of the employees' e-mails («ОК» starts the completion, «Отменить» goes back to Сотрудники),
and «Пересоздать» (asked first).

The banner reaches every page through the shell's header hook (``CabinetPages.header``): a
hidden slot, drawn for admins only, asks ``/cabinet/migration/banner`` once the page has loaded
and puts the answer right under the header. A PBX that was not migrated (or whose migration is
over) answers 204 and nothing is drawn. The slot lives in the header, which the cabinet's
navigation keeps, so the banner stays across pages; forms that change what it shows reload
the whole page."""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from vats.bots.web.cabinet.kit import (
    ADMIN,
    REFUSED,
    CabinetPages,
    form_fields,
    kernel_of,
    page,
    redirect,
    refusal,
    require,
    tenant_transaction,
    texts,
)
from vats.bots.web.cabinet.pages import language
from vats.bots.web.cabinet.texts import Lang, problem_text
from vats.core.errors import ValidationError, VatsError
from vats.plugins.migration import agreement, completion
from vats.plugins.migration.banner import banner
from vats.plugins.migration.recreate import recreate

PAGE = "/cabinet/migration"
TEMPLATES = Path(__file__).with_name("templates")
SLOT = "migration/_banner_slot.html"
EMPLOYEES = "/cabinet/settings/employees"

# The completion's refusals that carry a value, in Russian (the others are texts' ``err:`` keys).
_RU: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^the balance is (?P<sum>-?[\d.]+) ₽: top it up before completing the migration$"),
        "Баланс {sum} ₽: пополните его, чтобы завершить миграцию",
    ),
    (
        re.compile(r"^these numbers have no new scenario to switch to \(it was deleted\): (?P<numbers>.+?);"),
        "У этих номеров нет нового сценария (он удалён): {numbers}. Назначьте каждому сценарий и завершите снова",
    ),
]


def say(lang: Lang, message: str) -> str:
    """A migration service's refusal in the page's language."""
    if lang == "ru":
        for pattern, template in _RU:
            found = pattern.match(message)
            if found:
                return template.format(**found.groupdict())
    return problem_text(lang, message)


class MigrationPages(Controller):
    path = PAGE
    include_in_schema = False

    @get("/banner")
    async def show_banner(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            shown = await banner(tx.conn, tx.tenant.id)
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        # A completed migration is announced once, to the banner that watched it run (it asks
        # with ?watching=1); a page opened afterwards has no banner.
        watching = bool(request.query_params.get("watching"))
        if shown is None or (shown.status == "completed" and not watching):
            return Response(content=None, status_code=204)
        return await page(request, "migration/_banner.html", banner=shown, zone=zone, base=PAGE, recreate=True)

    async def _agreement(self, request: Request[Any, Any, Any], status_code: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            current = await agreement.latest(tx.conn)
            state = await agreement.state(tx.conn, tx.tenant.id)
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        context.setdefault("errors", {})
        return await page(
            request, "migration/agreement.html", status_code=status_code, current=current, state=state, zone=zone,
            base=PAGE, **context,
        )  # fmt: skip

    @get("/agreement")
    async def show_agreement(self, request: Request[Any, Any, Any]) -> Template:
        notice = texts(language(request))["mig_accepted"] if request.query_params.get("accepted") else ""
        return await self._agreement(request, notice=notice)

    @post("/agreement")
    async def accept(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        form = await form_fields(request)
        try:
            text = form.get("version", "").strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²" is a digit int() refuses
                raise ValidationError("no such version of the migration agreement", field="version")
            async with tenant_transaction(kernel_of(request), me) as tx:
                await agreement.accept(tx.conn, tx.tenant.id, me.employee_id, int(text))
        except VatsError as exc:
            return await self._agreement(request, REFUSED, **refusal(language(request), exc, "version", form))
        return redirect(f"{PAGE}/agreement?accepted=1")

    async def _confirm(self, request: Request[Any, Any, Any], status_code: int = 200, **context: Any) -> Template:
        me = require(request, ADMIN)
        async with tenant_transaction(kernel_of(request), me) as tx:
            state = await completion.state(tx.conn, tx.tenant.id)
        context.setdefault("errors", {})
        return await page(
            request, "migration/complete.html", status_code=status_code, state=state, base=PAGE,
            employees_page=EMPLOYEES, **context,
        )  # fmt: skip

    @get("/complete")
    async def confirm(self, request: Request[Any, Any, Any]) -> Template:
        """The last list to check: every employee's e-mail, where the invitations go."""
        notice = texts(language(request))["mig_started"] if request.query_params.get("started") else ""
        return await self._confirm(request, notice=notice)

    @post("/complete")
    async def complete(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        """«ОК»: the admin saw the list, so the e-mails are confirmed; the completion starts in
        the background (irreversible) or is refused, the reason shown beside the button."""
        me = require(request, ADMIN)
        try:
            await completion.request_completion(kernel_of(request), me.tenant_id, me.employee_id, emails_confirmed=True)
        except VatsError as exc:
            refused = refusal(language(request), exc, "complete", {}, say=say)
            return await self._confirm(request, REFUSED, errors={"complete": next(iter(refused["errors"].values()))})
        return redirect(f"{PAGE}/complete?started=1")

    @get("/recreate")
    async def confirm_recreate(self, request: Request[Any, Any, Any]) -> Template:
        """«Пересоздать»: what is wiped and what stays, then the button (or the cancel link)."""
        require(request, ADMIN)
        done = bool(request.query_params.get("done"))
        return await page(request, "migration/recreate.html", base=PAGE, done=done, errors={})

    @post("/recreate")
    async def start_over(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        me = require(request, ADMIN)
        try:
            await recreate(kernel_of(request), me.tenant_id)
        except VatsError as exc:
            refused = refusal(language(request), exc, "recreate", {}, say=say)
            return await page(request, "migration/recreate.html", status_code=REFUSED, base=PAGE, done=False,
                              errors={"recreate": next(iter(refused["errors"].values()))})  # fmt: skip
        return redirect(f"{PAGE}/recreate?done=1")


def tenant_pages() -> CabinetPages:
    from vats.plugins.migration.terms_texts import TEXTS_EN, TEXTS_RU

    return CabinetPages(
        handlers=[MigrationPages], templates=TEMPLATES, texts_ru=TEXTS_RU, texts_en=TEXTS_EN, header=[SLOT],
    )  # fmt: skip
