"""What a block sees while it decides: the call, the tenant's snapshot, who may ring now, and
where it writes its reasons (trace) and its task intents."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from vats.core.availability import CalendarFacts, employee_verdict, terminal_verdict
from vats.core.calls.intents import TaskIntent as TaskIntent  # re-exported for blocks written against it
from vats.core.directory.models import Employee, Terminal
from vats.core.engine.primitives import DialLeg, Primitive
from vats.core.regions import CallerRegion
from vats.core.snapshot import TenantSnapshot


class CallFacts(msgspec.Struct, frozen=True, kw_only=True):
    number: str  # the DID called, E.164
    caller: str  # the caller's number, E.164 when known
    at: dt.datetime  # when the call started (aware)


class CallerContact(msgspec.Struct, frozen=True, kw_only=True):
    """The caller's contact as a CRM plugin knows it (``lookup_contact`` hook)."""

    name: str | None = None
    tags: list[str] = []
    personal_manager_id: uuid.UUID | None = None


class RingState(msgspec.Struct, frozen=True, kw_only=True):
    """Live state for strategies: employees on a call, and when each last finished a call."""

    busy: set[uuid.UUID] = set()
    idle_since: dict[uuid.UUID, float] = {}


class TraceEntry(msgspec.Struct, frozen=True, kw_only=True):
    step: int
    block: str
    decision: str
    why: str = ""


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """A block's answer for one step: a primitive for Asterisk with the block's new cursor (an
    instance of its ``Cursor``), or ``done`` with how it ended: "connected", "next" (on to the
    next stage), "failed" (to the insurance) or "hangup"."""

    primitive: Primitive | None = None
    cursor: msgspec.Struct | None = None
    done: str | None = None


class StepContext:
    def __init__(
        self,
        *,
        snapshot: TenantSnapshot,
        facts: CallFacts,
        step: int,
        region: CallerRegion | Callable[[], CallerRegion | None] | None,
        contact: CallerContact | None,
        busy: set[uuid.UUID],
        idle_since: dict[uuid.UUID, float],
    ) -> None:
        self.snapshot = snapshot
        self.facts = facts
        self.step = step
        self._region = region  # a value, or how to find it (only region filters need it)
        self.contact = contact
        self.busy = busy  # employees on a call now (least busy, one call per terminal)
        self.idle_since = idle_since  # when each employee last finished a call (uniform strategy)
        self.trace: list[TraceEntry] = []
        self.intents: list[TaskIntent] = []
        self.groups: list[uuid.UUID] = []  # groups whose members this step rings
        self.options: Any = None  # the branch's Options (hold music, number as caller ID)

    @property
    def region(self) -> CallerRegion | None:
        if callable(self._region):
            self._region = self._region()
        return self._region

    def note(self, block: str, decision: str, why: str = "") -> None:
        self.trace.append(TraceEntry(step=self.step, block=block, decision=decision, why=why))

    def employee(self, employee_id: uuid.UUID) -> Employee | None:
        return self.snapshot.employees.get(employee_id)

    def legs_for(
        self, employee: Employee, *, primary_only: bool, block: str, terminal_id: uuid.UUID | None = None
    ) -> list[DialLeg]:
        """The employee's terminals that may ring now (availability rules), as dial legs; each
        skipped terminal is noted with the reason. Parallel ringing uses primary terminals only;
        ``terminal_id`` names the one terminal wanted (their own mobile in a forwarding list)."""
        schedule = self.snapshot.schedules.get(employee.schedule_id)
        calendar = self.snapshot.calendars.get(employee.calendar_id, CalendarFacts())
        time_zone = self.snapshot.tenant.time_zone
        employee_part = employee_verdict(
            employee, self.facts.at, schedule=schedule.intervals if schedule else [], calendar=calendar,
            tenant_time_zone=time_zone,
        )  # fmt: skip
        legs = []
        employee_id = str(employee.id)
        # Sequential: one terminal after another, each for its own ring time (and after its own
        # delay); the previous stops ringing when the next starts. Parallel: all at once.
        sequential = employee.ring_mode == "sequential"
        starts_at = 0
        for terminal in self.snapshot.terminals(employee):
            if terminal_id is not None and terminal.id != terminal_id:
                continue
            if primary_only and not terminal.is_primary and terminal_id is None:
                continue
            terminal_schedule = self.snapshot.schedules.get(terminal.schedule_id) if terminal.schedule_id else None
            verdict = terminal_verdict(
                employee, terminal, self.facts.at, employee_part,
                terminal_schedule=terminal_schedule.intervals if terminal_schedule else None,
                tenant_time_zone=time_zone,
            )  # fmt: skip
            if not verdict.can_ring:
                self.note(block, f"skip {employee.full_name} ({terminal.kind})", verdict.reason)
                continue
            if not sequential:
                legs.append(DialLeg(address=address_of(terminal), employee_id=employee_id))
                continue
            starts_at += terminal.ring_delay_s
            legs.append(
                DialLeg(address=address_of(terminal), employee_id=employee_id, delay_s=starts_at,
                        ring_s=terminal.ring_time_s)
            )  # fmt: skip
            starts_at += terminal.ring_time_s
        return legs


def address_of(terminal: Terminal) -> str:
    return f"sip/{terminal.sip_login}" if terminal.sip_login else f"tel/{terminal.external_number}"
