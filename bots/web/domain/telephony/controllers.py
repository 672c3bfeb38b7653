"""Telephony in the cabinet: click-to-call, outbound caller-ID rules and bans, the live state
of SIP lines; and the operator's SIP trunks."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import (
    ADMIN,
    EVERYONE,
    OPERATOR,
    KernelDep,
    MeDep,
    OperatorDep,
    TenantDep,
)
from vats.core.asterisk import outbound, trunks
from vats.core.asterisk.click_to_call import CallStarted, click_to_call
from vats.core.asterisk.outbound import Ban, BanIn, CallerIdRule, CallerIdRuleIn


class CallIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: Annotated[str, msgspec.Meta(examples=["+79161234567", "201"], max_length=40)]
    terminal_id: uuid.UUID | None = None  # which of the caller's SIP lines rings first (default: the first)


class Line(msgspec.Struct, kw_only=True):
    terminal_id: uuid.UUID
    employee_id: uuid.UUID
    sip_login: str
    registered: bool
    state: str  # Asterisk's device state: NOT_INUSE, INUSE, RINGING, UNAVAILABLE, UNKNOWN


class CallController(Controller):
    path = "/api/calls"
    tags = ["calls"]

    @post(operation_id="clickToCall", summary="Ring my phone, then the number", opt={"roles": EVERYONE})
    async def click_to_call(self, kernel: KernelDep, me: MeDep, data: JSONBody[CallIn]) -> CallStarted:
        """Your SIP line rings first; when you pick up, vats dials ``to`` (a colleague's
        extension or an outside number, with your outbound caller ID and bans)."""
        return await click_to_call(kernel, me.tenant_id, me.employee_id, data.to, data.terminal_id)


class OutboundController(Controller):
    path = "/api/outbound"
    tags = ["outbound"]

    @get("/caller-ids", operation_id="listCallerIdRules", summary="Outbound caller-ID rules", opt={"roles": ADMIN})
    async def list_rules(self, tx: TenantDep) -> list[CallerIdRule]:
        return await outbound.list_rules(tx.conn, tx.tenant.id)

    @post("/caller-ids", operation_id="setCallerIdRule", summary="Set a caller-ID rule", opt={"roles": ADMIN})
    async def add_rule(self, tx: TenantDep, data: JSONBody[CallerIdRuleIn]) -> CallerIdRule:
        """The most specific scope wins (line, employee, group, tenant); within a scope, the
        longest matching destination prefix ("" matches every destination)."""
        return await outbound.add_rule(tx.conn, tx.tenant.id, data)

    @delete(
        "/caller-ids/{rule_id:uuid}", operation_id="deleteCallerIdRule", summary="Delete a caller-ID rule",
        opt={"roles": ADMIN}, status_code=HTTP_204_NO_CONTENT,
    )  # fmt: skip
    async def delete_rule(self, tx: TenantDep, rule_id: FromPath[uuid.UUID]) -> None:
        await outbound.delete_rule(tx.conn, tx.tenant.id, rule_id)

    @get("/bans", operation_id="listOutboundBans", summary="Outbound bans per SIP line", opt={"roles": ADMIN})
    async def list_bans(self, tx: TenantDep) -> list[Ban]:
        return await outbound.list_bans(tx.conn, tx.tenant.id)

    @post("/bans", operation_id="addOutboundBan", summary="Ban destinations on a SIP line", opt={"roles": ADMIN})
    async def add_ban(self, tx: TenantDep, data: JSONBody[BanIn]) -> Ban:
        return await outbound.add_ban(tx.conn, tx.tenant.id, data)

    @delete(
        "/bans/{ban_id:uuid}", operation_id="deleteOutboundBan", summary="Lift a ban", opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )  # fmt: skip
    async def delete_ban(self, tx: TenantDep, ban_id: FromPath[uuid.UUID]) -> None:
        await outbound.delete_ban(tx.conn, tx.tenant.id, ban_id)


class LineController(Controller):
    path = "/api/lines"
    tags = ["calls"]

    @get(operation_id="listLines", summary="SIP lines: registered? on a call?", opt={"roles": EVERYONE})
    async def list_lines(self, tx: TenantDep) -> list[Line]:
        """Admins see every line of the PBX; others their own. Live, from Asterisk."""
        principal = tx.me
        rows = await tx.conn.fetch(
            "SELECT id, employee_id, sip_login FROM terminals WHERE tenant_id = $1 AND sip_login IS NOT NULL"
            " AND ($2 OR employee_id = $3) ORDER BY employee_id, position, id",
            tx.tenant.id, principal.role == "admin", principal.employee_id,
        )  # fmt: skip
        telephony = tx.kernel.telephony
        clients = telephony.ami if telephony is not None else []
        lines = []
        for r in rows:
            login = r["sip_login"]
            registered = any(c.live.registered.get(login) for c in clients)
            state = next((c.live.device[login] for c in clients if login in c.live.device), "UNKNOWN")
            lines.append(Line(terminal_id=r["id"], employee_id=r["employee_id"], sip_login=login,
                              registered=registered, state=state))  # fmt: skip
        return lines


class TrunkController(Controller):
    path = "/api/operator/trunks"
    tags = ["operator"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get(operation_id="operatorListTrunks", summary="SIP trunks (passwords are never shown)")
    async def list_trunks(self, operator: OperatorDep) -> list[trunks.Trunk]:
        async with operator.system() as conn:
            return await trunks.list_trunks(conn)

    @post(operation_id="operatorCreateTrunk", summary="Add a SIP trunk")
    async def create_trunk(self, operator: OperatorDep, data: JSONBody[trunks.TrunkIn]) -> trunks.Trunk:
        """Inbound calls from ``inbound_match`` (default: ``host``) reach the tenant owning the
        DID; outbound calls leave through the first trunk with ``outbound``."""
        return await operator.actions.create_trunk(data)

    @delete(
        "/{trunk_id:uuid}", operation_id="operatorDeleteTrunk", summary="Remove a SIP trunk",
        status_code=HTTP_204_NO_CONTENT,
    )  # fmt: skip
    async def delete_trunk(self, operator: OperatorDep, trunk_id: FromPath[uuid.UUID]) -> None:
        await operator.actions.delete_trunk(trunk_id)
