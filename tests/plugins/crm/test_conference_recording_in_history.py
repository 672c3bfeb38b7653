"""Seed 003: a conference room's recording is the admins' only. A call that entered a recorded
room shows, on its page in История, the room's recording made while it was there, to an admin;
an employee who sees every call of the company and may play call recordings sees the call and
not the room's recording (nor can fetch it)."""

from __future__ import annotations

import datetime as dt
import os
import re

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.calls.models import CallRecord
from vats.core.conferences import rooms
from vats.core.conferences.models import RoomCreate
from vats.core.directory.models import RoleSettings, RolesSettings

from tests.engine.conftest import Company, company  # noqa: F401
from tests.plugins.crm.conftest import settings, store
from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.cookie import give_test_password

AUDIO = re.compile(r'class="calls-room-recording" src="([^"]+)"')


async def test_a_room_call_shows_the_rooms_recording_of_its_time_to_admins_only(company: Company) -> None:  # noqa: F811
    c = company
    await settings(c, roles=RolesSettings(user=RoleSettings(history_scope="company", may_play_recordings=True)))
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        room = await rooms.create_room(conn, c.tenant_id, RoomCreate(name="Планёрка", extension="700", record=True))
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    folder = c.kernel.config.media_dir / "recordings" / str(c.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    during, earlier = f"conf-{room.id.hex}-{'a' * 32}", f"conf-{room.id.hex}-{'b' * 32}"
    for name, ended in ((during, at + dt.timedelta(minutes=10)), (earlier, at - dt.timedelta(days=1))):
        path = folder / f"{name}.wav"
        path.write_bytes(b"RIFF$\x00\x00\x00WAVEfmt " + bytes(28))
        os.utime(path, (ended.timestamp(), ended.timestamp()))
    record = await store(c.kernel, CallRecord(
        tenant_id=c.tenant_id, number="+74957770700", caller="+79031110009", started_at=at,
        answered_at=at + dt.timedelta(seconds=3), ended_at=at + dt.timedelta(minutes=10),
        path=["conference: Планёрка"],
    ))  # fmt: skip
    call_id = record.id
    app = create_app(c.kernel)
    admin, anna = CabinetClient(app), CabinetClient(app)
    try:
        for client, who in ((admin, c.admin_id), (anna, c.people["201"])):
            email = await give_test_password(c.kernel, c.tenant_id, who)
            assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
        seen = await admin.http.get(f"/cabinet/history/{call_id}")
        assert seen.status_code == 200, seen.text
        assert AUDIO.findall(seen.text) == [f"/api/conferences/{room.id}/recordings/{during}"]
        played = await admin.http.get(AUDIO.findall(seen.text)[0])
        assert played.status_code == 200 and played.headers["content-type"].startswith("audio/wav")

        hers = await anna.http.get(f"/cabinet/history/{call_id}")
        assert hers.status_code == 200 and "Планёрка" in hers.text  # the call, with its path
        assert AUDIO.findall(hers.text) == [] and during not in hers.text
        assert (await anna.http.get(f"/api/conferences/{room.id}/recordings/{during}")).status_code == 403
    finally:
        await admin.close()
        await anna.close()
