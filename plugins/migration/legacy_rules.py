"""The old cabinet's rules for one number, as a scenario block that vats's own router runs until
the migration is completed (seed 000: «до завершения миграции звонки идут по старым правилам»).

The block holds the number's old configuration as it was exported, not the new settings: the
VIP lists first (by the caller's number, as the old cabinet matched them; no CRM contact is
needed), then the forwarding list of working time (the number's old schedule, in the PBX's time
zone) or of off hours, each addressee rung in order for its own time. Addressees are the old
SIP lines by log-in (the line rings whoever it is bound to now: the phone is the same) and
outside numbers. It names no employee, schedule or media, so nothing the admin edits in the new
settings changes how calls go before completion. Nobody answering goes to the scenario's
insurance (a voicemail for the admin), so no call is lost.
"""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar

import msgspec
from msgspec import Struct
from vats.core.availability import CalendarFacts, is_working_time
from vats.core.db.database import Connection
from vats.core.directory.models import Interval
from vats.core.directory.validation import check_sip_login, normalise_phone
from vats.core.engine.block import Ref
from vats.core.engine.context import Outcome, StepContext
from vats.core.engine.dialing import Attempt
from vats.core.engine.primitives import DialLeg, StepResult
from vats.core.engine.ringing import ring_through
from vats.core.errors import ValidationError
from vats.core.snapshot import TenantSnapshot

TAG = "migration_old_rules"
BLOCK = "old rules"


class OldAddressee(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One addressee of an old list: a SIP line (its log-in) or an outside number (E.164)."""

    line: str | None = None
    number: str | None = None
    ring_s: Annotated[int, msgspec.Meta(ge=5, le=300)] = 20


class OldVip(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    callers: list[str]  # E.164
    forwarding: list[OldAddressee]


class OldRulesCursor(Struct, kw_only=True, forbid_unknown_fields=True):
    next: int = 0  # addressees rung so far


class OldRules(Struct, tag=TAG, tag_field="type", frozen=True, kw_only=True, forbid_unknown_fields=True):
    number: str  # the DID these rules are for (shown in the trace and the description)
    hours: list[Interval] = []  # the old schedule; empty: round the clock
    forwarding: list[OldAddressee]
    off_hours: list[OldAddressee] = []  # empty: the same list outside the hours
    vip: list[OldVip] = []

    Cursor: ClassVar[type[Struct]] = OldRulesCursor

    async def validate(self, conn: Connection, tenant_id: uuid.UUID, where: str) -> None:
        """Any admin may write this block through the scenarios API, and its lines and numbers
        become Asterisk dial strings: each is held to what the other blocks accept (a SIP
        log-in's characters; a valid phone number), and a number must already be in E.164 (the
        block stores it as dialled, so ``8 495 ...`` would reach the dialplan as written)."""
        _e164(self.number, f"{where}.number")
        lists = [("forwarding", self.forwarding), ("off_hours", self.off_hours)]
        lists += [(f"vip[{i}].forwarding", v.forwarding) for i, v in enumerate(self.vip)]
        for i, vip in enumerate(self.vip):
            for k, caller in enumerate(vip.callers):
                _e164(caller, f"{where}.vip[{i}].callers[{k}]")
        for name, addressees in lists:
            for i, a in enumerate(addressees):
                field = f"{where}.{name}[{i}]"
                if (a.line is None) == (a.number is None):
                    raise ValidationError("an addressee is a line or a number", field=field)
                if a.line is not None:
                    check_sip_login(a.line, f"{field}.line")
                if a.number is not None:
                    _e164(a.number, f"{field}.number")

    def references(self) -> list[Ref]:
        return []  # lines and numbers by value: deleting an employee never rewrites the old rules

    def without(self, ref: Ref) -> OldRules:
        return self

    def describe(self, snapshot: TenantSnapshot) -> str:
        return f"старые правила номера {self.number} (до завершения миграции)"

    def chosen(self, ctx: StepContext) -> tuple[str, list[OldAddressee]]:
        """Which old list this call follows: the caller's VIP list, else working time's or off
        hours' (judged at the call's start instant, so every step of the call agrees)."""
        for vip in self.vip:
            if ctx.facts.caller in vip.callers:
                return f"VIP list «{vip.name}»", vip.forwarding
        if not self.hours:
            return "forwarding list", self.forwarding
        snapshot = ctx.snapshot
        if is_working_time(ctx.facts.at, snapshot.tenant.time_zone, self.hours, CalendarFacts()):
            return "forwarding list, working time", self.forwarding
        return "forwarding list, off hours", self.off_hours or self.forwarding

    async def run(self, ctx: StepContext, cursor: OldRulesCursor, result: StepResult | None) -> Outcome:
        label, addressees = self.chosen(ctx)
        if cursor.next == 0 and result is None:
            ctx.note(BLOCK, f"the old rules of {self.number}: {label}", "the migration is not completed yet")
        attempts = [_attempt(ctx, a) for a in addressees]
        rung = ring_through(ctx, attempts, cursor.next, result, BLOCK)
        if rung.status == "connected":
            return Outcome(done="connected")
        if rung.dial is not None:
            return Outcome(primitive=rung.dial, cursor=OldRulesCursor(next=rung.next_index))
        ctx.note(BLOCK, "nobody answered", "on to insurance")
        return Outcome(done="failed")


def _e164(number: str, field: str) -> None:
    e164 = normalise_phone(number, field)
    if e164 != number:
        raise ValidationError(f"write the number in E.164: {e164}", field=field)


def _lines(snapshot: TenantSnapshot) -> dict[str, tuple[str, uuid.UUID]]:
    """log-in (lower case) -> (the log-in as stored, the employee whose line it is now), worked
    out once per snapshot."""
    lines: dict[str, tuple[str, uuid.UUID]] | None = snapshot.memo.get(TAG)
    if lines is None:
        lines = snapshot.memo[TAG] = {
            t.sip_login.lower(): (t.sip_login, e.id)
            for e in snapshot.employees.values()
            for t in e.terminals
            if t.sip_login
        }
    return lines


def _attempt(ctx: StepContext, addressee: OldAddressee) -> Attempt:
    """The old cabinet rang the line or the number itself, whatever the new availability rules
    say: those are the new settings, not in force until completion."""
    if addressee.line is not None:
        found = _lines(ctx.snapshot).get(addressee.line.lower())
        if found is None:  # the line was deleted since: nothing rings, the next addressee goes on
            return Attempt(f"line {addressee.line}", addressee.ring_s, list)
        login, owner = found
        leg = DialLeg(address=f"sip/{login}", employee_id=str(owner))
        return Attempt(f"line {login}", addressee.ring_s, lambda: [leg], (owner,))
    number = addressee.number or ""
    own = ctx.snapshot.owner_of_number(number)
    employee_id = str(own[0].id) if own is not None else None
    leg = DialLeg(address=f"tel/{number}", employee_id=employee_id)
    return Attempt(number, addressee.ring_s, lambda: [leg], (own[0].id,) if own is not None else ())
