"""The CRM API as a person uses it: contacts (save, bulk, CSV in and out), history filters,
detail, export, files, dashboard and statistics with charts; bad input is refused by field."""

from __future__ import annotations

import csv
import datetime as dt
import io

from tests.plugins.crm.conftest import DAY, MSK, Clients, Company, emp, forward, group, outbound, record_call, store


async def test_contacts_save_bulk_and_csv(company: Company, clients: Clients) -> None:
    admin, anna = await clients.of("admin"), await clients.of("201")
    tag = (await admin.post("/api/tags", json={"kind": "contact", "name": "Опт"})).json()
    r = await anna.post("/api/contacts", json={"number": "8 (916) 123-45-67", "name": "Иван", "company": "Ромашка"})
    assert r.status_code == 201 and r.json()["number"] == "+79161234567" and r.json()["kind"] == "business"
    assert (await anna.post("/api/contacts", json={"number": "+79161234567"})).status_code == 409
    r = await anna.post("/api/contacts", json={"number": "12"})
    assert r.status_code == 422 and r.json()["field"] == "number"
    body = (
        "number,name,company,manager_email,tags\n"
        "+79160000001,Пётр,Лютик,201@engine.example,Опт\n"
        "not-a-number,Плохой,,,\n"
        "+79160000002,Анна,,nobody@nowhere.example,\n"
        "+79160000003,Павел,,,Нет такого\n"
        "+79160000004,Олег,,,\n"
    )
    r = await admin.post("/api/contacts/import", files={"file": ("c.csv", body.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["imported"] == 2 and report["skipped"] == 3
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "number"), (4, "manager_email"), (5, "tags")]
    page = (await admin.get("/api/contacts", params={"q": "Пётр"})).json()
    (petr,) = page["items"]
    assert petr["manager_id"] == str(company.people["201"]) and petr["tag_ids"] == [tag["id"]]
    assert (await admin.get("/api/contacts", params={"tag_id": tag["id"]})).json()["total"] == 1
    r = await admin.post("/api/contacts/import", files={"file": ("c.csv", b"name\nx\n", "text/csv")})
    assert r.status_code == 422 and r.json()["field"] == "file"

    ids = [c["id"] for c in (await admin.get("/api/contacts")).json()["items"]]
    assert len(ids) == 3
    r = await admin.post(
        "/api/contacts/bulk",
        json={"contact_ids": ids, "action": "set_manager", "manager_id": str(company.people["203"])},
    )
    assert r.json() == {"changed": 3}
    assert {c["manager_id"] for c in (await admin.get("/api/contacts")).json()["items"]} == {str(company.people["203"])}
    r = await admin.post("/api/contacts/bulk", json={"contact_ids": [*ids, str(company.sales_id)], "action": "delete"})
    assert r.status_code == 404 and (await admin.get("/api/contacts")).json()["total"] == 3  # all or nothing
    r = await admin.post("/api/contacts/bulk", json={"contact_ids": ids[:1], "action": "make_personal"})
    assert (await anna.get("/api/contacts")).json()["total"] == 2
    r = await admin.post("/api/contacts/bulk", json={"contact_ids": ids, "action": "set_company"})
    assert r.status_code == 422 and r.json()["field"] == "company"

    exported = (await admin.get("/api/contacts/export.csv")).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["number"] for r in rows} == {"+79161234567", "+79160000001", "+79160000004"}
    assert next(r for r in rows if r["number"] == "+79160000001")["tags"] == "Опт"


async def test_history_filters_detail_and_export(company: Company, clients: Clients) -> None:
    a, b = company.people["201"], company.people["202"]
    await company.set_scenario({"default": {"handling": forward(emp(a), emp(b))}})
    took = await record_call(company, "201 no answer, 202 answers", caller="+79031110001")
    await record_call(company, caller="+79031110002")
    earlier = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    await record_call(company, "201 answers", caller="+79031110003", at=earlier)
    await store(company.kernel, outbound(company, "203", "+79031110004", answered=True))
    admin = await clients.of("admin")

    async def peers(**params: str) -> set[str]:
        r = await admin.get("/api/history", params={**DAY, **params})
        assert r.status_code == 200, r.text
        return {c["peer"] for c in r.json()["items"]}

    assert await peers() == {"+79031110001", "+79031110002", "+79031110004"}
    assert await peers(**{"from": "2026-11-20"}) == {"+79031110001", "+79031110002", "+79031110003", "+79031110004"}
    assert await peers(missed_by=str(a)) == {"+79031110001", "+79031110002"}  # including the one Борис took
    assert await peers(result="missed") == {"+79031110002"}
    assert await peers(direction="outbound") == {"+79031110004"}
    assert await peers(employee_id=str(b)) == {"+79031110001", "+79031110002"}
    assert await peers(number="1110004") == {"+79031110004"}
    tag = (await admin.post("/api/tags", json={"kind": "call", "name": "Жалоба"})).json()
    r = await admin.put(f"/api/history/{took.record_id}/tags", json={"tag_ids": [tag["id"]]})
    assert r.status_code == 200 and r.json()["tag_ids"] == [tag["id"]]
    assert await peers(tag_id=tag["id"]) == {"+79031110001"}
    r = await admin.put(f"/api/history/{took.record_id}/tags", json={"tag_ids": [str(company.sales_id)]})
    assert r.status_code == 404 and r.json()["field"] == "tag_ids"

    detail = (await admin.get(f"/api/history/{took.record_id}")).json()
    assert detail["path"] == ["default", "handling:forward"] and detail["call"]["answered_by"] == str(b)
    outcomes = {(x["employee_id"], x["outcome"]) for x in detail["rang"]}
    assert (str(b), "answered") in outcomes and (str(a), "missed") in outcomes
    assert (await admin.get(f"/api/history/{took.record_id}/recording")).status_code == 404

    r = await admin.get("/api/history/export.csv", params={**DAY, "direction": "inbound"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted((x["client_number"], x["result"], x["answered_by"], x["tags"]) for x in rows) == [
        ("+79031110001", "answered", "Борис", "Жалоба"),
        ("+79031110002", "missed", "", ""),
    ]
    for bad, field in [({"period": "range"}, "from"), ({"period": "year"}, "period"),
                       ({"period": "range", "from": "2026-11-24", "to": "2026-11-01"}, "to")]:  # fmt: skip
        r = await admin.get("/api/history", params=bad)
        assert r.status_code in (400, 422) and (r.json().get("field") == field or field in r.text), (bad, r.text)


async def test_recording_download_follows_the_rights(company: Company, clients: Clients) -> None:
    from vats.core.calls.records import CallRecord, Participant

    folder = company.kernel.config.media_dir / "recordings" / str(company.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc.wav").write_bytes(b"RIFF....WAVEfmt ")
    at = dt.datetime.now(dt.UTC)
    record = await store(company.kernel, CallRecord(
        tenant_id=company.tenant_id, number="+74957770000", caller="+79035550001", started_at=at,
        answered_at=at, ended_at=at + dt.timedelta(seconds=30), recordings=[str(folder / "abc")],
        participants=[Participant(address="sip/x", employee_id=company.people["201"], outcome="answered")],
    ))  # fmt: skip
    anna = await clients.of("201")
    r = await anna.get(f"/api/history/{record.id}/recording")
    assert r.status_code == 200 and r.content.startswith(b"RIFF") and r.headers["content-type"] == "audio/wav"
    assert (await (await clients.of("202")).get(f"/api/history/{record.id}/recording")).status_code == 404
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        await conn.execute("UPDATE employees SET role = 'restricted' WHERE id = $1", company.people["201"])
    anna = await clients.api.as_employee(company.tenant_id, company.people["201"])
    r = await anna.get(f"/api/history/{record.id}/recording")
    assert r.status_code == 403 and r.json()["field"] == "role"


async def test_dashboard_statistics_and_charts(company: Company, clients: Clients) -> None:
    a = company.people["201"]
    await company.set_scenario({"default": {"handling": forward(group(company.sales_id))}})
    now = dt.datetime(2026, 11, 20, 12, tzinfo=MSK)  # a working Friday of "this week" (today is 2026-11-22)
    if dt.datetime.now(MSK) - now > dt.timedelta(days=5):  # the suite runs later: last Friday noon then
        today = dt.datetime.now(MSK)
        now = (today - dt.timedelta(days=(today.weekday() - 4) % 7)).replace(hour=12, minute=0, second=0, microsecond=0)
    await record_call(company, "201 answers", caller="+79032220001", at=now)
    await record_call(company, caller="+79032220002", at=now)
    await store(company.kernel, outbound(company, "201", "+79032220003", answered=True, at=now))
    anna, admin = await clients.of("201"), await clients.of("admin")
    board = (await anna.get("/api/dashboard", params={"period": "last7"})).json()
    assert board["calls"] == {"inbound": 2, "outbound": 1, "missed": 1, "answered": 2, "talk_s": 120}
    assert board["tasks"] == {} and sum(d["inbound"] for d in board["per_day"]) == 2
    r = await anna.get("/api/dashboard", params={"employee_id": str(company.people["202"])})
    assert r.status_code == 403 and r.json()["field"] == "employee_id"
    other = (
        await admin.get("/api/dashboard", params={"employee_id": str(company.people["202"]), "period": "last7"})
    ).json()
    assert other["calls"]["answered"] == 0 and other["calls"]["inbound"] == 1 and other["calls"]["missed"] == 1
    stats = (await admin.get("/api/statistics", params={"period": "last7"})).json()
    assert stats["totals"]["inbound"] == 2 and stats["totals"]["missed"] == 1 and stats["tasks"] == {"open": 1}
    assert stats["top_employees"][0]["key"] == str(a) and stats["by_number"][0]["calls"]["inbound"] == 2
    svg = await anna.get("/api/dashboard/chart", params={"chart": "pie"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    png = await admin.get("/api/statistics/chart", params={"chart": "normalised", "format": "png"})
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    lines = await admin.get("/api/statistics/chart", params={"chart": "lines"})
    assert lines.status_code == 200 and lines.content.count(b"<path") > 3
    assert (await admin.get("/api/statistics/chart", params={"chart": "bars"})).status_code == 400


async def test_deleting_an_assignee_with_open_tasks(company: Company, clients: Clients) -> None:
    """An employee (or group) with open tasks is not deleted silently: the refusal lists the
    tasks; a forced deletion hands them to the admin, and done tasks keep their history."""
    admin = await clients.of("admin")
    open_task = await admin.post(
        "/api/tasks", json={"title": "Отправить договор", "assignee_kind": "employee",
                            "assignee_id": str(company.people["203"])},
    )  # fmt: skip
    done_task = await admin.post(
        "/api/tasks", json={"title": "Старое", "assignee_kind": "employee", "assignee_id": str(company.people["203"])}
    )
    await admin.patch(f"/api/tasks/{done_task.json()['id']}", json={"status": "done"})
    group_task = await admin.post(
        "/api/tasks", json={"title": "Разобрать почту", "assignee_kind": "group", "assignee_id": str(company.sales_id)}
    )
    refused = await admin.delete(f"/api/employees/{company.people['203']}")
    assert refused.status_code == 409
    listed = [r for r in refused.json()["references"] if r["kind"] == "crm_task"]
    assert listed == [
        {"kind": "crm_task", "id": open_task.json()["id"], "description": "open task «Отправить договор»"}
    ]
    forced = await admin.delete(f"/api/employees/{company.people['203']}", params={"force": "true"})
    assert forced.status_code == 200 and listed[0] in forced.json()["removed_references"]
    moved = (await admin.get(f"/api/tasks/{open_task.json()['id']}")).json()["task"]
    assert moved["assignee_kind"] == "employee" and moved["assignee_id"] == str(company.admin_id)
    kept = (await admin.get(f"/api/tasks/{done_task.json()['id']}")).json()["task"]
    assert kept["assignee_id"] == str(company.people["203"])  # history as it was
    refused = await admin.delete(f"/api/groups/{company.sales_id}")
    assert refused.status_code == 409 and any(r["kind"] == "crm_task" for r in refused.json()["references"])
    forced = await admin.delete(f"/api/groups/{company.sales_id}", params={"force": "true"})
    assert forced.status_code == 200 and any(r["kind"] == "crm_task" for r in forced.json()["removed_references"])
    moved = (await admin.get(f"/api/tasks/{group_task.json()['id']}")).json()["task"]
    assert moved["assignee_kind"] == "employee" and moved["assignee_id"] == str(company.admin_id)


async def test_one_number_saved_as_a_contact_twice_at_once_is_one_contact_and_one_409(
    company: Company, clients: Clients
) -> None:
    import asyncio

    admin = await clients.of("admin")
    answers = await asyncio.gather(
        *(admin.post("/api/contacts", json={"number": "+79167770001", "name": f"Клиент {i}"}) for i in range(4))
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409], [r.text for r in answers]
    winner = next(r.json() for r in answers if r.status_code == 201)
    listed = (await admin.get("/api/contacts", params={"q": "+79167770001"})).json()["items"]
    assert [(c["id"], c["name"]) for c in listed] == [(winner["id"], winner["name"])]
