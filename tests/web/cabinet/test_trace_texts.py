""""Check a call" speaks Russian: every reason the engine and the default plugins note
(``ctx.note``) has a Russian form, and a real simulation's trace, as the page shows it, reads
in Russian; in English the engine's own words stay."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from vats.bots.web.cabinet.scenarios import checks
from vats.bots.web.cabinet.scenarios.trace_texts import block_name, trace_text
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as repo
from vats.core.engine.context import CallFacts
from vats.core.engine.simulator import parse_at, parse_script, simulate
from vats.core.kernel import Kernel

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = "7"  # what a noted text's varying part is replaced with


def noted_texts() -> list[tuple[str, str]]:
    """(where, text) of every literal decision and reason passed to ``.note(...)`` in core/ and
    plugins/, their varying parts replaced with SAMPLE."""
    found = []
    for path in [*(ROOT / "core").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "note":
                for arg in node.args[1:3]:
                    text = literal(arg)
                    if text:
                        found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return found


def literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else SAMPLE for v in node.values)
    return None


def test_every_noted_decision_and_reason_has_a_russian_form() -> None:
    texts = noted_texts()
    assert len(texts) > 40  # the scan finds the engine's notes
    untranslated = [f"{where}: {text!r}" for where, text in texts if re.search(r"[a-z]{3}", trace_text("ru", text))]
    assert not untranslated, "\n".join(untranslated)


def test_english_pages_keep_the_engines_words() -> None:
    assert trace_text("en", "nobody answered") == "nobody answered"
    assert block_name("en", "forward") == "forward"
    assert trace_text("ru", "filter «Москва» matches, off hours") == "фильтр «Москва» подходит, нерабочее время"


async def test_a_simulated_calls_trace_reads_in_russian(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна Смирнова", email="anna@test.example", extension="201",
                            availability="unavailable"),
    )  # fmt: skip
    boris, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Борис Орлов", email="boris@test.example", extension="202",
                            availability="available"),
    )  # fmt: skip
    await vats_kernel.directory.assign_number(tid, "+74951234567", "Основной")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        scenario = next(s for s in await repo.scenarios_of(conn, tid) if s.is_default)
        body = {
            "filters": [{"name": "VIP", "condition": {"type": "tags", "tags": ["vip"]}, "working": {}}],
            "default": {"handling": {"type": "forward", "order": "sequential", "targets": [
                {"kind": "employee", "id": str(anna.id)}, {"kind": "employee", "id": str(boris.id)},
                {"kind": "external", "number": "+79161234567"}]}},
        }  # fmt: skip
        await repo.replace_scenario(conn, tid, scenario.id, scenario.name, body, vats_kernel.blocks)
    vats_kernel.snapshots.invalidate(tid)
    snapshot = await vats_kernel.snapshots.get(tid)
    facts = CallFacts(number="+74951234567", caller="+79031112233", at=parse_at(None))
    sim = await simulate(vats_kernel.engine, facts, parse_script("202 no answer"), scenario_id=scenario.id)
    lines = [line for step in checks.trace(sim, snapshot, "ru").steps for line in step.why]
    assert lines, "the simulation noted nothing"
    assert any(line.startswith("фильтры: фильтр «VIP» не подходит") for line in lines)
    assert any("Анна Смирнова" in line and "недоступен" in line for line in lines)
    english = [line for line in lines if re.search(r"(?<![/\w])(?!sip\b|tel\b)[a-z_]{3,}", line)]
    assert not english, "\n".join(lines)


async def test_a_ring_everyone_at_once_trace_names_the_people_and_the_path_as_the_editor_does(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """The newcomer's case: everyone at once, Борис answers. The page names employees (with their
    lines' kinds), not sip/<login> or tel/<number>, and the path's steps as the editor does."""
    from vats.bots.web.cabinet.scenarios.pages import form_parts

    tid = vats_tenant.tenant_id
    anna, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Анна Смирнова", email="anna@test.example", extension="201",
                            availability="available"),
    )  # fmt: skip
    boris, _ = await vats_kernel.directory.create_employee(
        tid, EmployeeCreate(full_name="Борис Орлов", email="boris@test.example", extension="202",
                            availability="available"),
    )  # fmt: skip
    await vats_kernel.directory.assign_number(tid, "+74951234567", "Основной")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tid) as conn:
        scenario = next(s for s in await repo.scenarios_of(conn, tid) if s.is_default)
        body = {"default": {"handling": {"type": "forward", "order": "parallel", "targets": [
            {"kind": "employee", "id": str(anna.id)}, {"kind": "employee", "id": str(boris.id)},
            {"kind": "external", "number": "+79161234567"}]}}}  # fmt: skip
        await repo.replace_scenario(conn, tid, scenario.id, scenario.name, body, vats_kernel.blocks)
    vats_kernel.snapshots.invalidate(tid)
    snapshot = await vats_kernel.snapshots.get(tid)
    facts = CallFacts(number="+74951234567", caller="+79031112233", at=parse_at("2026-12-01T12:00:00+03:00"))
    sim = await simulate(vats_kernel.engine, facts, parse_script("202 answers"), scenario_id=scenario.id)
    assert (sim.answered_by or "").startswith("sip/")  # the API's trace stays machine-readable
    blocks = {p.tag: p.label for p in form_parts(vats_kernel)}
    shown = checks.trace(sim, snapshot, "ru", blocks)
    lines = [line for step in shown.steps for line in step.why]
    text = "\n".join(lines)
    assert "sip/" not in text and "tel/" not in text and "everyone" not in text, text
    ring = next(line for line in lines if "звонок всем сразу" in line)
    assert "Анна Смирнова (" in ring and "Борис Орлов (" in ring and "+79161234567" in ring, ring
    assert any(line.startswith("переадресация: на звонок ответили: Борис Орлов (") for line in lines), text
    assert shown.answered_by == "Борис Орлов (202)"
    assert shown.path == ["Номера, не входящие в фильтры", f"Обработка звонка: {blocks['forward']}"]
