"""A tenant's requisites (реквизиты) for invoices and closing documents: a legal entity
(ООО ...: ИНН of 10 digits, КПП) or an individual entrepreneur (ИП: ИНН of 12 digits, no КПП).
The ИНН's check digits are verified (python-stdnum); bad input names its field."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

import msgspec
from stdnum import exceptions as stdnum_errors
from stdnum.ru import inn as ru_inn
from vats.core.db.database import Connection
from vats.core.errors import NotFoundError, ValidationError

_KPP = re.compile(r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")


class RequisitesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["legal", "individual"]  # юрлицо or ИП
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["ООО «Ромашка»"])]
    inn: Annotated[str, msgspec.Meta(max_length=20, examples=["7707083893"])]
    kpp: Annotated[str, msgspec.Meta(max_length=20, examples=["773601001"])] | None = None
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=500, examples=["г. Москва, ул. Вавилова, д. 19"])]


class Requisites(RequisitesIn, kw_only=True):
    tenant_id: uuid.UUID


def checked(data: RequisitesIn) -> RequisitesIn:
    """The requisites with blanks trimmed, or a ValidationError naming the bad field."""
    name, address = data.name.strip(), data.address.strip()
    if not name:
        raise ValidationError("the name cannot be blank", field="name")
    if not address:
        raise ValidationError("the address cannot be blank", field="address")
    inn = re.sub(r"\s", "", data.inn)
    digits = 10 if data.kind == "legal" else 12
    if not (inn.isascii() and inn.isdigit()) or len(inn) != digits:
        who = "a legal entity's" if data.kind == "legal" else "an individual entrepreneur's"
        raise ValidationError(f"{who} ИНН has {digits} digits", field="inn")
    try:
        ru_inn.validate(inn)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError("the ИНН's check digits are wrong: a typo?", field="inn") from exc
    kpp = re.sub(r"\s", "", data.kpp).upper() if data.kpp else None
    if data.kind == "legal":
        if not kpp or not _KPP.match(kpp):
            raise ValidationError("a legal entity's КПП has 9 characters (e.g. 773601001)", field="kpp")
    elif kpp:
        raise ValidationError("an individual entrepreneur has no КПП", field="kpp")
    return RequisitesIn(kind=data.kind, name=name, inn=inn, kpp=kpp, address=address)


async def load(conn: Connection, tenant_id: uuid.UUID) -> Requisites:
    row = await conn.fetchrow(
        "SELECT tenant_id, kind, name, inn, kpp, address FROM billing_requisites WHERE tenant_id = $1", tenant_id
    )
    if row is None:
        raise NotFoundError("the PBX has no requisites yet", field="tenant_id")
    return Requisites(**dict(row))


async def save(conn: Connection, tenant_id: uuid.UUID, data: RequisitesIn) -> Requisites:
    good = checked(data)
    await conn.execute(
        "INSERT INTO billing_requisites (tenant_id, kind, name, inn, kpp, address) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (tenant_id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, inn = EXCLUDED.inn,"
        " kpp = EXCLUDED.kpp, address = EXCLUDED.address, updated_at = now()",
        tenant_id, good.kind, good.name, good.inn, good.kpp, good.address,
    )  # fmt: skip
    return await load(conn, tenant_id)
