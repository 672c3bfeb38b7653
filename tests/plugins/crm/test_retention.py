"""Recordings and voicemail are removed after the PBX's retention period (else the operator's
default): the files, the call record's links, the history's flags and a voicemail task's file."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import msgspec
from vats.core import hookimpl
from vats.core.calls.intents import TaskIntent
from vats.core.calls.records import CallRecord, Participant
from vats.core.calls.retention import remove_expired
from vats.core.directory.models import TenantSettings

from tests.engine.conftest import NUMBER, Company
from tests.plugins.crm.conftest import settings, store

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


async def _call_with_files(c: Company, days_ago: int, name: str) -> tuple[CallRecord, Path, Path]:
    folder = c.kernel.config.media_dir / str(c.tenant_id)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    recording, voicemail = folder / f"{name}-rec.wav", folder / f"{name}-vm.wav"
    for path in (recording, voicemail):
        await asyncio.to_thread(path.write_bytes, b"RIFF" + bytes(2000))
    at = NOW - dt.timedelta(days=days_ago)
    anna = c.people["201"]
    record = CallRecord(
        tenant_id=c.tenant_id, number=NUMBER, caller="+79031234567", started_at=at,
        answered_at=at + dt.timedelta(seconds=3), ended_at=at + dt.timedelta(seconds=60), answered_by="sip/x201",
        participants=[Participant(address="sip/x201", employee_id=anna, outcome="answered")],
        recordings=[str(recording)], voicemail=str(voicemail),
        intents=[TaskIntent(kind="voicemail", assignee_kind="employee", assignee_id=anna)],
    )  # fmt: skip
    return await store(c.kernel, record), recording, voicemail


async def _links(c: Company, call_id: uuid.UUID) -> tuple[list[str], str | None, bool, bool, str | None]:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        record = await conn.fetchval("SELECT record FROM call_records WHERE id = $1", call_id)
        flags = await conn.fetchrow("SELECT has_recording, has_voicemail FROM crm_calls WHERE id = $1", call_id)
        task_file = await conn.fetchval(
            "SELECT voicemail FROM crm_tasks WHERE tenant_id = $1 AND kind = 'voicemail' AND number = $2"
            " ORDER BY created_at DESC LIMIT 1", c.tenant_id, "+79031234567",
        )  # fmt: skip
    return record.get("recordings", []), record.get("voicemail"), flags[0], flags[1], task_file


async def test_recordings_older_than_the_pbx_s_period_are_removed_with_their_links(company: Company) -> None:
    c = company
    await settings(c, retention_days=30)
    old, old_rec, old_vm = await _call_with_files(c, 40, "old")
    assert (await _links(c, old.id))[2:4] == (True, True)
    assert await remove_expired(c.kernel, NOW) == 1
    assert not old_rec.exists() and not old_vm.exists()
    assert await _links(c, old.id) == ([], None, False, False, None)
    fresh, fresh_rec, fresh_vm = await _call_with_files(c, 10, "fresh")
    assert await remove_expired(c.kernel, NOW) == 0  # within the period: kept
    assert fresh_rec.exists() and fresh_vm.exists()
    recordings, voicemail, has_recording, has_voicemail, task_file = await _links(c, fresh.id)
    assert recordings == [str(fresh_rec)] and voicemail == str(fresh_vm) and has_recording and has_voicemail
    assert task_file == str(fresh_vm)


async def test_without_a_pbx_period_the_operator_s_default_holds(company: Company) -> None:
    c = company
    _, rec, _ = await _call_with_files(c, 40, "default")
    assert await remove_expired(c.kernel, NOW) == 0  # the operator's default is a year
    assert rec.exists()
    c.kernel.config = msgspec.structs.replace(c.kernel.config, retention_days=30)
    assert await remove_expired(c.kernel, NOW) == 1
    assert not rec.exists()


def test_the_period_is_refused_outside_one_day_to_ten_years() -> None:
    for bad in (0, -1, 3651):
        try:
            msgspec.convert({"retention_days": bad}, TenantSettings)
        except msgspec.ValidationError as exc:
            assert "retention_days" in str(exc)
        else:
            raise AssertionError(f"{bad} days was accepted")


async def test_hook_recordings_removed(company: Company, vats_register_plugin: Any) -> None:
    """A plugin hears which calls lost which files, in the transaction that unlinks them."""
    heard: list[tuple[list[uuid.UUID], list[str]]] = []

    class Archive:
        @hookimpl
        def recordings_removed(self, call_ids: list[uuid.UUID], files: list[str]) -> None:
            heard.append((call_ids, files))

    vats_register_plugin(Archive(), name="archive-test")
    await settings(company, retention_days=30)
    old, rec, vm = await _call_with_files(company, 40, "heard")
    await remove_expired(company.kernel, NOW)
    assert heard == [([old.id], [str(rec), str(vm)])]
