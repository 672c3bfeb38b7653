"""The Asterisk Manager Interface client: panoramisk, wrapped so that every action has a
timeout, the connection comes back with exponential backoff, bad credentials are a clear
error, and no event callback can drop the connection (panoramisk runs callbacks inside its
protocol: one that raises kills the connection).

Used for: reloading the configuration after a change, click-to-call (Originate), and live
state (which SIP lines are registered, which are on a call). Call records do *not* depend on
this connection: they are built from Asterisk's own CEL in PostgreSQL (see ``cel.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from panoramisk import Manager

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 5.0
MAX_BACKOFF_S = 30


class AmiError(RuntimeError):
    pass


class AmiUrl:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("ami", "tcp") or not parts.hostname or not parts.username:
            raise ValueError("VATS_AMI_URL must look like ami://user:secret@host:5038")
        self.host = parts.hostname
        self.port = parts.port or 5038
        self.username = unquote(parts.username)
        self.secret = unquote(parts.password or "")

    def __repr__(self) -> str:  # never the secret
        return f"ami://{self.username}:***@{self.host}:{self.port}"


class LiveState:
    """SIP lines registered and busy, by login, from ContactStatus and DeviceStateChange events."""

    def __init__(self) -> None:
        self.registered: dict[str, bool] = {}
        self.device: dict[str, str] = {}  # login -> NOT_INUSE, INUSE, RINGING, UNAVAILABLE, ...

    def busy_logins(self) -> set[str]:
        return {login for login, state in self.device.items() if state in ("INUSE", "BUSY", "ONHOLD", "RINGINUSE")}

    def on_event(self, event: Any) -> None:
        name = event.get("Event")
        if name == "DeviceStateChange" and str(event.get("Device", "")).startswith("PJSIP/"):
            self.device[event["Device"][6:]] = str(event.get("State", ""))
        elif name == "ContactStatus":
            aor = str(event.get("AOR", ""))
            status = str(event.get("ContactStatus", ""))
            if status in ("Created", "Reachable", "Updated"):
                self.registered[aor] = True
            elif status in ("Removed", "Unreachable"):
                self.registered[aor] = False


# The events vats reads; Asterisk sends every other one too unless filtered (thousands per
# second under load, which backs up Asterisk's manager queue and our parser alike).
LIVE_EVENTS = (
    "DeviceStateChange", "ContactStatus", "FullyBooted",
    "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeEnd",  # who is in a conference room (vats.core.conferences.live)
)  # fmt: skip


class AmiClient:
    def __init__(self, url: str, *, events: tuple[str, ...] = LIVE_EVENTS) -> None:
        self.url = AmiUrl(url)
        self.events = events
        self.live = LiveState()
        self.manager: Manager | None = None
        self.reconnects = 0
        self._listeners: list[Callable[[Any], None]] = [self.live.on_event]
        self._logged_in = asyncio.Event()
        self._resync_task: asyncio.Future[None] | None = None

    def listen(self, callback: Callable[[Any], None]) -> None:
        self._listeners.append(callback)

    async def connect(self, timeout_s: float = 10.0) -> None:
        """Connect and log in; AmiError when refused (bad credentials) or unreachable."""
        loop = asyncio.get_running_loop()
        self.manager = Manager(
            loop=loop, host=self.url.host, port=self.url.port, username=self.url.username,
            secret=self.url.secret, ping_delay=5, ping_interval=5, reconnect_timeout=1,
            events="on" if self.events else "off",
            on_login=self._on_login, on_disconnect=self._on_disconnect,
        )  # fmt: skip
        self.manager.register_event("*", self._dispatch)
        try:
            await asyncio.wait_for(self.manager.connect(), timeout_s)
            auth = self.manager.authenticated_future
            if auth is not None:
                await asyncio.wait_for(asyncio.shield(auth), timeout_s)
        except (TimeoutError, OSError) as exc:
            self.close()
            raise AmiError(f"cannot reach Asterisk's AMI at {self.url!r}: {exc or 'timeout'}") from exc
        if not self.manager.authenticated:
            self.close()
            raise AmiError(f"Asterisk refused the AMI login of {self.url.username!r} (check VATS_AMI_URL)")

    def _on_login(self, manager: Manager) -> None:
        manager.reconnect_timeout = 1
        self._logged_in.set()
        self._resync_task = asyncio.ensure_future(self._resync())

    def _on_disconnect(self, manager: Manager, exc: Exception | None) -> None:
        self.reconnects += 1
        self._logged_in.clear()
        manager.reconnect_timeout = min(MAX_BACKOFF_S, max(1, manager.reconnect_timeout * 2))
        log.warning("AMI connection to %r lost; reconnecting in %s s", self.url, manager.reconnect_timeout)

    async def _resync(self) -> None:
        """After (re)connecting: subscribe to the events we read only, then ask for the whole
        live state (it may have changed unseen)."""
        try:
            for name in self.events:
                await self.action({"Action": "Filter", "Operation": "Add", "Filter": f"Event: {name}"})
        except Exception:
            log.warning("AMI event filter failed; reading every event", exc_info=True)
        try:
            for event in await self.action({"Action": "DeviceStateList"}, as_list=True):
                self.live.on_event(event)
        except Exception:  # resync is best effort; events keep it fresh afterwards
            log.warning("AMI device state resync failed", exc_info=True)

    def _dispatch(self, manager: Manager, event: Any) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # never let a listener drop the connection
                log.exception("AMI event listener failed on %s", event.get("Event"))

    async def wait_logged_in(self, timeout_s: float) -> None:
        await asyncio.wait_for(self._logged_in.wait(), timeout_s)

    async def action(
        self, action: dict[str, Any], *, as_list: bool | None = None, timeout_s: float = ACTION_TIMEOUT_S
    ) -> Any:
        if self.manager is None:
            raise AmiError("not connected")
        try:
            return await asyncio.wait_for(self.manager.send_action(action, as_list=as_list), timeout_s)
        except TimeoutError as exc:
            raise AmiError(f"AMI action {action.get('Action')} timed out after {timeout_s} s") from exc

    async def command(self, text: str) -> str:
        reply = await self.action({"Action": "Command", "Command": text})
        output = reply.get("Output", "") if hasattr(reply, "get") else ""
        return "\n".join(output) if isinstance(output, list) else str(output)

    async def reload(self) -> None:
        """Apply a rendered configuration without a restart."""
        for module in ("res_pjsip.so", "pbx_config.so", "res_musiconhold.so", "cel_pgsql.so"):
            await self.command(f"module reload {module}")

    async def originate(
        self,
        channel: str,
        *,
        context: str,
        exten: str,
        caller_id: str,
        variables: dict[str, str] | None = None,
        timeout_s: int = 30,
    ) -> Any:
        action: dict[str, Any] = {
            "Action": "Originate", "Channel": channel, "Context": context, "Exten": exten, "Priority": 1,
            "CallerID": caller_id, "Timeout": timeout_s * 1000, "Async": "true",
        }  # fmt: skip
        if variables:
            action["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        reply = await self.action(action, as_list=False)  # the queued answer, not the call's outcome
        first = reply[0] if isinstance(reply, list) else reply  # with Async, panoramisk may also collect the event
        if first.get("Response") != "Success":
            raise AmiError(f"Originate refused: {first.get('Message', first)}")
        return first

    def close(self) -> None:
        if self.manager is not None:
            self.manager.connection_lost = lambda exc: None  # ours to close: no reconnect
            self.manager.close()
            self.manager = None
