"""The Telegram bot, driven over real HTTP through a fake Bot API server: linking, strangers,
availability, task alerts and their buttons, /tasks, /calls, languages, voicemail, webhook mode."""

from __future__ import annotations

import datetime as dt
import wave
from pathlib import Path
from typing import Any

import httpx
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from vats.bots.telegram.testing import FakeTelegram, running_bot
from vats.core import hookimpl
from vats.core.bot import BotUser
from vats.core.calls.records import CallRecord, Participant, store_and_announce
from vats.core.engine.context import TaskIntent

from tests.engine.conftest import NUMBER
from tests.plugins.crm.conftest import Clients, Company, emp, forward, group, record_call

ANNA, BORIS = 1001, 1002  # Telegram user ids


async def link(fake: FakeTelegram, client: httpx.AsyncClient, telegram_user: int, language: str = "ru") -> None:
    offer = (await client.post("/api/me/telegram-link")).json()
    assert offer["url"].startswith("https://t.me/vats_test_bot?start=")
    seen = len(fake.shown(telegram_user))
    fake.send_text(telegram_user, offer["start_command"], language_code=language)
    await fake.wait_for(lambda: len(fake.shown(telegram_user)) > seen)


def last_text(fake: FakeTelegram, chat: int) -> str:
    message = fake.shown(chat)[-1]
    return str(message.get("text") or message.get("caption"))


async def test_linking_is_one_time_and_strangers_learn_nothing(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    anna = await clients.of("201")
    assert (await anna.get("/api/me/telegram-link")).json()["linked"] is False
    offer = (await anna.post("/api/me/telegram-link")).json()
    # A stranger who writes anything gets the instructions and nothing else.
    fake_telegram.send_text(666, "/status")
    await fake_telegram.wait_for(lambda: fake_telegram.shown(666))
    assert "личный кабинет" in last_text(fake_telegram, 666)
    fake_telegram.send_text(666, "/tasks", language_code="en")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(666)) == 2)
    assert last_text(fake_telegram, 666).startswith("This bot is for employees")
    # The code links Anna's Telegram ...
    fake_telegram.send_text(ANNA, offer["start_command"])
    reply = await fake_telegram.wait_for_message(ANNA)
    assert "Готово" in reply["text"] and "Анна" in reply["text"] and "Engine Co" in reply["text"]
    assert reply["reply_markup"]["keyboard"] == [[{"text": "📶 Статус"}]]  # the persistent button
    state = (await anna.get("/api/me/telegram-link")).json()
    assert state["linked"] and state["username"] == f"user{ANNA}"
    # In a group chat the bot says nothing, even to Anna: everyone there would read it.
    fake_telegram.send_text(ANNA, "/status", chat_type="group")
    fake_telegram.send_text(ANNA, "/status")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(ANNA)) == 2)
    assert fake_telegram.shown(-ANNA) == [] and last_text(fake_telegram, ANNA).startswith("Ваша доступность")
    # ... once: the same code from someone else is refused and links nothing.
    fake_telegram.send_text(BORIS, offer["start_command"])
    refused = await fake_telegram.wait_for_message(BORIS)
    assert "недействительна" in refused["text"]
    fake_telegram.send_text(BORIS, "/status")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(BORIS)) == 2)
    assert "личный кабинет" in last_text(fake_telegram, BORIS)
    # Unlinking from the cabinet: the bot forgets Anna.
    assert (await anna.delete("/api/me/telegram-link")).status_code == 204
    count = len(fake_telegram.shown(ANNA))
    fake_telegram.send_text(ANNA, "/status")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(ANNA)) > count)
    assert "личный кабинет" in last_text(fake_telegram, ANNA)
    # Linking again, then unlinking from the bot's side.
    await link(fake_telegram, anna, ANNA)
    count = len(fake_telegram.shown(ANNA))
    fake_telegram.send_text(ANNA, "/unlink")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(ANNA)) > count)
    assert "отключён" in last_text(fake_telegram, ANNA)
    assert (await anna.get("/api/me/telegram-link")).json()["linked"] is False


async def test_expired_or_malformed_codes_are_refused(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    anna = await clients.of("201")
    offer = (await anna.post("/api/me/telegram-link")).json()
    assert company.kernel.db is not None
    async with company.kernel.db.system() as conn:
        await conn.execute("UPDATE telegram_link_codes SET expires_at = now() - interval '1 second'")
    fake_telegram.send_text(ANNA, offer["start_command"])
    assert "недействительна" in (await fake_telegram.wait_for_message(ANNA))["text"]
    fake_telegram.send_text(ANNA, "/start short")
    await fake_telegram.wait_for(lambda: len(fake_telegram.shown(ANNA)) == 2)
    assert "недействительна" in last_text(fake_telegram, ANNA)
    assert (await anna.get("/api/me/telegram-link")).json()["linked"] is False


async def test_link_needs_a_configured_bot(company: Company, clients: Clients) -> None:
    response = await (await clients.of("201")).post("/api/me/telegram-link")
    assert response.status_code == 409 and response.json()["field"] == "bot"


async def test_status_switches_availability_and_routing_skips_the_employee(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("202"), BORIS)
    await company.set_scenario({"default": {"handling": forward(emp(company.people["202"]))}})
    assert (await company.call("202 answers")).answered_by is not None
    last = fake_telegram.shown(BORIS)[-1]["message_id"]
    fake_telegram.send_text(BORIS, "📶 Статус")  # the persistent button
    status = await fake_telegram.wait_for_message(BORIS, after=last)
    assert status["text"] == "Ваша доступность: Доступен по расписанию"
    buttons = fake_telegram.buttons(status)
    assert list(buttons) == ["Недоступен", "● Доступен по расписанию", "Доступен"]
    fake_telegram.press(BORIS, status, buttons["Недоступен"])
    await fake_telegram.wait_for(lambda: "edit_date" in fake_telegram.messages[(BORIS, status["message_id"])])
    edited = fake_telegram.messages[(BORIS, status["message_id"])]
    assert edited["text"] == "Ваша доступность: Недоступен"
    assert "● Недоступен" in fake_telegram.buttons(edited)
    await fake_telegram.wait_for(lambda: fake_telegram.sent("answerCallbackQuery"))
    # Routing follows at once: Борис is unavailable, so the call does not ring him.
    sim = await company.call("202 answers")
    assert sim.answered_by is None
    assert all(leg.get("employee_id") != str(company.people["202"]) for s in sim.steps
               for leg in s.primitive.get("legs", []))  # fmt: skip
    # /status shows the new mode; English for an English-speaking app.
    last = fake_telegram.shown(BORIS)[-1]["message_id"]
    fake_telegram.send_text(BORIS, "/status", language_code="en")
    assert (await fake_telegram.wait_for_message(BORIS, after=last))["text"] == "Your availability: Unavailable"


async def test_missed_call_alert_reaches_the_group_with_working_buttons(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    await link(fake_telegram, await clients.of("202"), BORIS, language="en")
    await company.set_scenario({"default": {"handling": forward(group(company.sales_id))}})
    anna_before = fake_telegram.shown(ANNA)[-1]["message_id"]
    boris_before = fake_telegram.shown(BORIS)[-1]["message_id"]
    await record_call(company, caller="+79031112233")
    alert = await fake_telegram.wait_for_message(ANNA, after=anna_before)
    assert alert["text"].splitlines()[:4] == [
        "📞 Пропущенный звонок",
        "От: +79031112233",
        f"Звонок 24.11 в 12:00 на номер {NUMBER} «Реклама»",
        "Группе: Продажи",
    ]  # when (the PBX's time) and which of the company's numbers was called
    assert list(fake_telegram.buttons(alert)) == ["📞 Перезвонить", "✅ Выполнено", "🙋 Взять себе"]
    english = await fake_telegram.wait_for_message(BORIS, after=boris_before)
    assert english["text"].startswith(
        f"📞 Missed call\nFrom: +79031112233\nCall on 24.11 at 12:00 to {NUMBER} «Реклама»"
    )
    # "Take it": the task becomes Анна's; her alert says so and loses that button. Борис,
    # who took nothing, gets no new alert; Анна is not alerted about her own action.
    fake_telegram.press(ANNA, alert, fake_telegram.buttons(alert)["🙋 Взять себе"])
    await fake_telegram.wait_for(lambda: "Взял(а): Анна" in fake_telegram.messages[(ANNA, alert["message_id"])]["text"])
    taken = fake_telegram.messages[(ANNA, alert["message_id"])]
    assert list(fake_telegram.buttons(taken)) == ["📞 Перезвонить", "✅ Выполнено"]
    (task,) = (await (await clients.of("admin")).get("/api/tasks", params={"status": "open_any"})).json()["items"]
    assert task["assignee_kind"] == "employee" and task["assignee_id"] == str(company.people["201"])
    # Борис presses "take" on his stale alert: the task is no longer his to see; nothing changes.
    answered = len(fake_telegram.sent("answerCallbackQuery"))
    fake_telegram.press(BORIS, english, fake_telegram.buttons(english)["🙋 Take it"], language_code="en")
    await fake_telegram.wait_for(lambda: len(fake_telegram.sent("answerCallbackQuery")) > answered)
    assert fake_telegram.sent("answerCallbackQuery")[-1]["text"] == "This task is no longer yours to see"
    assert len([m for m in fake_telegram.shown(BORIS) if m["message_id"] > boris_before]) == 1
    # "Call back" without telephony: an answer in her language she can act on (no operator's
    # setting name), nothing else changes.
    calls = len(fake_telegram.sent("answerCallbackQuery"))
    fake_telegram.press(ANNA, taken, fake_telegram.buttons(taken)["📞 Перезвонить"])
    await fake_telegram.wait_for(lambda: len(fake_telegram.sent("answerCallbackQuery")) > calls)
    answer = fake_telegram.sent("answerCallbackQuery")[-1]["text"]
    assert "телефония ВАТС недоступна" in answer and "+79031112233" in answer
    assert "VATS_" not in answer and "Asterisk" not in answer
    # "Mark done": the task is done; the alert says by whom and keeps no buttons.
    fake_telegram.press(ANNA, taken, fake_telegram.buttons(taken)["✅ Выполнено"])
    await fake_telegram.wait_for(
        lambda: "Выполнено: Анна" in fake_telegram.messages[(ANNA, alert["message_id"])]["text"]
    )
    assert fake_telegram.buttons(fake_telegram.messages[(ANNA, alert["message_id"])]) == {}
    done = (await (await clients.of("admin")).get(f"/api/tasks/{task['id']}")).json()
    assert done["task"]["status"] == "done"


async def test_reassigned_task_is_announced_to_the_new_assignee(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("203"), 1003)
    admin = await clients.of("admin")
    created = await admin.post(
        "/api/tasks", json={"title": "Отправить счёт", "assignee_kind": "employee",
                            "assignee_id": str(company.people["202"]), "number": "+79035550000"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    before = fake_telegram.shown(1003)[-1]["message_id"]
    moved = await admin.patch(f"/api/tasks/{created.json()['id']}", json={"assignee_id": str(company.people["203"])})
    assert moved.status_code == 200
    alert = await fake_telegram.wait_for_message(1003, after=before)
    assert alert["text"].splitlines()[0] == "📝 Задача · Задача передана вам"
    assert "Отправить счёт" in alert["text"]


async def test_tasks_and_calls_commands(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    await company.set_scenario({"default": {"handling": forward(emp(company.people["201"]))}})
    # The calls happen now (today's calls), so Анна takes calls whatever the day and hour.
    await company.kernel.directory.set_availability(company.tenant_id, company.people["201"], "available")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    before = fake_telegram.shown(ANNA)[-1]["message_id"]
    await record_call(company, caller="+79031110001", at=now - dt.timedelta(minutes=5))
    await record_call(company, "201 answers", caller="+79031110002", at=now - dt.timedelta(minutes=3))
    await fake_telegram.wait_for(lambda: len([m for m in fake_telegram.shown(ANNA) if m["message_id"] > before]) == 1)
    before = fake_telegram.shown(ANNA)[-1]["message_id"]
    fake_telegram.send_text(ANNA, "/tasks")
    await fake_telegram.wait_for(lambda: len([m for m in fake_telegram.shown(ANNA) if m["message_id"] > before]) == 2)
    header, task = [m for m in fake_telegram.shown(ANNA) if m["message_id"] > before]
    assert header["text"] == "Открытые задачи: 1"
    assert task["text"].startswith("Пропущенный · +79031110001")
    assert "✅ Выполнено" in fake_telegram.buttons(task)
    before = task["message_id"]
    fake_telegram.send_text(ANNA, "/calls")
    calls = (await fake_telegram.wait_for_message(ANNA, after=before))["text"]
    assert calls.startswith("Звонки за сегодня: 2, пропущено вами: 1")
    missed_part, recent_part = calls.split("Последние:")
    assert "+79031110001 ❌" in missed_part and "+79031110002" not in missed_part
    assert "+79031110002 ✅" in recent_part


def write_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)


async def test_voicemail_arrives_as_mp3_never_wav(
    vats_telegram: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients
) -> None:
    await link(fake_telegram, await clients.of("201"), ANNA)
    media = Path(company.kernel.config.media_dir) / "voicemail"
    media.mkdir(parents=True)
    write_wav(media / "msg1.wav")
    # The fake refuses what Telegram refuses: a WAV as a voice message.
    async with httpx.AsyncClient() as direct:
        refused = await direct.post(
            f"{fake_telegram.base_url}/bot{fake_telegram.token}/sendVoice",
            data={"chat_id": str(ANNA)}, files={"voice": ("v.wav", (media / "msg1.wav").read_bytes())},
        )  # fmt: skip
    assert refused.status_code == 400
    record = CallRecord(
        tenant_id=company.tenant_id, number="+74957770000", caller="+79031234599",
        started_at=dt.datetime.now(dt.UTC), ended_at=dt.datetime.now(dt.UTC),
        participants=[Participant(address="sip/x", employee_id=company.people["201"], outcome="missed")],
        intents=[TaskIntent(kind="voicemail", assignee_kind="employee", assignee_id=company.people["201"])],
        voicemail=str(media / "msg1"),  # as Asterisk names it: without the extension it adds
    )  # fmt: skip
    before = fake_telegram.shown(ANNA)[-1]["message_id"]
    await store_and_announce(company.kernel.db, company.kernel.plugins, record)  # type: ignore[arg-type]
    voice = await fake_telegram.wait_for_message(ANNA, after=before)
    assert voice["voice"]["mime_type"] == "audio/mp3"
    assert voice["caption"].startswith("📨 Голосовое сообщение")
    sent = fake_telegram.sent("sendVoice", chat_id=ANNA)[-1]  # the first was the WAV refused above
    assert sent["voice"]["data"][:1] == b"\xff"
    # Its button edits the caption (a voice message has no text).
    fake_telegram.press(ANNA, voice, fake_telegram.buttons(voice)["✅ Выполнено"])
    await fake_telegram.wait_for(
        lambda: "Выполнено: Анна" in fake_telegram.messages[(ANNA, voice["message_id"])]["caption"]
    )


class HelloPlugin:
    @hookimpl
    def register_bot_routers(self) -> list[Router]:
        router = Router(name="hello")  # a new Router on every call: one dispatcher each

        @router.message(Command("hello"))
        async def hello(message: Message, user: BotUser, kernel: Any) -> None:
            async with kernel.db.tenant(user.tenant_id) as conn:
                name = await conn.fetchval(
                    "SELECT full_name FROM employees WHERE tenant_id = $1 AND id = $2", user.tenant_id, user.employee_id
                )
            await message.answer(f"Привет, {name}!" if user.language == "ru" else f"Hello, {name}!")

        return [router]


async def test_hook_register_bot_routers(
    vats_kernel: Any, fake_telegram: FakeTelegram, company: Company, clients: Clients, vats_register_plugin: Any
) -> None:
    """A plugin's router answers linked employees (with ``user`` and ``kernel``); strangers
    never reach it."""
    vats_register_plugin(HelloPlugin(), name="hello")
    async with running_bot(vats_kernel, fake_telegram):
        await link(fake_telegram, await clients.of("203"), 1003, language="en")
        before = fake_telegram.shown(1003)[-1]["message_id"]
        fake_telegram.send_text(1003, "/hello", language_code="en")
        assert (await fake_telegram.wait_for_message(1003, after=before))["text"] == "Hello, Вера!"
        fake_telegram.send_text(666, "/hello")
        assert "личный кабинет" in (await fake_telegram.wait_for_message(666))["text"]
    # Each dispatcher asks the plugins again: new Routers, so a second bot can start.
    async with running_bot(vats_kernel, fake_telegram) as again:
        assert "hello" in [r.name for r in again.dispatcher.sub_routers[1].sub_routers]
