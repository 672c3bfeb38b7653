"""Numbers (DIDs, assigned by the operator) and tags."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.auth import ADMIN, EVERYONE
from vats.bots.web.deps import tenant_tx
from vats.bots.web.pagination import Limit, Offset, Page, Search, Sort, paginate
from vats.core.directory import numbers as repo
from vats.core.directory.models import Number, NumberUpdate, Tag, TagCreate, TagKind


class NumberController(Controller):
    path = "/api/numbers"
    tags = ["numbers"]

    @get(operation_id="listNumbers", summary="The PBX's numbers (search by number or name)", opt={"roles": ADMIN})
    async def list_numbers(
        self,
        request: Request[Any, Any, Any],
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "e164",
    ) -> Page[Number]:
        async with tenant_tx(request) as (conn, tenant, _):
            numbers = await repo.list_numbers(conn, tenant.id)
        return paginate(
            numbers, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda n: (n.e164, n.name),
            sorts={"e164": lambda n: n.e164, "name": lambda n: n.name.casefold()},
        )  # fmt: skip

    @get("/{number_id:uuid}", operation_id="getNumber", summary="One number", opt={"roles": ADMIN})
    async def get_number(self, request: Request[Any, Any, Any], number_id: FromPath[uuid.UUID]) -> Number:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.get_number(conn, tenant.id, number_id)

    @patch(
        "/{number_id:uuid}",
        operation_id="updateNumber",
        summary="Name, tags, recording, number-as-caller-ID",
        opt={"roles": ADMIN},
    )
    async def update_number(
        self, request: Request[Any, Any, Any], number_id: FromPath[uuid.UUID], data: JSONBody[NumberUpdate]
    ) -> Number:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.update_number(conn, tenant.id, number_id, data)


class TagController(Controller):
    path = "/api/tags"
    tags = ["tags"]

    @get(operation_id="listTags", summary="Tags of contacts, calls and numbers", opt={"roles": EVERYONE})
    async def list_tags(
        self,
        request: Request[Any, Any, Any],
        kind: FromQuery[TagKind | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "name",
    ) -> Page[Tag]:
        async with tenant_tx(request) as (conn, tenant, _):
            tags = await repo.list_tags(conn, tenant.id, kind)
        return paginate(
            tags, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda t: (t.name,), sorts={"name": lambda t: t.name.casefold(), "kind": lambda t: t.kind},
        )  # fmt: skip

    @post(operation_id="createTag", summary="Create a tag", opt={"roles": ADMIN})
    async def create_tag(self, request: Request[Any, Any, Any], data: JSONBody[TagCreate]) -> Tag:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.create_tag(conn, tenant.id, data)

    @delete(
        "/{tag_id:uuid}",
        operation_id="deleteTag",
        summary="Delete a tag (it comes off everything it was on)",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_tag(self, request: Request[Any, Any, Any], tag_id: FromPath[uuid.UUID]) -> None:
        async with tenant_tx(request) as (conn, tenant, _):
            await repo.delete_tag(conn, tenant.id, tag_id)
