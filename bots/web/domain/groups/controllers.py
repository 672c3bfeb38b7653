"""Groups (departments): admins manage them; heads see their own (or all, by role settings)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromQuery, JSONBody, PathParameter
from vats.bots.web.domain.employees.controllers import DeletedOut
from vats.bots.web.kit import (
    ADMIN,
    MANAGERS,
    KernelDep,
    Limit,
    MeDep,
    Offset,
    Page,
    Search,
    Sort,
    TenantDep,
    paginate,
)
from vats.core.directory import groups as repo
from vats.core.directory.models import Group, GroupCreate, GroupUpdate
from vats.core.directory.visibility import visible_group_ids
from vats.core.errors import NotFoundError

GroupId = Annotated[uuid.UUID, PathParameter(description="group id")]


class MembersIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Members in ringing order."""

    member_ids: list[uuid.UUID]


class GroupController(Controller):
    path = "/api/groups"
    tags = ["groups"]

    @get(operation_id="listGroups", summary="List groups (search by name or extension)", opt={"roles": MANAGERS})
    async def list_groups(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "name",
    ) -> Page[Group]:
        allowed = await visible_group_ids(tx.conn, tx.tenant.id, tx.tenant.settings, tx.me.role, tx.me.employee_id)
        groups = [g for g in await repo.list_groups(tx.conn, tx.tenant.id) if allowed is None or g.id in allowed]
        return paginate(
            groups, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda g: (g.name, g.extension),
            sorts={"name": lambda g: g.name.casefold(), "extension": lambda g: (len(g.extension), g.extension)},
        )  # fmt: skip

    @post(
        operation_id="createGroup",
        summary="Create a group with its extension, strategy and members",
        opt={"roles": ADMIN},
    )
    async def create_group(self, kernel: KernelDep, me: MeDep, data: JSONBody[GroupCreate]) -> Group:
        return await kernel.directory.create_group(me.tenant_id, data)

    @get("/{group_id:uuid}", operation_id="getGroup", summary="One group", opt={"roles": MANAGERS})
    async def get_group(self, tx: TenantDep, group_id: GroupId) -> Group:
        allowed = await visible_group_ids(tx.conn, tx.tenant.id, tx.tenant.settings, tx.me.role, tx.me.employee_id)
        if allowed is not None and group_id not in allowed:
            raise NotFoundError("no such group", field="group_id")
        return await repo.get_group(tx.conn, tx.tenant.id, group_id)

    @patch("/{group_id:uuid}", operation_id="updateGroup", summary="Change a group", opt={"roles": ADMIN})
    async def update_group(self, kernel: KernelDep, me: MeDep, group_id: GroupId, data: JSONBody[GroupUpdate]) -> Group:
        return await kernel.directory.update_group(me.tenant_id, group_id, data)

    @put(
        "/{group_id:uuid}/members",
        operation_id="setGroupMembers",
        summary="Replace the members, in ringing order",
        opt={"roles": ADMIN},
    )
    async def set_members(self, kernel: KernelDep, me: MeDep, group_id: GroupId, data: JSONBody[MembersIn]) -> Group:
        return await kernel.directory.update_group(me.tenant_id, group_id, GroupUpdate(member_ids=data.member_ids))

    @delete(
        "/{group_id:uuid}",
        operation_id="deleteGroup",
        summary="Delete a group; refused (409, with the references) while referenced unless force=true",
        opt={"roles": ADMIN},
        status_code=200,
    )
    async def delete_group(
        self, kernel: KernelDep, me: MeDep, group_id: GroupId, force: FromQuery[bool] = False
    ) -> DeletedOut:
        removed = await kernel.directory.delete_group(me.tenant_id, group_id, force=force)
        return DeletedOut(removed_references=removed)
