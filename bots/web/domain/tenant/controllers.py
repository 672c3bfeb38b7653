"""The PBX's own settings ("Настройки ВАТС") and per-tenant plugin switches."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, patch, put
from litestar.params import FromPath, JSONBody
from vats.bots.web.kit import ADMIN, EVERYONE, KernelDep, MeDep, TenantDep
from vats.core.directory.models import Language, Tenant, TenantSettings
from vats.core.errors import NotFoundError


class TenantUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    time_zone: Annotated[str, msgspec.Meta(examples=["Europe/Moscow"])] | None = None
    settings: TenantSettings | None = None
    # E-mails, the bot and the cabinet speak it when a person chose nothing (and no browser says).
    language: Language | None = None


class TenantSummary(msgspec.Struct, kw_only=True):
    name: str
    time_zone: str


class PluginState(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(examples=["audit"])]
    enabled: bool


class PluginSwitch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: bool


class TenantController(Controller):
    path = "/api/tenant"
    tags = ["tenant"]

    @get(operation_id="getTenantSummary", summary="The PBX's name and time zone", opt={"roles": EVERYONE})
    async def summary(self, tx: TenantDep) -> TenantSummary:
        return TenantSummary(name=tx.tenant.name, time_zone=tx.tenant.time_zone)

    @get("/settings", operation_id="getTenantSettings", summary="All PBX settings", opt={"roles": ADMIN})
    async def settings(self, tx: TenantDep) -> Tenant:
        return tx.tenant

    @patch(
        "/settings",
        operation_id="updateTenantSettings",
        summary="Time zone, language, recording, personal-manager rules, role rights",
        opt={"roles": ADMIN},
    )
    async def update(self, kernel: KernelDep, me: MeDep, data: JSONBody[TenantUpdate]) -> Tenant:
        return await kernel.directory.update_tenant(
            me.tenant_id, time_zone=data.time_zone, settings=data.settings, language=data.language
        )

    @get(
        "/plugins",
        operation_id="listTenantPlugins",
        summary="Loaded plugins and whether each is on for this PBX",
        opt={"roles": ADMIN},
    )
    async def plugins(self, tx: TenantDep) -> list[PluginState]:
        kernel = tx.kernel
        disabled = await kernel.plugins.disabled_for(tx.conn, tx.tenant.id)
        return [PluginState(name=n, enabled=n not in disabled) for n in kernel.plugins.names()]

    @put(
        "/plugins/{name:str}",
        operation_id="switchTenantPlugin",
        summary="Switch a plugin on or off for this PBX",
        opt={"roles": ADMIN},
    )
    async def switch(self, tx: TenantDep, name: FromPath[str], data: JSONBody[PluginSwitch]) -> PluginState:
        kernel = tx.kernel
        if name not in kernel.plugins.names():
            raise NotFoundError(f"no plugin named {name!r}", field="name")
        await kernel.plugins.set_enabled(tx.conn, tx.tenant.id, name, data.enabled)
        return PluginState(name=name, enabled=data.enabled)
