"""The in-cabinet notification list for every employee: the bell in the shell's header (its
unread count, kept live by the cabinet's shared stream: the DOM event ``vats:live`` of kind
``notification``), the list at /cabinet/notifications, mark one or all read."""

from __future__ import annotations

import zoneinfo
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from vats.bots.web.cabinet.kit import EVERYONE, kernel_of, page, require, tenant_transaction
from vats.plugins.notifications import inbox

PAGE = "/cabinet/notifications"
BELL = "notifications/_bell.html"  # drawn in the shell's header (CabinetPages.header)


class InboxPage(Controller):
    path = PAGE
    include_in_schema = False

    async def _render(self, request: Request[Any, Any, Any], template: str) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            notices = await inbox.listing(tx.conn, tx.tenant.id, me.employee_id)
            unread = await inbox.unread(tx.conn, tx.tenant.id, me.employee_id)
            zone = zoneinfo.ZoneInfo(tx.tenant.time_zone)
        return await page(request, template, notices=notices, unread=unread, zone=zone, inbox_page=PAGE)

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._render(request, "notifications/inbox.html")

    @get("/list")
    async def fragment(self, request: Request[Any, Any, Any]) -> Template:
        """The list alone, for an open page to read again when the stream says it changed."""
        return await self._render(request, "notifications/_inbox.html")

    @get("/bell")
    async def bell(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            unread = await inbox.unread(tx.conn, tx.tenant.id, me.employee_id)
        return await page(request, "notifications/_bell_link.html", unread=unread)

    @post("/{notice_id:int}/read")
    async def read_one(self, request: Request[Any, Any, Any], notice_id: FromPath[int]) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await inbox.mark_read(tx.conn, tx.tenant.id, me.employee_id, notice_id)
        return await self._render(request, "notifications/inbox.html")

    @post("/read")
    async def read_all(self, request: Request[Any, Any, Any]) -> Template:
        me = require(request, EVERYONE)
        async with tenant_transaction(kernel_of(request), me) as tx:
            await inbox.mark_read(tx.conn, tx.tenant.id, me.employee_id)
        return await self._render(request, "notifications/inbox.html")


TEXTS_RU = {
    "inbox_title": "Уведомления",
    "inbox_bell": "Уведомления",
    "inbox_unread": "непрочитанных: {n}",
    "inbox_empty": "Уведомлений пока нет.",
    "inbox_mark_read": "Прочитано",
    "inbox_mark_all": "Отметить все прочитанными",
    "inbox_open": "Открыть",
    "inbox_new": "новое",
}
TEXTS_EN = {
    "inbox_title": "Notifications",
    "inbox_bell": "Notifications",
    "inbox_unread": "unread: {n}",
    "inbox_empty": "No notifications yet.",
    "inbox_mark_read": "Mark read",
    "inbox_mark_all": "Mark all read",
    "inbox_open": "Open",
    "inbox_new": "new",
}
