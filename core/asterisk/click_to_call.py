"""Click-to-call: ring the employee's own SIP line first; when they pick up, Asterisk dials the
destination with their outbound caller ID and bans (the dialplan's outbound path).

Shared by every frontend: the cabinet API (``POST /api/calls``) and the Telegram bot's "call
back" button on a task alert.
"""

from __future__ import annotations

import uuid

import msgspec
from vats.core.asterisk.ami import AmiError
from vats.core.asterisk.outbound import normalise_destination
from vats.core.asterisk.render import context_of
from vats.core.errors import NotFoundError, ValidationError, VatsError
from vats.core.protocols import KernelAPI


class TelephonyUnavailable(VatsError):
    """The PBX has no Asterisk connected right now (a state of the service, so 409, not 5xx)."""

    status = 409
    title = "Telephony unavailable"


class CallStarted(msgspec.Struct, kw_only=True):
    line: str  # the SIP login that rings first
    to: str


def check_destination(to: str) -> str:
    """An extension or a phone number, as typed; refused naming the field ``to``."""
    to = to.strip()
    digits = "".join(ch for ch in to if ch.isdigit())
    if any(ch not in "+0123456789 -()" for ch in to) or not 2 <= len(digits) <= 15:
        raise ValidationError("an extension or a phone number", field="to")
    return to


async def click_to_call(
    kernel: KernelAPI, tenant_id: uuid.UUID, employee_id: uuid.UUID, to: str, terminal_id: uuid.UUID | None = None
) -> CallStarted:
    to = check_destination(to)
    digits = "".join(ch for ch in to if ch.isdigit())
    async with kernel.db.tenant(tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT id, sip_login FROM terminals WHERE tenant_id = $1 AND employee_id = $2"
            " AND sip_login IS NOT NULL AND active ORDER BY position, id",
            tenant_id, employee_id,
        )  # fmt: skip
    line = next((r for r in rows if terminal_id in (None, r["id"])), None)
    if line is None:
        raise NotFoundError("no such active SIP line of yours", field="terminal_id")
    telephony = kernel.telephony
    if telephony is None or not telephony.ami:
        raise TelephonyUnavailable("no Asterisk is connected (set VATS_AMI_URL)")
    target = to if len(digits) <= 6 else normalise_destination(to)
    login = line["sip_login"]
    try:
        await telephony.ami[0].originate(
            telephony.router.dialing.sip.format(login=login), context=context_of(tenant_id),
            exten=target, caller_id=f'"vats" <{target}>', variables={"VATS_LOGIN": login},
        )  # fmt: skip
    except AmiError as exc:
        raise TelephonyUnavailable(str(exc)) from None
    return CallStarted(line=login, to=target)
