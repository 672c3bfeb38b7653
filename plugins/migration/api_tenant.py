"""/api/migration: a migrated PBX's admins follow and finish their migration (seed 000): its
state with the progress of the completion, «Завершить миграцию» and «Пересоздать»."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from vats.bots.web.kit import ADMIN, KernelDep, MeDep
from vats.plugins.migration.completion import CompleteIn, MigrationState, request_completion, state
from vats.plugins.migration.recreate import Recreated, recreate


class MigrationController(Controller):
    path = "/api/migration"
    tags = ["migration"]
    opt = {"roles": ADMIN}

    @get(
        operation_id="getMigration",
        summary="The migration: numbers, what their calls follow, the e-mails to confirm, progress",
        opt={"problems": [404]},  # a PBX that was not migrated
    )
    async def show(self, me: MeDep, kernel: KernelDep) -> MigrationState:
        async with kernel.db.tenant(me.tenant_id) as conn:
            return await state(conn, me.tenant_id)

    @post(
        "/complete",
        operation_id="completeMigration",
        summary="«Завершить миграцию»: irreversible; runs in the background (see GET's progress)",
        status_code=202,
    )
    async def complete(self, me: MeDep, kernel: KernelDep, data: JSONBody[CompleteIn]) -> MigrationState:
        """Refused (409, ``field`` names why) without money on the balance (``balance``), the
        agreement accepted (``agreement``) or a scenario for every number (``numbers``); 422
        unless ``emails_confirmed`` is true."""
        return await request_completion(kernel, me.tenant_id, me.employee_id, emails_confirmed=data.emails_confirmed)

    @post(
        "/recreate",
        operation_id="recreateMigration",
        summary="«Пересоздать»: wipe the new settings, back to the wizard's employee step (calls keep the old rules)",
        status_code=200,
    )
    async def recreate(self, me: MeDep, kernel: KernelDep) -> Recreated:
        """What is wiped and what stays: docs/migration.md. Refused (409, ``status``) once the
        completion was requested."""
        return await recreate(kernel, me.tenant_id)
