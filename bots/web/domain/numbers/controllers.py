"""Numbers (DIDs, assigned by the operator) and tags."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from vats.bots.web.kit import ADMIN, EVERYONE, Limit, Offset, Page, Search, Sort, TenantDep, paginate
from vats.core.directory import numbers as repo
from vats.core.directory.models import Number, NumberUpdate, Tag, TagCreate, TagKind


class NumberController(Controller):
    path = "/api/numbers"
    tags = ["numbers"]

    @get(operation_id="listNumbers", summary="The PBX's numbers (search by number or name)", opt={"roles": ADMIN})
    async def list_numbers(
        self,
        tx: TenantDep,
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "e164",
    ) -> Page[Number]:
        numbers = await repo.list_numbers(tx.conn, tx.tenant.id)
        return paginate(
            numbers, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda n: (n.e164, n.name),
            sorts={"e164": lambda n: n.e164, "name": lambda n: n.name.casefold()},
        )  # fmt: skip

    @get("/{number_id:uuid}", operation_id="getNumber", summary="One number", opt={"roles": ADMIN})
    async def get_number(self, tx: TenantDep, number_id: FromPath[uuid.UUID]) -> Number:
        return await repo.get_number(tx.conn, tx.tenant.id, number_id)

    @patch(
        "/{number_id:uuid}",
        operation_id="updateNumber",
        summary="Name, tags, recording, number-as-caller-ID",
        opt={"roles": ADMIN},
    )
    async def update_number(
        self, tx: TenantDep, number_id: FromPath[uuid.UUID], data: JSONBody[NumberUpdate]
    ) -> Number:
        return await repo.update_number(tx.conn, tx.tenant.id, number_id, data)


class TagController(Controller):
    path = "/api/tags"
    tags = ["tags"]

    @get(operation_id="listTags", summary="Tags of contacts, calls and numbers", opt={"roles": EVERYONE})
    async def list_tags(
        self,
        tx: TenantDep,
        kind: FromQuery[TagKind | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
        q: Search = None,
        sort: Sort = "name",
    ) -> Page[Tag]:
        tags = await repo.list_tags(tx.conn, tx.tenant.id, kind)
        return paginate(
            tags, limit=limit, offset=offset, q=q, sort=sort,
            searchable=lambda t: (t.name,), sorts={"name": lambda t: t.name.casefold(), "kind": lambda t: t.kind},
        )  # fmt: skip

    @post(operation_id="createTag", summary="Create a tag", opt={"roles": ADMIN})
    async def create_tag(self, tx: TenantDep, data: JSONBody[TagCreate]) -> Tag:
        return await repo.create_tag(tx.conn, tx.tenant.id, data)

    @delete(
        "/{tag_id:uuid}",
        operation_id="deleteTag",
        summary="Delete a tag (it comes off everything it was on)",
        opt={"roles": ADMIN},
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_tag(self, tx: TenantDep, tag_id: FromPath[uuid.UUID]) -> None:
        await repo.delete_tag(tx.conn, tx.tenant.id, tag_id)
