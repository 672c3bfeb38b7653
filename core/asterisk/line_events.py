"""SIP lines' status for open cabinet pages: when Asterisk reports a line registered or gone
(``ContactStatus``) or its device state changed (``DeviceStateChange``: in use, ringing, ...),
the line's tenant is told on channel ``vats_live`` (the cabinet's live updates,
bots/web/cabinet/live.py), as the event ``line``:
``{"sip_login", "terminal_id", "employee_id", "registered", "state"}``.

Fed by every AMI connection after its ``LiveState`` has taken the event in, so the figures sent
are the ones routing reads; only a change is sent (Asterisk repeats states)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from vats.core.asterisk.ami import LiveState
from vats.core.protocols import KernelAPI

log = logging.getLogger(__name__)

CHANNEL = "vats_live"


class LineEvents:
    def __init__(self, kernel: KernelAPI) -> None:
        self.kernel = kernel
        self._last: dict[str, tuple[bool | None, str | None]] = {}
        self._sending: set[asyncio.Task[None]] = set()

    def on_event(self, live: LiveState, event: Any) -> None:
        """An AMI event (after ``live`` has taken it in); must not raise (the AMI listener rule)."""
        name = event.get("Event")
        if name == "ContactStatus":
            login = str(event.get("AOR", ""))
        elif name == "DeviceStateChange" and str(event.get("Device", "")).startswith("PJSIP/"):
            login = str(event["Device"])[6:]
        else:
            return
        now = (live.registered.get(login), live.device.get(login))
        if not login or self._last.get(login) == now:
            return
        self._last[login] = now
        task = asyncio.ensure_future(self._publish(login, *now))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, login: str, registered: bool | None, state: str | None) -> None:
        try:
            async with self.kernel.db.system() as conn:
                line = await conn.fetchrow(
                    "SELECT tenant_id, employee_id, id FROM terminals WHERE sip_login = $1", login
                )
                if line is None:
                    return  # not one of ours (a trunk, a test phone)
                payload = {
                    "tenant": str(line["tenant_id"]), "kind": "line", "to": None,
                    "data": {"sip_login": login, "terminal_id": str(line["id"]),
                             "employee_id": str(line["employee_id"]), "registered": registered, "state": state},
                }  # fmt: skip
                await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, json.dumps(payload))
        except Exception:  # a page misses a status; calls never notice
            log.warning("could not announce the status of SIP line %s", login, exc_info=True)

    async def drain(self) -> None:
        """Wait for the announcements under way (tests, shutdown)."""
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
