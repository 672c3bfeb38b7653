"""/api/operator/billing/legacy-tariffs: the operator maps old cabinets' tariff codes to a legacy
tariff and a target tariff (``legacy.py``), and sees the migrated PBXs' terms, unmapped codes
first. Authorised like the other operator billing routes; every change is recorded in the
operator audit in its own transaction."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import OperatorDep
from vats.plugins.billing import legacy
from vats.plugins.billing.api.operator import OPERATOR, Code, _audit
from vats.plugins.billing.legacy import LegacyMapping, LegacyTerms


class MappingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An old cabinet's tariff code (as its export names it) and the tariffs a PBX migrated with
    it gets: the legacy one (the old terms) for 30 days, then the target."""

    old_code: Annotated[str, msgspec.Meta(min_length=1, max_length=legacy.MAX_CODE, examples=["Бизнес-2019"])]
    legacy_tariff: Code
    target_tariff: Code


class MappingSaved(msgspec.Struct, kw_only=True):
    mapping: LegacyMapping
    applied: int  # PBXs that migrated with this code while it was unmapped and got its terms now


class LegacyOperatorController(Controller):
    path = "/api/operator/billing/legacy-tariffs"
    tags = ["operator: billing"]
    opt = OPERATOR
    security = [{"OperatorToken": []}]

    @get("/", operation_id="operatorListLegacyTariffs", summary="Old tariff codes and what they map to")
    async def list_mappings(self, operator: OperatorDep) -> list[LegacyMapping]:
        async with operator.system() as conn:
            return await legacy.mappings(conn)

    @put("/", operation_id="operatorMapLegacyTariff", summary="Map an old tariff code (create or change)")
    async def save(self, operator: OperatorDep, data: JSONBody[MappingIn]) -> MappingSaved:
        """The legacy tariff holds the old terms (create it with ``legacy: true`` so it is never
        offered for self-service); unknown tariffs, or a target equal to the legacy one or itself
        legacy, answer 422 naming the field."""
        async with operator.system() as conn:
            was = await legacy.mapping(conn, legacy.clean_code(data.old_code))
            saved, applied = await legacy.save_mapping(
                conn, operator.kernel, data.old_code, data.legacy_tariff, data.target_tariff
            )
            await _audit(conn, operator, "legacy_tariff_mapped", old_code=saved.old_code,
                         legacy_tariff=saved.legacy_tariff, target_tariff=saved.target_tariff, applied=applied,
                         was=None if was is None else msgspec.to_builtins(was))  # fmt: skip
            return MappingSaved(mapping=saved, applied=applied)

    @delete("/{old_code:str}", operation_id="operatorUnmapLegacyTariff", summary="Remove an old tariff code's mapping")
    async def remove(self, operator: OperatorDep, old_code: FromPath[str]) -> None:
        """PBXs already on its terms keep them; 404 naming ``old_code`` when there is none."""
        async with operator.system() as conn:
            gone = await legacy.remove_mapping(conn, old_code)
            await _audit(conn, operator, "legacy_tariff_unmapped", old_code=gone.old_code,
                         legacy_tariff=gone.legacy_tariff, target_tariff=gone.target_tariff)  # fmt: skip

    @get("/tenants", operation_id="operatorLegacyTerms", summary="Migrated PBXs' legacy terms, unmapped codes first")
    async def list_terms(self, operator: OperatorDep) -> list[LegacyTerms]:
        """``legacy_tariff`` null: the PBX's old code had no mapping (it got the default tariff)."""
        async with operator.system() as conn:
            return await legacy.all_terms(conn)
