"""Who is looking, and what the CRM shows them (seed "История звонков", the role settings).

* admins see everything;
* others see calls they made or took, calls they were addressed in personally while the call's
  scenario still names them (taking someone out of a scenario hides its earlier calls), and
  calls addressed to a group they belong to now (joining a group reveals its earlier calls;
  someone rung both personally and as a member of a rung group counts as the group's);
  a head with the "department" scope sees what the members of their groups see; the
  "company" scope sees every call;
* users and restricted users see no internal calls (seed 003: "кроме внутренних звонков");
  restricted users see only their own external calls, whatever their role's scope says;
* calls of personal contacts are for admins only, whatever the scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
from vats.core.db.database import Connection
from vats.core.directory.models import Role, RoleSettings, TenantSettings
from vats.core.protocols import KernelAPI
from vats.core.snapshot import TenantSnapshot


@dataclass(frozen=True)
class Viewer:
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    role: Role
    settings: TenantSettings
    people: frozenset[uuid.UUID] = frozenset()  # whose calls the viewer sees (own, or the department)
    groups: frozenset[uuid.UUID] = frozenset()  # groups whose addressed calls the viewer sees
    named_in: frozenset[str] = frozenset()  # "<employee>:<scenario>" for each of ``people`` a scenario still names
    company: bool = False  # the "company" scope
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_download(self) -> bool:
        """CSV export of the history."""
        return self.is_admin or self._role_settings().may_download_history

    @property
    def may_listen(self) -> bool:
        """Recordings and voicemail."""
        return self.is_admin or self._role_settings().may_play_recordings

    def _role_settings(self) -> RoleSettings:
        # admins never get here (they see everything), and they have no RoleSettings
        role: RoleSettings = getattr(self.settings.roles, self.role)
        return role

    def calls_condition(self, alias: str, args: list[Any]) -> str:
        """A SQL condition on crm_calls ``alias`` (appends its parameters to ``args``)."""
        if self.is_admin:
            return "true"
        parts = [f"NOT {alias}.personal"]
        if self.role in ("user", "restricted"):
            parts.append(f"{alias}.direction <> 'internal'")
        if not self.company:
            args.append(list(self.people))
            p = f"${len(args)}::uuid[]"
            args.append(list(self.groups))
            g = f"${len(args)}::uuid[]"
            args.append(list(self.named_in))
            s = f"${len(args)}::text[]"
            parts.append(
                f"({alias}.made_by = ANY({p}) OR {alias}.answered_by = ANY({p}) OR {alias}.groups && {g}"
                f" OR ({alias}.personally && {p} AND ({alias}.scenario_id IS NULL OR EXISTS (SELECT 1 FROM"
                f" unnest({alias}.personally) AS who WHERE who::text || ':' || {alias}.scenario_id::text = ANY({s})))))"
            )
        return " AND ".join(parts)


def scenarios_naming(snapshot: TenantSnapshot, employee_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Scenarios whose body (or an object it refers to, e.g. an IVR menu) names the employee."""
    key = ("crm:scenarios_naming", employee_id)
    if key in snapshot.memo:
        return snapshot.memo[key]  # type: ignore[no-any-return]
    needle = str(employee_id)
    extras: dict[str, str] = {}  # object id -> its JSON, for the plugins' objects in the snapshot
    for value in snapshot.extras.values():
        if isinstance(value, dict):
            for object_id, obj in value.items():
                extras[str(object_id)] = msgspec.json.encode(obj).decode()
    found = set()
    for scenario_id, body in snapshot.scenarios.items():
        text = msgspec.json.encode(body).decode()
        referred = [j for object_id, j in extras.items() if object_id in text]
        if needle in text or any(needle in j for j in referred):
            found.add(scenario_id)
    result = frozenset(found)
    snapshot.memo[key] = result
    return result


async def viewer_for(
    conn: Connection,
    kernel: KernelAPI,
    tenant_id: uuid.UUID,
    employee_id: uuid.UUID,
    role: Role,
    settings: TenantSettings,
) -> Viewer:
    if role == "admin":
        return Viewer(tenant_id=tenant_id, employee_id=employee_id, role=role, settings=settings, company=True)
    scope = "own" if role == "restricted" else getattr(settings.roles, role).history_scope
    if scope == "company":
        return Viewer(tenant_id=tenant_id, employee_id=employee_id, role=role, settings=settings, company=True)
    my_groups = {
        r["group_id"]
        for r in await conn.fetch(
            "SELECT group_id FROM group_members WHERE tenant_id = $1 AND employee_id = $2", tenant_id, employee_id
        )
    }
    people = {employee_id}
    if scope == "department" and my_groups:
        rows = await conn.fetch(
            "SELECT DISTINCT employee_id FROM group_members WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])",
            tenant_id, list(my_groups),
        )  # fmt: skip
        people |= {r["employee_id"] for r in rows}
    snapshot = await kernel.snapshots.get(tenant_id)
    named_in = frozenset(f"{who}:{scenario}" for who in people for scenario in scenarios_naming(snapshot, who))
    return Viewer(
        tenant_id=tenant_id, employee_id=employee_id, role=role, settings=settings, people=frozenset(people),
        groups=frozenset(my_groups), named_in=named_in,
    )  # fmt: skip
