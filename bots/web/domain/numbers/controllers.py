"""Numbers (DIDs, assigned by the operator) and tags."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.auth import ADMIN, EVERYONE
from vats.bots.web.deps import tenant_tx
from vats.core.directory import numbers as repo
from vats.core.directory.models import Number, NumberUpdate, Tag, TagCreate, TagKind


class NumberController(Controller):
    path = "/api/numbers"
    tags = ["numbers"]

    @get(operation_id="listNumbers", summary="The PBX's numbers", opt={"roles": ADMIN})
    async def list_numbers(self, request: Request[Any, Any, Any]) -> list[Number]:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.list_numbers(conn, tenant.id)

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
    async def list_tags(self, request: Request[Any, Any, Any], kind: FromQuery[TagKind | None] = None) -> list[Tag]:
        async with tenant_tx(request) as (conn, tenant, _):
            return await repo.list_tags(conn, tenant.id, kind)

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
