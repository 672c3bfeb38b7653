"""A real Asterisk 22 (Debian sid chroot, cached) for the session; each test gets a fresh
database, its own router on a free port, and the configuration re-rendered and reloaded.

Phones are dialplan contexts (``vats-test-phones``): each login answers after a second unless
the test says otherwise through AstDB (``phones.set("101", "busy")``). Callers are Local
channels originated into ``vats-in``; they press digits and hang up as the test says.
On CI (CI=true) a missing Asterisk fails these tests; elsewhere they skip when not root.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import pytest_asyncio
from vats.core.asterisk.ami import AmiClient
from vats.core.asterisk.render import RenderInput, Settings, render, write
from vats.core.asterisk.sandbox import Sandbox, SandboxError, cel_database, free_port, provision
from vats.core.asterisk.service import Telephony, ami_secret
from vats.core.asterisk.wire import Dialing
from vats.core.kernel import Kernel

TEST_PHONES = r"""
; Dialplan phones for tests: AstDB vats_phone/<login> = busy | noanswer | unavailable | ring:N
; | pjsip (ring the real SIP phone registered with that login; it may transfer by the keypad,
; as the "t" the router gives a phone it rings directly)
[vats-test-phones]
exten => _[+0-9a-z].,1,Set(B=${DB(vats_phone/${EXTEN})})
 same => n,GotoIf($["${B}" = "busy"]?busy)
 same => n,GotoIf($["${B}" = "noanswer"]?noanswer)
 same => n,GotoIf($["${B}" = "unavailable"]?unavailable)
 same => n,GotoIf($["${B}" = "pjsip"]?pjsip)
 same => n,Ringing()
 same => n,Wait(${IF($["${CUT(B,:,1)}" = "ring"]?${CUT(B,:,2)}:0.5)})
 same => n,Answer()
 same => n,MusicOnHold(vats-hold,${IF($["${VATS_TEST_TALK}" = ""]?2:${VATS_TEST_TALK})})  ; says something
 same => n,Hangup()
 same => n(busy),Busy(5)
 same => n(noanswer),Ringing()
 same => n,Wait(600)
 same => n(unavailable),Hangup(20)
 same => n(pjsip),Dial(PJSIP/${EXTEN},30,t)
 same => n,Hangup()

; The caller: waits PRE seconds, presses DIGITS (w = half a second), stays HOLD seconds.
[vats-test-caller]
exten => s,1,Wait(${IF($["${PRE}" = ""]?0.2:${PRE})})
 same => n,ExecIf($["${DIGITS}" != ""]?SendDTMF(${DIGITS}))
 same => n,Wait(${IF($["${HOLD}" = ""]?30:${HOLD})})
 same => n,Hangup()
"""


PHONE = "Local/{login}@vats-test-phones"  # how a SIP line is dialled in tests
SECRET_KEY = "vats-asterisk-tests-secret-key-0123456789"
AMI_SECRET = hmac.new(SECRET_KEY.encode(), b"vats-ami", hashlib.sha256).hexdigest()[:32]  # as ami_secret()


def _need_asterisk() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def asterisk_sandbox(tmp_path_factory: pytest.TempPathFactory, vats_postgres_url: str) -> Iterator[Sandbox]:
    if os.geteuid() != 0 and not _need_asterisk():
        pytest.skip("the Asterisk sandbox needs root")
    try:
        root = provision()
    except SandboxError as exc:
        if _need_asterisk():
            pytest.fail(f"CI needs a real Asterisk: {exc}")
        pytest.skip(str(exc))
    media_dir = tmp_path_factory.mktemp("vats-media")
    socket_dir = Path(cel_database(vats_postgres_url).hostname)
    shared = [media_dir] + ([socket_dir] if socket_dir.is_absolute() else [])
    sandbox = Sandbox(root, f"test-{os.getpid()}", shared=shared, ami_port=free_port(), ephemeral=True)
    sandbox.media_dir = media_dir  # type: ignore[attr-defined]
    sandbox.sip_port = free_port()  # type: ignore[attr-defined]
    sandbox.http_port = free_port()  # type: ignore[attr-defined]  # the webphone's WebSocket
    sandbox.prepare()
    settings = Settings(ami_secret=AMI_SECRET, ami_port=sandbox.ami_port, sip_port=sandbox.sip_port,  # type: ignore[attr-defined]
                        http_port=sandbox.http_port, media_dir=media_dir, name=sandbox.name,  # type: ignore[attr-defined]
                        extra_dialplan=TEST_PHONES)  # fmt: skip
    write(render(RenderInput(terminals=[], dids=[], trunks=[], tenants=[]), settings), sandbox.conf_dir)
    try:
        sandbox.start()
    except SandboxError as exc:
        pytest.fail(str(exc))
    yield sandbox
    sandbox.stop()


class Phones:
    """Tell the dialplan phones how to behave (AstDB through AMI)."""

    def __init__(self, ami: AmiClient) -> None:
        self.ami = ami

    async def set(self, login: str, behaviour: str) -> None:
        await self.ami.action({"Action": "DBPut", "Family": "vats_phone", "Key": login, "Val": behaviour})

    async def reset(self) -> None:
        await self.ami.action({"Action": "DBDelTree", "Family": "vats_phone"})


class Pbx:
    """A kernel wired to the sandbox: router, CEL records, AMI."""

    def __init__(self, kernel: Kernel, sandbox: Sandbox, telephony: Telephony, ami: AmiClient) -> None:
        self.kernel, self.sandbox, self.telephony, self.ami = kernel, sandbox, telephony, ami
        self.phones = Phones(ami)

    async def apply(self) -> None:
        """Render the current configuration and reload Asterisk now (vats also does it by itself
        shortly after each change; tests that do not test that wait for nothing)."""
        await self.telephony.apply()

    async def call(self, did: str, caller: str = "+79165551234", *, digits: str = "", pre: float = 0.2,
                   hold: float = 30, **variables: str) -> None:  # fmt: skip
        """Place a call into the DID (an outside caller) through a Local channel."""
        await self.ami.originate(
            f"Local/{did}@vats-in", context="vats-test-caller", exten="s", caller_id=f'"" <{caller}>',
            variables={"DIGITS": digits, "PRE": str(pre), "HOLD": str(hold), **variables},
        )  # fmt: skip

    async def records(self, count: int, timeout_s: float = 60.0) -> list[Any]:
        """Wait until ``count`` real call records exist; return them oldest first."""
        assert self.kernel.db is not None
        deadline = time.monotonic() + timeout_s
        rows: list[Any] = []
        while time.monotonic() < deadline:
            async with self.kernel.db.system() as conn:
                rows = await conn.fetch(
                    "SELECT record FROM call_records WHERE linkedid IS NOT NULL ORDER BY started_at"
                )
            if len(rows) >= count:
                return [r["record"] for r in rows]
            await asyncio.sleep(0.2)
        raise AssertionError(
            f"{len(rows)} of {count} call records after {timeout_s} s; Asterisk said: {self.sandbox.log_tail()}"
        )


@pytest_asyncio.fixture
async def pbx(vats_kernel: Kernel, asterisk_sandbox: Sandbox) -> AsyncIterator[Pbx]:
    """The kernel runs telephony exactly as ``vats serve`` does (router, CEL records, AMI, the
    configuration re-rendered into the sandbox's folder on every change and reloaded)."""
    media_dir = asterisk_sandbox.media_dir  # type: ignore[attr-defined]
    ami_url = f"ami://vats:{AMI_SECRET}@127.0.0.1:{asterisk_sandbox.ami_port}"
    vats_kernel.config = msgspec.structs.replace(
        vats_kernel.config, media_dir_setting=str(media_dir), secret_key=SECRET_KEY, ami_urls=(ami_url,),
        asterisk_conf_dir=str(asterisk_sandbox.conf_dir), agi_port=free_port(),
    )  # fmt: skip
    assert ami_secret(vats_kernel) == AMI_SECRET
    settings = {
        "name": asterisk_sandbox.name, "ami_port": asterisk_sandbox.ami_port,
        "sip_port": asterisk_sandbox.sip_port,  # type: ignore[attr-defined]
        "http_port": asterisk_sandbox.http_port,  # type: ignore[attr-defined]
        "extra_dialplan": TEST_PHONES, "sip_dial": PHONE,
        "cel": msgspec.to_builtins(cel_database(vats_kernel.owner_url)),
    }  # fmt: skip
    (asterisk_sandbox.conf_dir / "vats-sandbox.json").write_bytes(msgspec.json.encode(settings))
    telephony = Telephony(vats_kernel, dialing=Dialing(sip=PHONE, tel="Local/{number}@vats-test-phones"))
    await telephony.start()
    assert telephony.ami, "the sandbox's AMI refused vats"
    vats_kernel.telephony = telephony  # as `vats serve` does: the API's click-to-call uses it
    pbx = Pbx(vats_kernel, asterisk_sandbox, telephony, telephony.ami[0])
    await pbx.phones.reset()
    try:
        yield pbx
    finally:
        await asyncio.to_thread(asterisk_sandbox.cli, "channel request hangup all")
        await telephony.stop()


def new_id() -> str:
    return uuid.uuid4().hex[:8]
