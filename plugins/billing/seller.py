"""The operator's own requisites (the seller on every invoice and closing document) and the bank
account payers transfer to. Checked like a tenant's (``requisites.checked``: ИНН check digits,
КПП), plus the bank's БИК and the 20-digit accounts."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec
from vats.core.db.database import Connection
from vats.core.errors import ValidationError
from vats.plugins.billing.requisites import RequisitesIn, checked

_FIELDS = ("name", "inn", "kpp", "address", "bank_name", "bik", "account", "corr_account", "director", "accountant")



class SellerIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["ООО «Телеком»"])]
    inn: Annotated[str, msgspec.Meta(max_length=20, examples=["7736207543"])]
    kpp: Annotated[str, msgspec.Meta(max_length=20, examples=["773601001"])] | None = None
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=500, examples=["г. Москва, ул. Льва Толстого, 16"])]
    bank_name: Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["ПАО Сбербанк"])]
    bik: Annotated[str, msgspec.Meta(max_length=20, examples=["044525225"])]
    account: Annotated[str, msgspec.Meta(max_length=30, examples=["40702810938000000001"])]
    corr_account: Annotated[str, msgspec.Meta(max_length=30, examples=["30101810400000000225"])]
    director: Annotated[str, msgspec.Meta(max_length=200, examples=["Петров П. П."])] = ""
    accountant: Annotated[str, msgspec.Meta(max_length=200, examples=["Сидорова С. С."])] = ""


def _digits(text: str, count: int, field: str, what: str) -> str:
    value = re.sub(r"\s", "", text)
    if not (value.isascii() and value.isdigit() and len(value) == count):
        raise ValidationError(f"{what} has {count} digits", field=field)
    return value


def checked_seller(data: SellerIn) -> SellerIn:
    """The requisites with blanks trimmed, or a ValidationError naming the bad field."""
    kind: Literal["legal", "individual"] = "legal" if len(re.sub(r"\s", "", data.inn)) == 10 else "individual"
    base = checked(RequisitesIn(kind=kind, name=data.name, inn=data.inn, kpp=data.kpp, address=data.address))
    if not data.bank_name.strip():
        raise ValidationError("the bank's name cannot be blank", field="bank_name")
    return SellerIn(
        name=base.name, inn=base.inn, kpp=base.kpp, address=base.address, bank_name=data.bank_name.strip(),
        bik=_digits(data.bik, 9, "bik", "a БИК"), account=_digits(data.account, 20, "account", "an account"),
        corr_account=_digits(data.corr_account, 20, "corr_account", "a correspondent account"),
        director=data.director.strip(), accountant=data.accountant.strip(),
    )  # fmt: skip


async def load(conn: Connection) -> SellerIn | None:
    row = await conn.fetchrow(f"SELECT {', '.join(_FIELDS)} FROM billing_operator_requisites")
    return None if row is None else SellerIn(**dict(row))


async def save(conn: Connection, data: SellerIn) -> SellerIn:
    good = checked_seller(data)
    values = [getattr(good, f) for f in _FIELDS]
    updates = ", ".join(f"{f} = EXCLUDED.{f}" for f in _FIELDS)
    await conn.execute(
        f"INSERT INTO billing_operator_requisites ({', '.join(_FIELDS)})"
        f" VALUES ({', '.join(f'${i}' for i in range(1, len(_FIELDS) + 1))})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = now()",
        *values,
    )
    return good
