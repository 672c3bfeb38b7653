"""``vats migrate`` as the operator runs it (a real process on the real database): the dry run's
per-customer report with every problem, the real run with its summary, idempotence, refusals
in one line with exit code 2, and nothing created when anything is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate, SipLineCreate
from vats.core.kernel import Kernel
from vats.core.migration_export import LineBinding, OldCustomer, OldEmployee, OldLine
from vats.plugins.migration.run import dry_run, migrate

from tests.plugins.migration.test_sources import FREEPBX_CSV


def _customer(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"C-{n}", "name": f"Клиент {n}", "admin_email": f"boss{n}@c{n}.example",
        "lines": [{"login": f"old{n}-1", "password": "Line-Pass-1", "name": f"Анна {n}"},
                  {"login": f"old{n}-2", "password": "Line-Pass-2"}],
        "numbers": [{"number": f"+7495100{n:04d}", "forwarding": [{"to": f"old{n}-1"}, {"to": "+79161110000"}]},
                    {"number": f"+7812100{n:04d}", "forwarding": [{"to": f"old{n}-2", "ring_s": 30}]}],
        "short_numbers": [{"extension": "201", "to": f"old{n}-1"}],
        **extra,
    }  # fmt: skip


def _write(tmp_path: Path, customers: list[dict[str, Any]], name: str = "export.json") -> Path:
    path = tmp_path / name
    body = {"format": "vats-old-cabinet-export", "version": 1, "customers": customers}
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def _vats(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VATS_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "vats.bots.cli", "migrate", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def _count(kernel: Kernel, sql: str, *args: Any) -> int:
    assert kernel.db is not None
    value: int = await kernel.db.fetchval(sql, *args)
    return value


async def test_the_dry_run_reports_every_problem_per_customer_and_creates_nothing(
    vats_database_url: str, vats_kernel: Kernel, tmp_path: Path
) -> None:
    # Another PBX already has the log-in old2-2: the dry run names that line.
    other = await vats_kernel.directory.create_tenant(name="Уже здесь", admin_email="x@here.example")
    await vats_kernel.directory.create_employee(
        other.tenant_id,
        EmployeeCreate(full_name="Занял", email="z@here.example", sip_lines=[SipLineCreate(sip_login="OLD2-2")]),
    )
    bad_numbers = [
        {"number": "+74951000003", "forwarding": [{"to": "old3-1"}, {"to": "склад"}]},
        {"number": "8 495 100-00-03", "forwarding": [{"to": "old3-2"}]},
    ]
    path = _write(tmp_path, [
        _customer(1),
        _customer(2),
        _customer(3, numbers=bad_numbers, short_numbers=[{"extension": "112", "to": "old3-1"}]),
    ])  # fmt: skip
    tenants = await _count(vats_kernel, "SELECT count(*) FROM tenants")
    done = _vats(vats_database_url, "--dry-run", str(path))
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert (
        "C-1 «Клиент 1» (export.json): would create a PBX, 4 employees, 3 without an e-mail yet, 2 SIP lines kept, 2 numbers"
        in out
    ), out
    assert "C-2 «Клиент 2» (export.json): 1 problem(s); once fixed it would create a PBX" in out
    assert (
        "problem at lines: the SIP log-in old2-2 (line of Сотрудник old2-2) is already used by another PBX's line"
        in out
    )
    assert "problem at numbers[0].forwarding[1].to: unknown addressee 'склад'" in out
    assert "problem at numbers[1].number: duplicate number +74951000003" in out
    assert "problem at short_numbers[0].extension: 112:" in out and "emergency" in out
    assert "3 customers: 1 ready (4 employees, 2 SIP lines, 2 numbers), 2 with problems, 0 already imported" in out
    assert await _count(vats_kernel, "SELECT count(*) FROM tenants") == tenants
    # The real run refuses the same file as a whole: nothing is created, not even customer 1.
    refused = _vats(vats_database_url, str(path))
    assert refused.returncode == 1 and "nothing was created" in refused.stdout, refused.stdout + refused.stderr
    assert await _count(vats_kernel, "SELECT count(*) FROM tenants") == tenants


async def test_the_real_run_creates_customers_keeping_log_ins_and_a_second_run_creates_nothing(
    vats_database_url: str, vats_kernel: Kernel, tmp_path: Path
) -> None:
    rules = [
        {"number": "+74951000001", "name": "Основной",
         "schedule": [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}],
         "forwarding": [{"to": "OLD1-1", "ring_s": 15}, {"to": "8 916 111-00-00", "ring_s": 25}],
         "off_hours": [{"to": "+79161110000"}],
         "vip_lists": [{"name": "VIP", "callers": ["+74957654321"], "forwarding": [{"to": "old1-2"}]}]},
        {"number": "+78121000001", "forwarding": [{"to": "old1-2", "ring_s": 30}]},
    ]  # fmt: skip
    path = _write(tmp_path, [_customer(1, numbers=rules), _customer(2)])
    done = _vats(vats_database_url, "--invite", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created 2 customers (8 employees, 4 SIP lines, 4 numbers)" in done.stdout, done.stdout
    assert "2 invitations sent" in done.stdout  # the admins; the others have no e-mail yet
    tenant_id = await _count(vats_kernel, "SELECT tenant_id FROM migration_imports WHERE key = 'json:C-1'")
    assert isinstance(tenant_id, uuid.UUID)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(tenant_id) as conn:  # type: ignore[arg-type]
        people = {
            r["full_name"]: r
            for r in await conn.fetch(
                "SELECT e.full_name, e.email, e.role, e.extension, array_agg(t.sip_login ORDER BY t.position) AS logins,"
                " array_agg(t.sip_password ORDER BY t.position) AS passwords, array_agg(t.kind ORDER BY t.position) AS kinds,"
                " array_agg(t.external_number ORDER BY t.position) AS externals"
                " FROM employees e LEFT JOIN terminals t ON t.employee_id = e.id GROUP BY e.id"
            )
        }  # fmt: skip
        numbers = sorted(r["e164"] for r in await conn.fetch("SELECT e164 FROM numbers"))
    assert set(people) == {"Администратор", "Анна 1", "Сотрудник old1-2", "Сотрудник +79161110000"}
    assert people["Администратор"]["email"] == "boss1@c1.example" and people["Администратор"]["role"] == "admin"
    anna = people["Анна 1"]
    assert (anna["logins"], anna["passwords"], anna["kinds"]) == (["old1-1"], ["Line-Pass-1"], ["softphone"])
    assert anna["extension"] == "201"  # from the old short number
    assert people["Сотрудник +79161110000"]["externals"] == ["+79161110000"]
    assert people["Сотрудник old1-2"]["email"].endswith("@migration.invalid")
    assert numbers == ["+74951000001", "+78121000001"]
    # One new scenario per number from its old rules (bound at completion): the list in working
    # time (its schedule), the off-hours list outside it, the VIP list as a tag filter, and an
    # insurance block. Until completion the number follows its old rules.
    async with vats_kernel.db.tenant(tenant_id) as conn:  # type: ignore[arg-type]
        row = await conn.fetchrow(
            "SELECT s.name, s.body, (SELECT intervals FROM schedules WHERE id = (s.body->>'schedule_id')::uuid) AS hours"
            " FROM migration_numbers m JOIN scenarios s ON s.id = m.new_scenario_id WHERE m.e164 = '+74951000001'"
        )
        old_rules = await conn.fetchval(
            "SELECT s.body->'default'->'handling' FROM numbers n JOIN scenarios s ON s.id = n.scenario_id"
            " WHERE n.e164 = '+74951000001'"
        )
        ids = {r["full_name"]: str(r["id"]) for r in await conn.fetch("SELECT id, full_name FROM employees")}
    body = row["body"]
    assert row["name"] == "Основной (перенесён)"
    assert body["default"]["handling"]["targets"] == [
        {"kind": "employee", "id": ids["Анна 1"]}, {"kind": "employee", "id": ids["Сотрудник +79161110000"]},
    ]  # fmt: skip
    assert body["default"]["handling"]["ring_s"] == 25
    assert body["off_hours"]["handling"]["targets"] == [{"kind": "employee", "id": ids["Сотрудник +79161110000"]}]
    assert body["default"]["insurance"]["type"] == "voicemail"
    assert [(f["name"], f["condition"], f["working"]["handling"]["targets"]) for f in body["filters"]] == [
        ("VIP", {"type": "tags", "tags": ["VIP"]}, [{"kind": "employee", "id": ids["Сотрудник old1-2"]}]),
    ]
    assert [(i["day"], i["start"], i["end"]) for i in row["hours"]] == [(d, "09:00", "18:00") for d in range(5)]
    assert old_rules["type"] == "migration_old_rules"
    assert old_rules["forwarding"] == [{"line": "old1-1", "ring_s": 15}, {"number": "+79161110000", "ring_s": 25}]
    assert old_rules["vip"] == [
        {"name": "VIP", "callers": ["+74957654321"], "forwarding": [{"line": "old1-2", "ring_s": 20}]}
    ]
    # The Asterisk configuration renders the kept log-ins as endpoints (phones keep registering).
    from vats.core.asterisk.render import collect

    async with vats_kernel.db.system() as conn:
        data, _ = await collect(conn, tmp_path)
    assert {"old1-1", "old1-2", "old2-1", "old2-2"} <= {t.login for t in data.terminals}
    # Twice: nothing is created twice.
    before = await _count(vats_kernel, "SELECT count(*) FROM employees")
    again = _vats(vats_database_url, str(path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "created 0 customers" in again.stdout and "2 already imported" in again.stdout, again.stdout
    assert await _count(vats_kernel, "SELECT count(*) FROM employees") == before
    dry = _vats(vats_database_url, "--dry-run", "--verbose", str(path))
    assert "C-1 «Клиент 1» (export.json): already imported (PBX" in dry.stdout, dry.stdout


async def test_refusals_are_one_line_with_exit_code_2_and_create_nothing(
    vats_database_url: str, vats_kernel: Kernel, tmp_path: Path
) -> None:
    tenants = await _count(vats_kernel, "SELECT count(*) FROM tenants")
    good = _write(tmp_path, [_customer(1)], "good.json")
    big = _write(tmp_path, [_customer(n) for n in range(2, 40)], "big.json")
    too_big = _vats(vats_database_url, "--max-size-mb", "0.005", str(good), str(big))
    assert too_big.returncode == 2 and len(too_big.stderr.strip().splitlines()) == 1, too_big.stderr
    assert "big.json" in too_big.stderr and "over the limit of 0.005 MB" in too_big.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "vats-old-cabinet-export", "version": 1,\n "customers": [\n  {"id": "C-9",, }\n]}\n')
    for args, words in [
        ([str(good), str(broken)], "broken.json: line 3, column 16: not valid JSON"),
        ([str(tmp_path / "missing.json")], "missing.json is not a file"),
        (["--source", "excel", str(good)], "no migration source 'excel' (known: freepbx-csv, json)"),
    ]:
        done = _vats(vats_database_url, *args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
        assert words in done.stderr, (args, done.stderr)
    wrong_version = _write(tmp_path, [], "v2.json")
    wrong_version.write_text('{"format": "vats-old-cabinet-export", "version": 2, "customers": []}')
    done = _vats(vats_database_url, str(wrong_version))
    assert (
        done.returncode == 2
        and "$.version: this vats reads version 1 of the export, the file is version 2" in done.stderr
    )
    # good.json came first in two of these runs: it was not created either.
    assert await _count(vats_kernel, "SELECT count(*) FROM tenants") == tenants


async def test_a_freepbx_export_becomes_a_pbx_whose_phones_keep_their_accounts(
    vats_database_url: str, vats_kernel: Kernel, tmp_path: Path
) -> None:
    path = tmp_path / "romashka.csv"
    path.write_text(FREEPBX_CSV, encoding="utf-8")
    done = _vats(vats_database_url, "--source", "freepbx-csv", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created 1 customers (3 employees, 2 SIP lines, 0 numbers)" in done.stdout, done.stdout
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        lines = {
            r["sip_login"]: (r["sip_password"], r["full_name"], r["extension"], r["role"])
            for r in await conn.fetch(
                "SELECT t.sip_login, t.sip_password, e.full_name, e.extension, e.role FROM migration_imports m"
                " JOIN employees e ON e.tenant_id = m.tenant_id JOIN terminals t ON t.employee_id = e.id"
                " WHERE m.key = 'freepbx-csv:romashka'"
            )
        }
    assert lines == {
        "2001": ("aK3-secret-2001", "Anna Petrova", "2001", "admin"),
        "2002": ("bK3-secret-2002", "Boris Ivanov", "2002", "user"),
    }


class _PhoneList:
    """A third party's source: lines listed one per line as ``name;login;password``."""

    name = "phone-list"
    description = "a test source"

    def read(self, path: Path) -> Any:
        lines, people = [], []
        for text in path.read_text().splitlines():
            name, login, password = text.split(";")
            lines.append(OldLine(login=login, password=password))
            people.append(OldEmployee(full_name=name, email=f"{login}@list.example", lines=[LineBinding(login=login)]))
        yield OldCustomer(id=path.stem, name="Из списка", admin_email="p1@list.example", lines=lines, employees=people)


async def test_hook_register_migration_sources(vats_kernel: Kernel, vats_register_plugin: Any, tmp_path: Path) -> None:
    class Plugin:
        @hookimpl
        def register_migration_sources(self) -> list[Any]:
            return [_PhoneList()]

    vats_register_plugin(Plugin())
    sources = {s.name: s for s in vats_kernel.plugins.collect("register_migration_sources")}
    assert {"json", "freepbx-csv", "phone-list"} <= set(sources)
    path = tmp_path / "office.txt"
    path.write_text("Пётр;p1;Pass-p1-xx\nОльга;p2;Pass-p2-xx\n")
    checked = await dry_run(vats_kernel, sources["phone-list"], [path], 50)
    assert checked.ok and checked.employees == 2 and checked.lines == 2
    _, outcome = await migrate(vats_kernel, sources["phone-list"], [path], 50)
    assert outcome is not None and outcome.created == 1, outcome
    assert await _count(vats_kernel, "SELECT count(*) FROM terminals WHERE sip_login IN ('p1', 'p2')") == 2
