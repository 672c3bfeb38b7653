"""The AMI client: clear failure on bad credentials, no listener can drop the connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from vats.core.asterisk.ami import AmiClient, AmiError
from vats.core.asterisk.sandbox import Sandbox

from tests.asterisk.conftest import AMI_SECRET


async def test_bad_credentials_are_a_clear_error(asterisk_sandbox: Sandbox) -> None:
    client = AmiClient(f"ami://vats:wrong-secret@127.0.0.1:{asterisk_sandbox.ami_port}")
    with pytest.raises(AmiError, match="refused the AMI login of 'vats'") as caught:
        await client.connect()
    assert "wrong-secret" not in str(caught.value)


async def test_unreachable_asterisk_is_a_clear_error() -> None:
    from vats.core.asterisk.sandbox import free_port

    client = AmiClient(f"ami://vats:x@127.0.0.1:{free_port()}")
    with pytest.raises(AmiError, match="cannot reach"):
        await client.connect(timeout_s=3)


async def test_a_failing_listener_does_not_drop_the_connection(asterisk_sandbox: Sandbox) -> None:
    client = AmiClient(f"ami://vats:{AMI_SECRET}@127.0.0.1:{asterisk_sandbox.ami_port}", events=("UserEvent",))
    await client.connect()
    seen: list[str] = []

    def broken(event: object) -> None:
        raise RuntimeError("a plugin's bug")

    client.listen(broken)
    def probes(event: Any) -> None:  # only ours: FullyBooted may come before the event filter applies
        if event.get("UserEvent"):
            seen.append(event["UserEvent"])

    client.listen(probes)
    try:
        await asyncio.sleep(0.5)  # the event filter is set after log-in
        for i in range(3):
            await client.action({"Action": "UserEvent", "UserEvent": f"probe{i}"})
        for _ in range(50):
            if len(seen) >= 3:
                break
            await asyncio.sleep(0.1)
        assert seen[:3] == ["probe0", "probe1", "probe2"]
        assert client.reconnects == 0
        reply = await client.action({"Action": "Ping"})
        assert reply.get("Response") == "Success"
    finally:
        client.close()
