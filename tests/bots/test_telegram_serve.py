"""The whole `vats serve` process with the bot in webhook mode: Telegram (the fake) posts
updates to /telegram/webhook with the secret-token header; an admin links the bot, switches
availability, and gets a task's alert through the outbox of the serving process."""

from __future__ import annotations

from pathlib import Path

import httpx
from vats.bots.telegram.testing import FakeTelegram

from tests.serve import free_port, start_serve

ADMIN_CHAT = 4242


async def test_serve_runs_the_bot_by_webhook(
    vats_database_url: str, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"VATS_AGI_PORT": "0", "VATS_TELEGRAM_TOKEN": fake_telegram.token,
           "VATS_TELEGRAM_API_URL": fake_telegram.base_url,
           "VATS_TELEGRAM_WEBHOOK_URL": f"{base}/telegram/webhook"}  # fmt: skip
    # Blocking calls are fine here: the fake Bot API runs in its own thread, nothing else on this loop.
    served = start_serve(tmp_path, database_url=vats_database_url, port=port, env=env)
    try:
        login = served.admin_login()
        assert login, served.startup_text
        password = login[1]
        assert "telegram bot on (webhook" in served.startup_text, served.startup_text
        await fake_telegram.wait_for(lambda: fake_telegram.webhook, within_s=20)
        assert fake_telegram.webhook == (f"{base}/telegram/webhook", fake_telegram.webhook[1])
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            # Only Telegram, which knows the secret, may post updates.
            update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                                  "text": "/start"}}  # fmt: skip
            assert (await http.post("/telegram/webhook", json=update)).status_code == 401
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            assert (await http.post("/telegram/webhook", json=update, headers=wrong)).status_code == 401
            assert fake_telegram.shown(1) == []
            right = {"X-Telegram-Bot-Api-Secret-Token": fake_telegram.webhook[1]}
            bad = await http.post("/telegram/webhook", content=b"{not json", headers=right)
            assert bad.status_code == 422 and bad.json()["field"] == "body"
            # The admin links the bot through the cabinet and the webhook.
            login = await http.post("/api/auth/login", json={"email": "admin@demo.vats.example", "password": password})
            http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            offer = (await http.post("/api/me/telegram-link")).json()
            assert offer["url"] == f"https://t.me/vats_test_bot?start={offer['start_command'].split()[1]}"
            fake_telegram.send_text(ADMIN_CHAT, offer["start_command"])
            linked = await fake_telegram.wait_for_message(ADMIN_CHAT)
            assert "Готово" in linked["text"]
            # /status and a tap: the availability changes in the cabinet too.
            fake_telegram.send_text(ADMIN_CHAT, "/status")
            status = await fake_telegram.wait_for_message(ADMIN_CHAT, after=linked["message_id"])
            fake_telegram.press(ADMIN_CHAT, status, fake_telegram.buttons(status)["Доступен"])
            await fake_telegram.wait_for(
                lambda: fake_telegram.messages[(ADMIN_CHAT, status["message_id"])]["text"].endswith(": Доступен")
            )
            me = (await http.get("/api/me")).json()
            assert me["employee"]["availability"] == "available"
            # A task for the admin is alerted by the serving process's outbox sender.
            created = await http.post("/api/tasks", json={"title": "Проверить бота"})
            assert created.status_code == 201, created.text
            alert = await fake_telegram.wait_for(
                lambda: next(
                    (m for m in fake_telegram.shown(ADMIN_CHAT) if "Проверить бота" in m.get("text", "")), None
                )
            )
            assert "✅ Выполнено" in fake_telegram.buttons(alert)
    finally:
        out = served.stop()
    assert served.process.returncode == 0, served.startup_text + out
