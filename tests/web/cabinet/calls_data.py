"""Calls for the cabinet's call pages, stored the way real ones are (the CRM's call_ended):
inbound calls answered or missed by the engine company's employees (Анна 201, Борис 202, Вера
203), today and days before, one with a recording."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from vats.core.calls.records import CallRecord, Participant

from tests.engine.conftest import Company
from tests.plugins.crm.conftest import store

MSK = ZoneInfo("Europe/Moscow")


def today_at(hour: int, days_ago: int = 0) -> dt.datetime:
    """A moment of today (or a day before) in the PBX's zone, never in the future."""
    now = dt.datetime.now(MSK)
    moment = (now - dt.timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if days_ago == 0 and moment > now:
        moment = now - dt.timedelta(minutes=5 * (24 - hour))
    return moment


async def inbound(
    c: Company, caller: str, at: dt.datetime, *, rung: list[str], answered: str | None, recording: str | None = None
) -> CallRecord:
    participants = [
        Participant(address=f"sip/{ext}", employee_id=c.people[ext], outcome="answered" if ext == answered else "missed")
        for ext in rung
    ]
    record = CallRecord(
        tenant_id=c.tenant_id, number="+74957770000", caller=caller, started_at=at,
        answered_at=at + dt.timedelta(seconds=5) if answered else None, ended_at=at + dt.timedelta(seconds=95),
        participants=participants, recordings=[recording] if recording else [],
    )  # fmt: skip
    return await store(c.kernel, record)


async def a_few_calls(c: Company) -> dict[str, CallRecord]:
    """Today: one answered by Анна with a recording, one Борис missed and Вера answered, one
    missed by all; three days ago: one missed by Борис. (The hour is kept early, so "today"
    holds them whenever the suite runs.)"""
    folder = c.kernel.config.media_dir / "recordings" / str(c.tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "talk.wav").write_bytes(b"RIFF$\x00\x00\x00WAVEfmt " + bytes(28))
    return {
        "anna": await inbound(c, "+79031110001", today_at(0), rung=["201"], answered="201",
                              recording=str(folder / "talk")),
        "vera": await inbound(c, "+79031110002", today_at(0) + dt.timedelta(minutes=1), rung=["202", "203"],
                              answered="203"),
        "nobody": await inbound(c, "+79031110003", today_at(0) + dt.timedelta(minutes=2), rung=["201", "202"],
                                answered=None),
        "old": await inbound(c, "+79031110004", today_at(12, days_ago=3), rung=["202"], answered=None),
    }  # fmt: skip
