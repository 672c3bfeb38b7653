"""Conference rooms through the API (real PostgreSQL, real HTTP): admins create and change
rooms, bad input is refused naming the field, extensions stay unique across employees, groups
and rooms (also under concurrent requests), and tenants never see each other's rooms."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from typing import Any

from vats.bots.web.testing import ApiClients
from vats.core.calls.retention import remove_expired
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

MAIN = "+74955550001"


async def test_an_admin_creates_a_room_with_a_number_an_extension_a_pin_and_leaders(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, MAIN)
    boss, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Босс", email="b@t.example"))
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    created = await admin.post(
        "/api/conferences",
        json={"name": " Планёрка ", "number": "8 (495) 555-00-01", "extension": "700", "pin": "1234",
              "leader_pin": "9876", "starts": "leaders", "leader_ids": [str(boss.id)], "record": True},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    room = created.json()
    assert room["name"] == "Планёрка" and room["number"] == MAIN and room["extension"] == "700"
    assert room["leader_ids"] == [str(boss.id)] and room["record"] is True
    changed = await admin.patch(f"/api/conferences/{room['id']}", json={"pin": None, "extension": "701"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["pin"] is None and changed.json()["extension"] == "701"
    assert changed.json()["leader_pin"] == "9876"  # what was not given stays
    # the old extension is free again, the new one taken
    freed = await admin.post("/api/employees", json={"full_name": "Новый", "email": "n@t.example", "extension": "700"})
    assert freed.status_code == 201, freed.text
    taken = await admin.post("/api/employees", json={"full_name": "Ещё", "email": "e@t.example", "extension": "701"})
    assert taken.status_code == 409 and taken.json()["field"] == "extension"
    assert [r["id"] for r in (await admin.get("/api/conferences")).json()] == [room["id"]]
    assert (await admin.delete(f"/api/conferences/{room['id']}")).status_code == 204
    assert (await admin.get(f"/api/conferences/{room['id']}")).status_code == 404


async def test_a_room_given_neither_number_nor_extension_gets_the_next_free_extension_and_keeps_one(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, MAIN)
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        taken = {r["extension"] for r in await conn.fetch("SELECT extension FROM extensions WHERE tenant_id = $1", tid)}
    created = await admin.post("/api/conferences", json={"name": "Летучка", "number": "", "extension": " "})
    assert created.status_code == 201, created.text
    room = created.json()
    assert room["number"] is None and room["extension"] and room["extension"] not in taken
    # The room's extension is in the PBX's one list: an employee cannot take it.
    anna = await admin.post(
        "/api/employees", json={"full_name": "Анна", "email": "anna@t.example", "extension": room["extension"]}
    )
    assert anna.status_code == 409 and anna.json()["field"] == "extension"
    # Taking away the only way in is refused, naming the field; a number instead is fine.
    refused = await admin.patch(f"/api/conferences/{room['id']}", json={"extension": None})
    assert refused.status_code == 422 and refused.json()["field"] == "extension", refused.text
    assert (await admin.get(f"/api/conferences/{room['id']}")).json()["extension"] == room["extension"]
    swapped = await admin.patch(f"/api/conferences/{room['id']}", json={"number": MAIN, "extension": None})
    assert swapped.status_code == 200 and swapped.json()["extension"] is None, swapped.text
    refused = await admin.patch(f"/api/conferences/{room['id']}", json={"number": None})
    assert refused.status_code == 422 and refused.json()["field"] == "extension", refused.text


async def test_bad_rooms_are_refused_naming_the_field(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна", email="a@t.example", extension="301")
    )
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="admin@other.example")
    await vats_kernel.directory.assign_number(other.tenant_id, "+74955559999")
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    cases = [
        ({"name": ""}, 422, "name"),
        ({"name": "К", "pin": "12a4"}, 422, "pin"),
        ({"name": "К", "pin": "12345678901"}, 422, "pin"),
        ({"name": "К", "pin": "1234", "leader_pin": "1234"}, 422, "leader_pin"),
        ({"name": "К", "extension": "112"}, 422, "extension"),
        ({"name": "К", "extension": "301"}, 409, "extension"),
        ({"name": "К", "number": "+74955559999"}, 404, "number"),  # another PBX's number
        ({"name": "К", "starts": "leaders"}, 422, "leader_ids"),  # leaders, but nobody named
        ({"name": "К", "starts": "leaders", "leader_ids": ["00000000-0000-0000-0000-000000000001"]}, 404, "leader_ids"),
    ]
    for body, status, field in cases:
        answer = await admin.post("/api/conferences", json=body)
        assert (answer.status_code, answer.json().get("field")) == (status, field), (body, answer.text)
    assert (await admin.post("/api/conferences", json={"name": "К", "starts": "всем"})).status_code == 400
    assert (await admin.get("/api/conferences")).json() == []


async def test_rooms_belong_to_their_pbx_and_only_admins_change_them(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    room = (await admin.post("/api/conferences", json={"name": "Наша", "extension": "700"})).json()
    other = await vats_kernel.directory.create_tenant(name="Другая", admin_email="admin@other.example")
    stranger = await vats_api.as_employee(other.tenant_id, other.admin_id)
    assert (await stranger.get(f"/api/conferences/{room['id']}")).status_code == 404
    assert (await stranger.patch(f"/api/conferences/{room['id']}", json={"name": "Чужая"})).status_code == 404
    assert (await stranger.get("/api/conferences/live")).json() == []
    # the same extension in another PBX is that PBX's own business
    assert (await stranger.post("/api/conferences", json={"name": "Их", "extension": "700"})).status_code == 201
    user, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Юля", email="u@t.example"))
    as_user = await vats_api.as_employee(tid, user.id)
    assert (await as_user.post("/api/conferences", json={"name": "Моя"})).status_code == 403
    assert (await as_user.get("/api/conferences")).status_code == 403
    live = (await as_user.get("/api/conferences/live")).json()  # everyone sees who is in the rooms
    assert [(r["name"], r["participants"]) for r in live] == [("Наша", [])]


async def test_an_outside_participants_number_is_whole_for_admins_and_only_its_last_digits_for_others(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    room = (await admin.post("/api/conferences", json={"name": "С клиентом", "extension": "700"})).json()
    user, _ = await vats_kernel.directory.create_employee(tid, EmployeeCreate(full_name="Юля", email="u@t.example"))
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:  # as the AMI listener writes who entered
        await conn.executemany(
            "INSERT INTO conference_participants (tenant_id, room_id, channel, caller, caller_name, employee_id)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(tid, uuid.UUID(room["id"]), "PJSIP/trunk-1", "+79165550123", "Клиент Иванов", None),
             (tid, uuid.UUID(room["id"]), "PJSIP/u-2", "201", "", user.id)],
        )  # fmt: skip

    def seen(live: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(p["caller"], p["caller_name"]) for r in live for p in r["participants"]]

    assert seen((await admin.get("/api/conferences/live")).json()) == [("+79165550123", "Клиент Иванов"), ("201", "")]
    as_user = await vats_api.as_employee(tid, user.id)
    assert seen((await as_user.get("/api/conferences/live")).json()) == [("•••23", ""), ("201", "")]


async def test_concurrent_rooms_on_one_extension_or_number_leave_one_winner(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    await vats_kernel.directory.assign_number(tid, MAIN)
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    for body, field in (({"extension": "800"}, "extension"), ({"number": MAIN}, "number")):
        answers = await asyncio.gather(
            *(admin.post("/api/conferences", json={"name": f"Комната {i}", **body}) for i in range(6))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 409, 409, 409, 409, 409], [a.text for a in answers]
        assert {a.json()["field"] for a in answers if a.status_code == 409} == {field}
    assert len((await admin.get("/api/conferences")).json()) == 2


async def test_room_recordings_older_than_the_retention_period_are_removed(
    vats_api: ApiClients, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    tid = vats_tenant.tenant_id
    admin = await vats_api.as_employee(tid, vats_tenant.admin_id)
    room = (await admin.post("/api/conferences", json={"name": "Планёрка", "record": True})).json()
    folder = vats_kernel.config.media_dir / "recordings" / str(tid)
    folder.mkdir(parents=True)
    hex_id = room["id"].replace("-", "")
    old, new = folder / f"conf-{hex_id}-old.wav", folder / f"conf-{hex_id}-new.wav"
    for path in (old, new):
        path.write_bytes(b"RIFF")
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=vats_kernel.config.retention_days + 1)).timestamp()
    os.utime(old, (long_ago, long_ago))
    listed = (await admin.get(f"/api/conferences/{room['id']}/recordings")).json()
    assert [r["id"] for r in listed] == [new.stem, old.stem]  # newest first
    await remove_expired(vats_kernel)
    assert not old.exists() and new.exists()
    assert [r["id"] for r in (await admin.get(f"/api/conferences/{room['id']}/recordings")).json()] == [new.stem]
