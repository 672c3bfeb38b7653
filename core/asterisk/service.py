"""Telephony inside ``vats serve``: the FastAGI router, call records from CEL, the AMI
connections (live state, reloads, click-to-call), and the rendered configuration kept current.
While it runs, its live state answers the ``ring_state`` hook (who is on a call now).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import uuid
from collections.abc import Awaitable
from functools import partial
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.asterisk.agi import AgiRouter
from vats.core.asterisk.ami import AmiClient
from vats.core.asterisk.cel import CelRecords
from vats.core.asterisk.line_events import LineEvents
from vats.core.asterisk.render import CelDatabase, Settings, collect, render, write
from vats.core.asterisk.wire import Dialing
from vats.core.conferences.live import ConferenceEvents
from vats.core.engine.context import RingState
from vats.core.engine.simulator import in_simulation
from vats.core.media.standard import STANDARD, standard_path
from vats.core.protocols import KernelAPI
from vats.core.stopping import stop_if_asked

log = logging.getLogger(__name__)


def ami_secret(kernel: KernelAPI) -> str:
    """The AMI user's secret, derived from the secret key (stable across renders and processes)."""
    return hmac.new(kernel.secret_key().encode(), b"vats-ami", hashlib.sha256).hexdigest()[:32]


def install_standard_media(media_dir: Path) -> None:
    """Asterisk plays the standard sounds from the shared media folder."""
    folder = media_dir / "standard"
    folder.mkdir(parents=True, exist_ok=True)
    for name in STANDARD:
        target = folder / f"{name}.wav"
        source = standard_path(name)
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            target.write_bytes(source.read_bytes())


async def render_config(kernel: KernelAPI, out: Path, **overrides: Any) -> list[Path]:
    """Render every tenant's configuration into ``out``; the files that changed."""
    media_dir: Path = kernel.config.media_dir
    install_standard_media(media_dir)
    async with kernel.db.system() as conn:
        data, moh = await collect(conn, media_dir)
    from vats.core.asterisk.sandbox import cel_database

    settings = Settings(
        **{
            "agi_url": f"agi://{kernel.config.agi_host}:{kernel.config.agi_port}",
            "cel": cel_database(kernel.owner_url, password=kernel.config.cel_password),
            "ami_secret": ami_secret(kernel),
            "media_dir": media_dir,
            "moh_classes": moh,
            "sip_dial": kernel.config.sip_dial,
            **overrides,
        }
    )
    return write(render(data, settings), out)


RENDERED_TABLES = frozenset({
    "tenants", "employees", "terminals", "numbers", "media", "media_files", "sip_trunks", "groups", "group_members",
    "extensions", "conference_rooms", "",
})  # fmt: skip
DEBOUNCE_S = 0.3


def _sandbox_settings(folder: Path) -> dict[str, Any]:
    """Settings a sandbox wrote beside its configuration (ports, name, CEL), kept on re-render."""
    path = folder / "vats-sandbox.json"
    if not path.exists():
        return {}
    import msgspec

    found: dict[str, Any] = msgspec.json.decode(path.read_bytes())
    if "cel" in found:
        found["cel"] = msgspec.convert(found["cel"], CelDatabase)
    return found


LIVE_PLUGIN = "vats.telephony"  # the ring-state answer's name on the kernel's plugin host
CHANNELS_TIMEOUT_S = 1.0  # a routing step waits at most this for a multichannel line's count


class LiveRingState:
    """Telephony's answer to ``ring_state``: who is on a call now, from the device states every
    AMI connection reports (a SIP line in use, busy, on hold or ringing while in use)."""

    vats_tenant_switchable = False  # the kernel's own: a PBX cannot switch it off

    def __init__(self, kernel: KernelAPI, clients: list[AmiClient]) -> None:
        self.kernel = kernel
        self.clients = clients

    @hookimpl
    def ring_state(self, tenant_id: uuid.UUID) -> Awaitable[RingState | None] | None:
        if in_simulation():  # a simulated call's script says who is busy, not the real phones
            return None
        logins: set[str] = set()
        for client in self.clients:
            logins |= client.live.busy_logins()
        if not logins:  # the usual case: nobody on a call, nothing to ask the snapshot
            return None
        return self._busy(tenant_id, logins)

    async def _busy(self, tenant_id: uuid.UUID, logins: set[str]) -> RingState | None:
        snapshot = await self.kernel.snapshots.get(tenant_id)
        busy = set()
        for login in logins:
            owner = snapshot.owner_of_login(login)
            if owner is None:
                continue
            channels = next((t.channels for t in snapshot.employees[owner].terminals if t.sip_login == login), 1)
            # a multichannel line is busy only when all its channels are taken
            if channels <= 1 or await self._channels_in_use(login) >= channels:
                busy.add(owner)
        return RingState(busy=busy) if busy else None

    async def _channels_in_use(self, login: str) -> int:
        """The calls on a SIP line now (its channels, ringing or talking), as Asterisk counts them;
        asked only for a multichannel line that is in use. Unknown: as if every channel were taken."""
        for client in self.clients:
            try:
                reply = await client.action(
                    {"Action": "Getvar", "Variable": f"CHANNELS(^PJSIP/{login}-)"}, timeout_s=CHANNELS_TIMEOUT_S
                )
                return len(str(reply.get("Value") or "").split())
            except Exception:
                log.warning("could not count the calls on line %s", login, exc_info=True)
        return 1_000


class Telephony:
    def __init__(self, kernel: KernelAPI, *, dialing: Dialing | None = None) -> None:
        self.kernel = kernel
        self.router = AgiRouter(kernel, dialing=dialing or Dialing(sip=kernel.config.sip_dial))
        self.records = CelRecords(kernel)
        self.ami: list[AmiClient] = []
        self.live = LiveRingState(kernel, self.ami)  # least busy and skipping the busy read it
        self.lines = LineEvents(kernel)  # SIP lines' status to open cabinet pages
        self.conferences = ConferenceEvents(kernel)  # who is in a conference room now
        self.agi_port = 0
        self.renders = 0
        self._watch: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self, *, agi_port: int | None = None) -> None:
        install_standard_media(self.kernel.config.media_dir)
        port = self.kernel.config.agi_port if agi_port is None else agi_port
        self.agi_port = await self.router.start(self.kernel.config.agi_host, port)
        await self.records.start()
        if self.kernel.plugins.pm.get_plugin(LIVE_PLUGIN) is None:
            self.kernel.plugins.register(self.live, name=LIVE_PLUGIN)
        for url in self.kernel.config.ami_urls:
            client = AmiClient(url)
            # after the client's own live state, so the announced status is the one routing reads
            client.listen(partial(self.lines.on_event, client.live))
            client.listen(self.conferences.listener(client))
            try:
                await client.connect()
                self.ami.append(client)
            except Exception as exc:  # vats still routes calls without AMI; say why once
                log.error("%s", exc)
        if self.kernel.config.asterisk_conf_dir:
            await self.apply()
            self.kernel.snapshots.change_listeners.append(self._on_change)
            self._watch = asyncio.create_task(self._keep_rendered(), name="vats-asterisk-render")

    def _on_change(self, table: str) -> None:
        if table in RENDERED_TABLES:
            self._changed.set()

    async def _keep_rendered(self) -> None:
        """Re-render after configuration changes (debounced) and reload Asterisk when a file changed."""
        while True:
            stop_if_asked()
            await self._changed.wait()
            await asyncio.sleep(DEBOUNCE_S)
            self._changed.clear()
            try:
                await self.apply()
            except Exception:
                log.exception("re-rendering Asterisk's configuration failed; retrying on the next change")

    async def apply(self) -> None:
        """Render into VATS_ASTERISK_CONF_DIR; reload every Asterisk if anything changed."""
        if not self.kernel.config.asterisk_conf_dir:
            return  # nothing to render into: the sandbox or the operator's own configuration
        folder = Path(self.kernel.config.asterisk_conf_dir)
        changed = await render_config(self.kernel, folder, **_sandbox_settings(folder))
        self.renders += 1
        if changed:
            log.info("Asterisk configuration changed (%s); reloading", ", ".join(p.name for p in changed))
            await self.reload()

    async def reload(self) -> None:
        for client in self.ami:
            with contextlib.suppress(Exception):
                await client.reload()

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        await self.router.stop()
        await self.records.stop()
        if self.kernel.plugins.pm.get_plugin(LIVE_PLUGIN) is self.live:
            self.kernel.plugins.unregister(LIVE_PLUGIN)
        for client in self.ami:
            client.close()
        self.ami.clear()  # the same list the ring-state answer reads
        await self.lines.drain()
        await self.conferences.stop()
