"""Asterisk writes its event log as ``vats_cel``: it may add rows there and do nothing else."""

from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from vats.core.kernel import Kernel


def _as_cel(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, f"vats_cel@{host}", parts.path, parts.query, ""))


async def test_the_cel_role_inserts_events_and_reads_nothing(vats_kernel: Kernel) -> None:
    conn = await asyncpg.connect(_as_cel(vats_kernel.owner_url))
    try:
        await conn.execute(
            "INSERT INTO cel (eventtype, eventtime, linkedid, uniqueid) VALUES ('LINKEDID_END', now(), 'x1', 'x1')"
        )
        for table in ("cel", "employees", "terminals", "call_records", "cel_pending"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch(f"SELECT * FROM {table}")
    finally:
        await conn.close()
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as own:  # the trigger queued the finished call for vats
        assert await own.fetchval("SELECT linkedid FROM cel_pending") == "x1"
