"""Groups (departments): ordered members, ring strategy, no-answer forwarding."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory._sql import changes, lock_row, lock_tenant, translated_errors, update_row
from vats.core.directory.employees import _claim_extension
from vats.core.directory.forwarding import rules_of, save_rule
from vats.core.directory.models import Group, GroupCreate, GroupUpdate
from vats.core.directory.validation import check_extension, check_name, check_range
from vats.core.errors import NotFoundError, ValidationError

_COLUMNS = {"name", "extension", "dial_through", "strategy", "ring_time_s", "step_delay_s", "no_answer_after_s"}
_RANGES = {"ring_time_s": (5, 600), "step_delay_s": (1, 300), "no_answer_after_s": (5, 3600)}


async def _hydrate(conn: Connection, tenant_id: uuid.UUID, rows: list[Any]) -> list[Group]:
    ids = [r["id"] for r in rows]
    members: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for r in await conn.fetch(
        "SELECT group_id, employee_id FROM group_members WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])"
        " ORDER BY position",
        tenant_id,
        ids,
    ):
        members[r["group_id"]].append(r["employee_id"])
    rules = await rules_of(conn, tenant_id, "group", ids)
    return [
        Group(
            id=r["id"], tenant_id=r["tenant_id"], name=r["name"], extension=r["extension"],
            dial_through=r["dial_through"], strategy=r["strategy"], ring_time_s=r["ring_time_s"],
            step_delay_s=r["step_delay_s"], no_answer_after_s=r["no_answer_after_s"],
            on_no_answer=rules.get(r["id"], {}).get("no_answer"), member_ids=members[r["id"]],
        )
        for r in rows
    ]  # fmt: skip


async def get_group(conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    row = await conn.fetchrow("SELECT * FROM groups WHERE tenant_id = $1 AND id = $2", tenant_id, group_id)
    if row is None:
        raise NotFoundError("no such group", field="group_id")
    return (await _hydrate(conn, tenant_id, [row]))[0]


async def list_groups(conn: Connection, tenant_id: uuid.UUID) -> list[Group]:
    rows = await conn.fetch("SELECT * FROM groups WHERE tenant_id = $1 ORDER BY name", tenant_id)
    return await _hydrate(conn, tenant_id, rows)


async def _set_members(
    conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID, member_ids: list[uuid.UUID]
) -> None:
    if len(set(member_ids)) != len(member_ids):
        raise ValidationError("an employee appears twice", field="member_ids")
    await conn.execute("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2", tenant_id, group_id)
    with translated_errors():
        await conn.executemany(
            "INSERT INTO group_members (tenant_id, group_id, employee_id, position) VALUES ($1, $2, $3, $4)",
            [(tenant_id, group_id, e, i) for i, e in enumerate(member_ids)],
        )


async def create_group(conn: Connection, tenant_id: uuid.UUID, data: GroupCreate) -> Group:
    name = check_name(data.name, "name")
    for field, (low, high) in _RANGES.items():
        check_range(getattr(data, field), low, high, field)
    await lock_tenant(conn, tenant_id)  # serialise the choice of a free extension
    extension = await _claim_extension(conn, tenant_id, data.extension, "extension")
    with translated_errors():
        group_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO groups (tenant_id, name, extension, dial_through, strategy, ring_time_s,"
            " step_delay_s, no_answer_after_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            tenant_id,
            name,
            extension,
            data.dial_through,
            data.strategy,
            data.ring_time_s,
            data.step_delay_s,
            data.no_answer_after_s,
        )
        await conn.execute(
            "INSERT INTO extensions (tenant_id, extension, group_id) VALUES ($1, $2, $3)",
            tenant_id,
            extension,
            group_id,
        )
    await _set_members(conn, tenant_id, group_id, data.member_ids)
    await save_rule(conn, tenant_id, "group", group_id, "no_answer", data.on_no_answer)
    return await get_group(conn, tenant_id, group_id)


async def update_group(conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID, data: GroupUpdate) -> Group:
    # The members are replaced by delete-then-insert: a concurrent identical PUT must wait for
    # this one to commit, or its insert collides with rows its delete could not see (a 409 for
    # an idempotent request). The row lock also makes a concurrent deletion wait, then 404.
    await lock_row(conn, "groups", tenant_id, group_id, "group_id")
    current = await get_group(conn, tenant_id, group_id)
    values = changes(data, _COLUMNS)
    if "name" in values:
        values["name"] = check_name(values["name"], "name")
    for field, (low, high) in _RANGES.items():
        if field in values:
            check_range(values[field], low, high, field)
    if "extension" in values and values["extension"] != current.extension:
        values["extension"] = check_extension(values["extension"])
        with translated_errors():
            await conn.execute(
                "UPDATE extensions SET extension = $3 WHERE tenant_id = $1 AND group_id = $2",
                tenant_id,
                group_id,
                values["extension"],
            )
    await update_row(conn, "groups", tenant_id, group_id, values)
    if data.member_ids is not msgspec.UNSET:
        await _set_members(conn, tenant_id, group_id, data.member_ids)
    if data.on_no_answer is not msgspec.UNSET:
        await save_rule(conn, tenant_id, "group", group_id, "no_answer", data.on_no_answer)
    return await get_group(conn, tenant_id, group_id)


async def lock_for_deletion(conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID) -> None:
    """Hold the tenant's lock (menus and scenarios naming the group check it under the same
    lock) and the group's row from the deletion's checks to its DELETE (one of concurrent
    deletions wins, the others answer 404)."""
    await lock_tenant(conn, tenant_id)
    await lock_row(conn, "groups", tenant_id, group_id, "group_id")


async def delete_group_row(conn: Connection, tenant_id: uuid.UUID, group_id: uuid.UUID) -> None:
    status = await conn.execute("DELETE FROM groups WHERE tenant_id = $1 AND id = $2", tenant_id, group_id)
    if status.endswith(" 0"):
        raise NotFoundError("no such group", field="group_id")
