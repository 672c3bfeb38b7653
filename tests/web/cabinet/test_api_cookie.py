"""The cabinet's session cookie opens the API's reads (the pages' JSON, charts, recordings and
CSV exports, and a chart opened in a browser tab), never its writes."""

from __future__ import annotations

import datetime as dt

from vats.bots.web.testing import ApiClients

from tests.plugins.crm.conftest import Company, company, store  # noqa: F401
from tests.web.cabinet.cookie import cabinet_client, csrf_token


async def test_a_cabinet_cookie_reads_charts_csv_and_recordings_of_the_api(
    vats_api: ApiClients,
    company: Company,  # noqa: F811
) -> None:
    from vats.core.calls.records import CallRecord, Participant

    folder = company.kernel.config.media_dir / "recordings" / str(company.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rec.wav").write_bytes(b"RIFF....WAVEfmt ")
    at = dt.datetime.now(dt.UTC)
    record = await store(company.kernel, CallRecord(
        tenant_id=company.tenant_id, number="+74957770000", caller="+79035550001", started_at=at,
        answered_at=at, ended_at=at + dt.timedelta(seconds=30), recordings=[str(folder / "rec")],
        participants=[Participant(address="sip/x", employee_id=company.people["201"], outcome="answered")],
    ))  # fmt: skip
    admin = await cabinet_client(vats_api, company.tenant_id, company.admin_id)
    assert "authorization" not in admin.headers

    board = await admin.get("/api/statistics")
    assert board.status_code == 200 and board.json()["totals"]["inbound"] == 1
    png = await admin.get("/api/statistics/chart", params={"chart": "pie", "format": "png"})
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = await admin.get("/api/dashboard/chart", params={"chart": "lines"})
    assert svg.status_code == 200 and b"<svg" in svg.content
    csv = await admin.get("/api/history/export.csv")
    assert csv.status_code == 200 and "+79035550001" in csv.text
    audio = await admin.get(f"/api/history/{record.id}/recording")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"

    # Writes: the cookie is no credential there (no CSRF token could protect them).
    tagged = await admin.put(f"/api/history/{record.id}/tags", json={"tag_ids": []})
    assert tagged.status_code == 401
    availability = await admin.put("/api/me/availability", json={"mode": "unavailable"})
    assert availability.status_code == 401


async def test_the_cookie_on_the_api_ends_with_its_session_and_never_crosses_tenants(
    vats_api: ApiClients,
    company: Company,  # noqa: F811
) -> None:
    from vats.core.calls.records import CallRecord

    other = await company.kernel.directory.create_tenant(name="Other Co", admin_email="admin@other.example")
    at = dt.datetime.now(dt.UTC)
    await store(company.kernel, CallRecord(
        tenant_id=other.tenant_id, number="+74950000001", caller="+79039990001", started_at=at,
        ended_at=at + dt.timedelta(seconds=10),
    ))  # fmt: skip
    mine = await cabinet_client(vats_api, company.tenant_id, company.admin_id)
    listing = await mine.get("/api/history")
    assert listing.status_code == 200 and listing.json()["total"] == 0

    kept = mine.cookies.get("vats_session") or ""
    form = await mine.get("/cabinet/me")
    out = await mine.post("/signout", data={"_csrf_token": csrf_token(form.text)})
    assert out.status_code == 303
    # The browser drops the cookie; one kept from before the sign-out no longer reads anything.
    stale = vats_api.client()
    stale.cookies.set("vats_session", kept, domain="vats.test")
    assert kept and (await stale.get("/api/history")).status_code == 401
    # An API access token in the cookie's place is refused too (the cookie has a key of its own).
    api = await vats_api.as_employee(company.tenant_id, company.admin_id)
    forged = vats_api.client()
    forged.cookies.set("vats_session", api.headers["authorization"], domain="vats.test")
    assert (await api.get("/api/history")).status_code == 200
    assert (await forged.get("/api/history")).status_code == 401
