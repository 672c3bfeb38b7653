"""A fake Telegram Bot API server for tests (a pytest plugin installed with vats, like
``vats.core.testing``), and fixtures that run the real bot against it.

The fake speaks the Bot API over real HTTP on 127.0.0.1, in its own thread: it serves
``getUpdates`` (long polling) or posts updates to a webhook with the secret-token header, as
Telegram does; it records every ``sendMessage``, ``editMessageText``, ``sendVoice`` ...; it
refuses voice files Telegram refuses (a WAV, say); and it can misbehave on demand (5xx, 429
with ``retry_after``, or a connection dropped after the message was accepted).

Fixtures:

* ``fake_telegram``: the server;
* ``vats_telegram``: a :class:`~vats.bots.telegram.service.TelegramBot` running on
  ``vats_kernel`` against the fake (polling), with quick retries.

Example::

    async def test_hello(vats_telegram, fake_telegram):
        fake_telegram.send_text(1001, "/start")
        reply = await fake_telegram.wait_for_message(chat_id=1001)
        assert "vats" in reply["text"]
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec
import pytest
import pytest_asyncio
from aiohttp import web

if TYPE_CHECKING:
    from vats.core.kernel import Kernel

TOKEN = "123456:TEST-token-of-the-fake-bot-api"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "vats", "username": "vats_test_bot"}
JSON_FIELDS = ("reply_markup", "allowed_updates", "commands")
SENDING = ("sendMessage", "sendVoice", "sendAudio", "sendDocument", "sendPhoto")


def _voice_format(data: bytes) -> str | None:
    """What Telegram accepts as a voice message: OGG (Opus), MP3, M4A."""
    if data.startswith(b"OggS"):
        return "ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[4:8] == b"ftyp":
        return "m4a"
    return None


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every request: (method, params)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) -> the message as shown
        self.delivered: list[dict[str, Any]] = []  # every message Telegram accepted, duplicates included
        self.webhook: tuple[str, str] | None = None  # (url, secret token)
        self._faults: list[tuple[str, str, int]] = []  # (method, kind, value), used first to last
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # --- the server -------------------------------------------------------------------

    def start(self) -> None:
        started = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._new_update = asyncio.Event()
            app = web.Application(client_max_size=60 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.base_url = f"http://127.0.0.1:{port}"
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake telegram", daemon=True)
        self._thread.start()
        started.wait(10)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    @staticmethod
    def _answer(result: Any) -> web.Response:
        if isinstance(result, dict) and "message_id" in result and "keyboard" in result.get("reply_markup", {}):
            # Telegram echoes only inline keyboards in the Message it returns; the fake keeps the
            # reply keyboard in ``messages`` for tests to look at.
            result = {k: v for k, v in result.items() if k != "reply_markup"}
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.method == "POST":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "data": value.file.read()}
                elif key in JSON_FIELDS and isinstance(value, str):
                    params[key] = json.loads(value)
                else:
                    params[key] = value
        params.update({k: v for k, v in request.query.items() if k not in params})
        for key, value in list(params.items()):  # aiogram sends files as "attach://<field>"
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.pop(value.removeprefix("attach://"), value)
        params["_at"] = time.monotonic()  # when it arrived (to check retry_after was respected)
        with self._lock:
            self.calls.append((method, params))
            fault = next((f for f in self._faults if f[0] == method), None)
            if fault is not None:
                self._faults.remove(fault)
                params["_fault"] = fault[1]
        if fault is not None and fault[1] == "status":
            return self._error(fault[2], "Internal Server Error" if fault[2] >= 500 else "Error")
        if fault is not None and fault[1] == "retry":
            return self._error(429, f"Too Many Requests: retry after {fault[2]}", retry_after=fault[2])
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        response: web.Response = await handler(params)
        if fault is not None and fault[1] == "drop":  # accepted, but the answer never arrives
            assert request.transport is not None
            request.transport.close()
        return response

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, **content}  # fmt: skip
        with self._lock:
            self.messages[(chat_id, message["message_id"])] = message
            self.delivered.append(message)
        return message

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._answer(BOT_USER)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        return self._answer(True)

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = None
        return self._answer(True)

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = (params["url"], params.get("secret_token", ""))
        return self._answer(True)

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        assert self._new_update is not None
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
                self._new_update.clear()
            if pending or time.monotonic() >= deadline:
                return self._answer(pending)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=deadline - time.monotonic())
            except TimeoutError:
                pass

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        content = {"text": params["text"]}
        if "reply_markup" in params:
            content["reply_markup"] = params["reply_markup"]
        return self._answer(self._message(int(params["chat_id"]), **content))

    async def _m_sendVoice(self, params: dict[str, Any]) -> web.Response:
        voice = params.get("voice")
        if not isinstance(voice, dict) or _voice_format(voice["data"]) is None:
            return self._error(400, "Bad Request: wrong file type: voice must be OGG Opus, MP3 or M4A")
        content: dict[str, Any] = {
            "voice": {"file_id": f"voice{len(self.delivered)}", "file_unique_id": f"u{len(self.delivered)}",
                      "duration": 1, "mime_type": f"audio/{_voice_format(voice['data'])}",
                      "file_size": len(voice["data"])},
        }  # fmt: skip
        if "caption" in params:
            content["caption"] = params["caption"]
        if "reply_markup" in params:
            content["reply_markup"] = params["reply_markup"]
        return self._answer(self._message(int(params["chat_id"]), **content))

    def _edit(self, params: dict[str, Any], **changes: Any) -> web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._lock:
            message = self.messages.get(key)
            if message is None:
                return self._error(400, "Bad Request: message to edit not found")
            message.update(changes)
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
        return self._answer(message)

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params, text=params["text"])

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params, caption=params.get("caption", ""))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        return self._edit(params)

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        return self._answer(True)

    # --- driving it from a test ---------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **update}
        if self.webhook is not None:
            url, secret = self.webhook
            assert self._loop is not None
            asyncio.run_coroutine_threadsafe(self._post(url, secret, update), self._loop).result(10)
            return
        with self._lock:
            self._updates.append(update)
        assert self._loop is not None and self._new_update is not None
        self._loop.call_soon_threadsafe(self._new_update.set)

    @staticmethod
    async def _post(url: str, secret: str, update: dict[str, Any]) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response,
        ):
            response.raise_for_status()

    @staticmethod
    def user(user_id: int, language_code: str = "ru") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "username": f"user{user_id}",
                "language_code": language_code}  # fmt: skip

    def send_text(self, user_id: int, text: str, *, language_code: str = "ru", chat_type: str = "private") -> None:
        """The user writes to the bot (a command, or a button of the reply keyboard)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": user_id if chat_type == "private" else -user_id, "type": chat_type},
            "from": self.user(user_id, language_code), "text": text,
        }  # fmt: skip
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._push({"message": message})

    def press(self, user_id: int, message: dict[str, Any], data: str, *, language_code: str = "ru") -> None:
        """The user taps the inline button with ``data`` under ``message``."""
        query = {"id": str(next(self._update_ids) * 1000), "from": self.user(user_id, language_code),
                 "chat_instance": "1", "message": message, "data": data}  # fmt: skip
        self._push({"callback_query": query})

    def fail(self, method: str, times: int, status: int = 500) -> None:
        self._faults += [(method, "status", status)] * times

    def rate_limit(self, method: str, times: int, retry_after: int) -> None:
        self._faults += [(method, "retry", retry_after)] * times

    def drop_after_accept(self, method: str, times: int = 1) -> None:
        self._faults += [(method, "drop", 0)] * times

    def sent(self, method: str | None = None, **where: Any) -> list[dict[str, Any]]:
        """Params of the requests made (to ``method``), filtered by equal params."""
        with self._lock:
            return [
                p for m, p in self.calls
                if (method is None or m == method) and all(str(p.get(k)) == str(v) for k, v in where.items())
            ]  # fmt: skip

    def shown(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages in the chat as the user sees them now (edits applied), oldest first."""
        with self._lock:
            return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    async def wait_for(self, check: Callable[[], Any], within_s: float = 10.0) -> Any:
        deadline = time.monotonic() + within_s
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; requests so far: {[m for m, _ in self.calls]}")
            await asyncio.sleep(0.02)

    async def wait_for_message(self, chat_id: int, after: int = 0, within_s: float = 10.0) -> dict[str, Any]:
        """The first message shown in the chat with an id above ``after``."""
        found = await self.wait_for(
            lambda: [m for m in self.shown(chat_id) if m["message_id"] > after], within_s=within_s
        )
        return dict(found[0])

    @staticmethod
    def buttons(message: dict[str, Any]) -> dict[str, str]:
        """Inline button text -> callback data."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def running_bot(kernel: Kernel, fake: FakeTelegram, **delivery_options: Any) -> AsyncIterator[Any]:
    """The real bot on ``kernel`` against ``fake`` (polling unless the kernel's config names a
    webhook), retrying alerts quickly; the dispatcher includes the plugins registered so far."""
    from vats.bots.telegram.service import TelegramBot

    kernel.config = msgspec.structs.replace(kernel.config, telegram_token=fake.token, telegram_api_url=fake.base_url)
    options = {"base_delay_s": 0.05, "max_delay_s": 0.5, "poll_s": 0.2, **delivery_options}
    bot = TelegramBot(kernel, **options)
    kernel.telegram = bot
    await bot.start()
    await asyncio.wait_for(bot.ready.wait(), 10)
    try:
        yield bot
    finally:
        await bot.stop()
        kernel.telegram = None


@pytest_asyncio.fixture
async def vats_telegram(vats_kernel: Kernel, fake_telegram: FakeTelegram) -> AsyncIterator[Any]:
    """The real bot on ``vats_kernel``, polling the fake Bot API (see ``running_bot``)."""
    async with running_bot(vats_kernel, fake_telegram) as bot:
        yield bot
