"""Recordings and voicemail are kept for a period per tenant (its ``retention_days``, else the
operator's ``VATS_RETENTION_DAYS``); after it, a background job removes the files and their
links: the call record's ``recordings``/``voicemail`` in the kernel, and whatever plugins link
(``recordings_removed``, e.g. the CRM's history flags and voicemail tasks).

Links go first, in the tenant's transaction; files after it commits. A crash in between leaves
a file nothing points to, never a link to a missing file. Rows are claimed with ``FOR UPDATE
SKIP LOCKED``, so several vats processes may run the job at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

from vats.core.conferences import recordings as room_recordings
from vats.core.protocols import KernelAPI
from vats.core.stopping import idle

log = logging.getLogger(__name__)
EVERY_S = 3600.0  # recordings expire by days: hourly is prompt enough
BATCH = 500  # calls per transaction

_EXPIRED = """
SELECT id, record->'recordings' AS recordings, record->>'voicemail' AS voicemail FROM call_records
WHERE tenant_id = $1 AND started_at < $2
  AND (jsonb_array_length(coalesce(record->'recordings', '[]')) > 0 OR record->>'voicemail' IS NOT NULL)
ORDER BY started_at LIMIT $3 FOR UPDATE SKIP LOCKED
"""


async def remove_expired(kernel: KernelAPI, now: dt.datetime | None = None) -> int:
    """Remove every expired recording and voicemail now; how many calls lost theirs."""
    now = now or dt.datetime.now(dt.UTC)
    async with kernel.db.system() as conn:
        tenants = await conn.fetch("SELECT id, (settings->>'retention_days')::int AS days FROM tenants")
    done = 0
    for tenant in tenants:
        cutoff = now - dt.timedelta(days=tenant["days"] or kernel.config.retention_days)
        while True:
            async with kernel.db.tenant(tenant["id"]) as conn:
                rows = await conn.fetch(_EXPIRED, tenant["id"], cutoff, BATCH)
                if not rows:
                    break
                ids = [r["id"] for r in rows]
                files = [str(f) for r in rows for f in _list(r["recordings"])]
                files += [r["voicemail"] for r in rows if r["voicemail"]]
                await conn.execute(
                    "UPDATE call_records SET record = record || '{\"recordings\": [], \"voicemail\": null}'::jsonb"
                    " WHERE tenant_id = $1 AND id = ANY($2)",
                    tenant["id"], ids,
                )  # fmt: skip
                await kernel.plugins.emit(
                    "recordings_removed", tenant_id=tenant["id"], conn=conn, call_ids=ids, files=files
                )
            await asyncio.to_thread(_delete, kernel.config.media_dir, files)
            done += len(ids)
        # conference rooms' recordings are files only, kept as long (core/conferences/recordings.py)
        await asyncio.to_thread(room_recordings.remove_expired, kernel.config.media_dir, tenant["id"], cutoff)
    if done:
        log.info("retention: removed the recordings and voicemail of %d calls", done)
    return done


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _delete(media_dir: Path, files: list[str]) -> None:
    for name in files:
        path = Path(name)
        if path.is_relative_to(media_dir):  # only files vats asked Asterisk to write
            path.unlink(missing_ok=True)


async def retention_worker(kernel: KernelAPI) -> None:
    """The background job: remove what expired, then again every hour."""
    while True:
        await remove_expired(kernel)
        await idle(EVERY_S)
