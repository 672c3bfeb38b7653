"""What the migration banner ("плашка", seed 000) shows a migrated PBX's admins at the top of
every cabinet page until the migration is completed: the agreement (accepted? a newer version?),
the check of the moved settings, and the completion with its progress.

The migration's state (status, progress, numbers, employees) is ``completion.py``'s; a PBX it
does not know was not migrated."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError
from vats.plugins.migration import agreement, completion
from vats.plugins.migration.agreement import AgreementState

Status = Literal["pending", "completing", "completed"]


class Banner(msgspec.Struct, kw_only=True):
    agreement: AgreementState
    status: Status
    steps_done: int = 0
    steps_total: int = 0
    numbers_without_scenario: list[str] = []  # the new scenario was deleted: nothing to switch to
    employees_without_email: int = 0  # a placeholder e-mail: they could not sign in

    @property
    def can_complete(self) -> bool:
        """«Завершить миграцию» appears once an agreement version is accepted (seed 000)."""
        return self.status == "pending" and self.agreement.accepted_version is not None


async def banner(conn: Connection, tenant_id: uuid.UUID) -> Banner | None:
    """The banner's facts, None for a PBX that was not migrated."""
    try:
        state = await completion.state(conn, tenant_id)
    except NotFoundError:
        return None
    return Banner(
        agreement=await agreement.state(conn, tenant_id), status=state.status, steps_done=state.steps_done,
        steps_total=state.steps_total,
        numbers_without_scenario=[n.e164 for n in state.numbers if n.new_scenario_id is None],
        employees_without_email=sum(1 for e in state.employees if e.email is None),
    )  # fmt: skip
