"""Forward targets (where unanswered, off-hours or absence calls go): checks and storage."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from vats.core.db.database import Connection
from vats.core.directory._sql import translated_errors
from vats.core.directory.models import ForwardTarget
from vats.core.directory.validation import normalise_phone
from vats.core.errors import ValidationError

Owner = Literal["employee", "group"]


def check_target(target: ForwardTarget, field: str) -> ForwardTarget:
    """Exactly the identifiers the action needs; an outside number normalised to E.164."""
    needs = {"employee": "employee_id", "group": "group_id", "external": "external_number"}
    wanted = needs.get(target.action)
    for name in ("employee_id", "group_id", "external_number"):
        given = getattr(target, name) is not None
        if name == wanted and not given:
            raise ValidationError(f"action {target.action!r} needs {name}", field=f"{field}.{name}")
        if name != wanted and given:
            raise ValidationError(f"action {target.action!r} takes no {name}", field=f"{field}.{name}")
    if target.external_number is not None:
        return ForwardTarget(
            action="external",
            external_number=normalise_phone(target.external_number, f"{field}.external_number"),
        )
    return target


def target_from_row(row: Any) -> ForwardTarget:
    return ForwardTarget(
        action=row["action"],
        employee_id=row["target_employee_id"],
        group_id=row["target_group_id"],
        external_number=row["external_number"],
    )


async def save_rule(
    conn: Connection,
    tenant_id: uuid.UUID,
    owner: Owner,
    owner_id: uuid.UUID,
    situation: str,
    target: ForwardTarget | None,
) -> None:
    """Set (or, with None, remove) the owner's rule for a situation."""
    column = "employee_id" if owner == "employee" else "group_id"
    await conn.execute(
        f"DELETE FROM forward_rules WHERE tenant_id = $1 AND {column} = $2 AND situation = $3",
        tenant_id,
        owner_id,
        situation,
    )
    if target is None:
        return
    target = check_target(target, "on_no_answer" if situation == "no_answer" else situation)
    if owner == "employee" and target.employee_id == owner_id:
        raise ValidationError("an employee cannot forward to themself", field=f"{situation}.employee_id")
    if owner == "group" and target.group_id == owner_id:
        raise ValidationError("a group cannot forward to itself", field=f"{situation}.group_id")
    with translated_errors():
        await conn.execute(
            f"INSERT INTO forward_rules (tenant_id, {column}, situation, action, target_employee_id,"
            " target_group_id, external_number) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            tenant_id,
            owner_id,
            situation,
            target.action,
            target.employee_id,
            target.group_id,
            target.external_number,
        )


async def rules_of(
    conn: Connection, tenant_id: uuid.UUID, owner: Owner, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, ForwardTarget]]:
    column = "employee_id" if owner == "employee" else "group_id"
    rows = await conn.fetch(
        f"SELECT {column} AS owner, situation, action, target_employee_id, target_group_id,"
        f" external_number FROM forward_rules WHERE tenant_id = $1 AND {column} = ANY($2::uuid[])",
        tenant_id,
        owner_ids,
    )
    result: dict[uuid.UUID, dict[str, ForwardTarget]] = {}
    for r in rows:
        result.setdefault(r["owner"], {})[r["situation"]] = target_from_row(r)
    return result
