"""Tasks after a transfer (real PostgreSQL, the CRM's own ingest): the history and the missed
call follow the last party. Анна (201) takes the call and hands it to Борис (202)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vats.core.calls.models import Transfer
from vats.core.calls.records import CallRecord, Participant

from tests.plugins.crm.conftest import NUMBER, TUESDAY_NOON, Company, store

CALLER = "+79031119988"


def _handed_to_boris(c: Company, *, boris_answers: bool, kind: str = "blind") -> CallRecord:
    anna, boris = c.people["201"], c.people["202"]
    return CallRecord(
        tenant_id=c.tenant_id, direction="inbound", number=NUMBER, caller=CALLER, started_at=TUESDAY_NOON,
        answered_at=TUESDAY_NOON + dt.timedelta(seconds=3), ended_at=TUESDAY_NOON + dt.timedelta(seconds=60),
        answered_by="sip/boris" if boris_answers else "sip/anna",
        participants=[
            Participant(address="sip/anna", employee_id=anna, outcome="answered"),
            Participant(address="sip/boris", employee_id=boris, outcome="answered" if boris_answers else "missed"),
        ],
        transfers=[Transfer(kind=kind, by="sip/anna", by_employee_id=anna, to="202",  # type: ignore[arg-type]
                            to_employee_id=boris, answered=boris_answers)],
    )  # fmt: skip


async def _tasks(c: Company) -> list[Any]:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        return list(await conn.fetch("SELECT kind, assignee_kind, assignee_id, number FROM crm_tasks"))


async def _took(c: Company) -> Any:
    assert c.kernel.db is not None
    async with c.kernel.db.tenant(c.tenant_id) as conn:
        return await conn.fetchrow("SELECT answered, answered_by, missed_by FROM crm_calls")


async def test_a_call_transferred_to_a_colleague_who_does_not_answer_is_his_missed_call(company: Company) -> None:
    await store(company.kernel, _handed_to_boris(company, boris_answers=False))
    tasks = await _tasks(company)
    assert [(t["kind"], t["assignee_kind"], t["assignee_id"], t["number"]) for t in tasks] == [
        ("missed", "employee", company.people["202"], CALLER)
    ]  # Борис's, not Анна's, who took it first
    call = await _took(company)
    assert call["answered_by"] == company.people["201"] and call["missed_by"] == [company.people["202"]]


async def test_a_transfer_the_colleague_answered_makes_no_missed_task(company: Company) -> None:
    await store(company.kernel, _handed_to_boris(company, boris_answers=True, kind="attended"))
    assert await _tasks(company) == []
    assert (await _took(company))["answered_by"] == company.people["202"]  # the history follows Борис


async def test_a_transfer_that_came_back_to_someone_who_answered_makes_no_missed_task(company: Company) -> None:
    record = _handed_to_boris(company, boris_answers=False)
    # Борис's phone did not answer and his scenario sent the call back to Анна, who took it again
    back = CallRecord(**{
        **{f: getattr(record, f) for f in record.__struct_fields__},
        "transfers": [Transfer(kind="blind", by="sip/anna", by_employee_id=company.people["201"], to="202",
                               to_employee_id=company.people["202"], answered=True)],
    })  # fmt: skip
    await store(company.kernel, back)
    assert await _tasks(company) == []
