"""/rooms in the Telegram bot (real dispatcher, fake Bot API over HTTP): an employee sees each
conference room with who is in it now, and the refresh button edits the message in place when
someone leaves."""

from __future__ import annotations

import uuid
from typing import Any

from vats.bots.telegram.testing import FakeTelegram

from tests.bots.test_telegram import BORIS, link
from tests.plugins.crm.conftest import Clients, Company


async def _set_people(company: Company, room_id: uuid.UUID, people: list[tuple[str, str, uuid.UUID | None]]) -> None:
    """Who is in the room, as the AMI listener writes it (core/conferences/live.py)."""
    assert company.kernel.db is not None
    async with company.kernel.db.system() as conn:
        await conn.execute("DELETE FROM conference_participants WHERE room_id = $1", room_id)
        for channel, caller, employee in people:
            await conn.execute(
                "INSERT INTO conference_participants (tenant_id, room_id, channel, caller, employee_id)"
                " VALUES ($1, $2, $3, $4, $5)",
                company.tenant_id, room_id, channel, caller, employee,
            )  # fmt: skip


async def test_rooms_lists_who_is_in_each_room_and_refreshes_in_place(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("202"), BORIS)
    last = fake_telegram.shown(BORIS)[-1]["message_id"]
    fake_telegram.send_text(BORIS, "/rooms")
    assert (await fake_telegram.wait_for_message(BORIS, after=last))["text"] == "В АТС нет комнат конференций."
    admin = await clients.of("admin")
    daily = (await admin.post("/api/conferences", json={"name": "Планёрка", "extension": "700"})).json()
    await admin.post("/api/conferences", json={"name": "Совет", "extension": "701"})
    anna = company.people["201"]
    await _set_people(company, uuid.UUID(daily["id"]),
                      [("PJSIP/x201-1", "201", anna), ("Local/+74950000000@vats-in-2;2", "+79165550002", None)])  # fmt: skip
    last = fake_telegram.shown(BORIS)[-1]["message_id"]
    fake_telegram.send_text(BORIS, "/rooms")
    shown = await fake_telegram.wait_for_message(BORIS, after=last)
    lines = shown["text"].splitlines()
    assert lines[0] == "Комнаты конференций:"
    assert "🎧 Планёрка: в комнате 2" in lines and "🎧 Совет: никого" in lines
    names = await _names(company)
    # Борис is a user: a colleague whole, an outside caller by the last digits (admins see the number)
    assert f"  • {names[anna]} (201)" in lines and "  • •••02" in lines and "+79165550002" not in shown["text"]
    # Анна leaves; the button reads the room again and edits the same message.
    await _set_people(company, uuid.UUID(daily["id"]), [("Local/+74950000000@vats-in-2;2", "+79165550002", None)])
    fake_telegram.press(BORIS, shown, fake_telegram.buttons(shown)["🔄 Обновить"])
    await fake_telegram.wait_for(lambda: "edit_date" in fake_telegram.messages[(BORIS, shown["message_id"])])
    edited = fake_telegram.messages[(BORIS, shown["message_id"])]["text"]
    assert "🎧 Планёрка: в комнате 1" in edited and names[anna] not in edited
    # English for an English-speaking app.
    last = fake_telegram.shown(BORIS)[-1]["message_id"]
    fake_telegram.send_text(BORIS, "/rooms", language_code="en")
    english = (await fake_telegram.wait_for_message(BORIS, after=last))["text"]
    assert english.startswith("Conference rooms:") and "🎧 Совет: nobody" in english


async def _names(company: Company) -> dict[uuid.UUID, str]:
    assert company.kernel.db is not None
    async with company.kernel.db.tenant(company.tenant_id) as conn:
        return {r["id"]: r["full_name"] for r in await conn.fetch("SELECT id, full_name FROM employees")}
