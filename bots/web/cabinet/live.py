"""Live updates for open cabinet pages: server-sent events woken by PostgreSQL notifications.

Whatever changes what an open page shows says so on channel ``vats_live`` with a JSON payload
``{"tenant": id, "kind": str, "to": [employee ids] | null, "data": {...}}`` (the kernel's
trigger on employees' availability, core/db/migrations/0016_live_events.sql; the CRM's on new
and reassigned tasks). Each process holds one LISTEN connection, only while a page is open, and
hands each notification to the open pages of that tenant, and when ``to`` names employees, to
theirs only: a tenant never sees another's events, nor an employee a colleague's tasks.

``GET /cabinet/events`` is the stream (the cookie session). A browser opens it once for all its
cabinet tabs (static/live-worker.js, a shared worker: browsers allow six connections to a host,
and a stream per tab held them all) and each tab's shell (static/live.js) gets its events. Events:

* ``availability``: ``{"employee_id", "mode"}`` (JSON), anyone's in my tenant;
* ``my-availability``: my own (JSON), so the shell's switch follows a change made elsewhere
  (the API, the Telegram bot, another tab);
* ``task``: a toast (HTML) about a task given to me or my group;
* ``line``: a SIP line of my tenant registered or gone, in use, ringing (JSON:
  core/asterisk/line_events.py);
* ``resync``: notifications may have been lost (the LISTEN connection dropped): a page that
  shows live state may read it again;
* any other kind (a plugin's): an unnamed message ``{"kind", "data"}``.

A stream ends when its session does (checked at every keep-alive), so signing out or a
suspension stops it within ``KEEPALIVE_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage
from markupsafe import escape
from vats.bots.web.cabinet.pages import language
from vats.bots.web.deps import caller
from vats.bots.web.kit import kernel_of
from vats.core.db.listen import Listener

log = logging.getLogger(__name__)

CHANNEL: Final = "vats_live"
KEEPALIVE_S: Final = 20.0
QUEUE_SIZE: Final = 200  # events waiting for one slow page; beyond it the page is told to resync
RETRY_MS: Final = 2000  # how soon a browser reconnects a dropped stream

TEXTS: Final = {
    "ru": {
        "new_task": "Новая задача", "reassigned_task": "Вам передана задача", "open_tasks": "Открыть задачи",
        "close": "Закрыть",
    },
    "en": {
        "new_task": "New task", "reassigned_task": "A task was handed to you", "open_tasks": "Open tasks",
        "close": "Close",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Event:
    kind: str
    data: dict[str, Any]


@dataclass(eq=False)
class Subscriber:
    """One open page: its tenant and employee, and the events waiting for it."""

    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # a page that reads nothing: drop its backlog, tell it to read again
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(Event("resync", {}))


class LiveHub:
    """The process's open pages by tenant, and the LISTEN connection that feeds them (held only
    while at least one page is open)."""

    def __init__(self, listen_url: str) -> None:
        self.listen_url = listen_url
        self._pages: dict[uuid.UUID, set[Subscriber]] = {}
        self._listener: Listener | None = None
        self._heard_before = False  # the first "gap" is the connection's start, not a loss
        self._lock = asyncio.Lock()

    @property
    def open_pages(self) -> int:
        return sum(len(s) for s in self._pages.values())

    async def subscribe(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> Subscriber:
        page = Subscriber(tenant_id, employee_id)
        async with self._lock:
            self._pages.setdefault(tenant_id, set()).add(page)
            if self._listener is None:
                self._heard_before = False
                listener = Listener(self.listen_url, CHANNEL, self._on_notify, self._on_gap)
                try:
                    await listener.start()
                except BaseException:
                    await listener.stop()
                    self._drop(page)
                    raise
                self._listener = listener
        return page

    async def unsubscribe(self, page: Subscriber) -> None:
        async with self._lock:
            self._drop(page)
            if not self._pages and self._listener is not None:
                listener, self._listener = self._listener, None
                await listener.stop()

    def _drop(self, page: Subscriber) -> None:
        pages = self._pages.get(page.tenant_id)
        if pages is not None:
            pages.discard(page)
            if not pages:
                del self._pages[page.tenant_id]

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            message = json.loads(str(payload))
            tenant_id = uuid.UUID(str(message["tenant"]))
            kind = str(message["kind"])
            to = None if message.get("to") is None else {uuid.UUID(str(e)) for e in message["to"]}
            data = message.get("data") or {}
            if not isinstance(data, dict):
                raise TypeError("data is not an object")
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed %s notification: %.200r", CHANNEL, payload)
            return
        event = Event(kind, data)
        for page in self._pages.get(tenant_id, ()):
            if to is None or page.employee_id in to:
                page.offer(event)

    def _on_gap(self) -> None:
        if self._heard_before:
            for pages in self._pages.values():
                for page in pages:
                    page.offer(Event("resync", {}))
        self._heard_before = True


def hub_of(request: Request[Any, Any, Any]) -> LiveHub:
    """The app's hub, made on first use (one per app, i.e. per process)."""
    state = request.app.state
    hub: LiveHub | None = state.get("live_hub")
    if hub is None:
        hub = LiveHub(kernel_of(request).owner_url)
        state["live_hub"] = hub
    return hub


def messages_for(event: Event, employee_id: uuid.UUID, lang: str) -> list[ServerSentEventMessage]:
    """What one page is sent for an event."""
    if event.kind == "availability":
        data = json.dumps({"employee_id": event.data.get("employee_id"), "mode": event.data.get("mode")})
        out = [ServerSentEventMessage(event="availability", data=data)]
        if str(event.data.get("employee_id")) == str(employee_id):
            out.append(ServerSentEventMessage(event="my-availability", data=data))
        return out
    if event.kind == "task":
        t = TEXTS.get(lang, TEXTS["ru"])
        heading = t["reassigned_task"] if event.data.get("reassigned") else t["new_task"]
        html = (
            f'<p class="live-task" role="status" data-task="{escape(str(event.data.get("task_id", "")))}">'
            f"<strong>{escape(heading)}:</strong> {escape(str(event.data.get('title', '')))}"
            f' <a href="/cabinet/tasks">{escape(t["open_tasks"])}</a>'
            f' <button type="button" class="live-close" aria-label="{escape(t["close"])}"'
            ' onclick="this.parentElement.remove()">×</button></p>'
        )
        return [ServerSentEventMessage(event="task", data=html)]
    if event.kind == "resync":
        return [ServerSentEventMessage(event="resync", data="{}")]
    if event.kind == "line":
        return [ServerSentEventMessage(event="line", data=json.dumps(event.data))]
    # Any other kind (a plugin's): an unnamed message that carries its kind, so the one stream
    # all tabs share (static/live-worker.js) relays kinds the shell has never heard of.
    return [ServerSentEventMessage(data=json.dumps({"kind": event.kind, "data": event.data}))]


class LiveController(Controller):
    path = "/cabinet/events"
    include_in_schema = False

    @get("/")
    async def events(self, request: Request[Any, Any, Any]) -> ServerSentEvent:
        me = caller(request)
        kernel = kernel_of(request)
        hub = hub_of(request)
        lang = language(request)

        async def stream() -> AsyncIterator[ServerSentEventMessage]:
            page = await hub.subscribe(me.tenant_id, me.employee_id)
            try:
                yield ServerSentEventMessage(event="hello", data="{}", retry=RETRY_MS)
                while True:
                    try:
                        event = await asyncio.wait_for(page.queue.get(), KEEPALIVE_S)
                    except TimeoutError:
                        if await kernel.accounts.principal(me.tenant_id, me.session_id) is None:
                            return  # signed out, suspended or deleted: the stream ends with the session
                        yield ServerSentEventMessage(comment="keep-alive", data=None)
                        continue
                    for message in messages_for(event, me.employee_id, lang):
                        yield message
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(hub.unsubscribe(page))

        # X-Accel-Buffering: a proxy (nginx) in front passes each event on at once.
        return ServerSentEvent(stream(), headers={"X-Accel-Buffering": "no"})
