"""The migration wizard's pages in the operator portal without a browser (httpx on the app, the
operator signed in through the real form, a real database): uploading exports (the size limit
refused before parsing, bad files refused naming the place), the employee step's form saved
even incomplete, the same outside number on two employees, and «Создать ЛК ВАТС» refused while
there is a problem. The whole wizard in a browser: test_migration_wizard.py."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from vats.core.directory.models import EmployeeCreate, SipLineCreate
from vats.core.kernel import Kernel
from vats.plugins.migration import wizard_pages

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_operator_pages import portal, sign_in

__all__ = ["portal"]

PAGE = "/operator/migrations"

EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "P-1", "name": "Ромашка", "admin_email": "boss@romashka.example",
            "lines": [{"login": "p1-anna", "password": "Anna-Line-1", "name": "Анна"},
                      {"login": "p1-desk", "password": "Desk-Line-2"}],
            "numbers": [{"number": "+74951235001", "forwarding": [{"to": "p1-anna"}, {"to": "+79161235001"}]}],
            "short_numbers": [{"extension": "301", "to": "p1-anna"}],
        }
    ],
}  # fmt: skip


async def upload(client: CabinetClient, name: str, content: bytes, source: str = "json") -> Any:
    token = await client.csrf(PAGE)
    return await client.http.post(
        f"{PAGE}/upload", data={"source": source, "_csrf_token": token}, files={"file": (name, content)}
    )


def field_error(html: str) -> str:
    found = re.search(r'id="file-error"[^>]*>([^<]+)<', html)
    return found.group(1) if found else ""


async def drafts_in(kernel: Kernel) -> int:
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM migration_drafts"))


async def test_an_uploaded_export_becomes_a_draft_whose_rows_are_proposed_from_the_forwarding(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    added = await upload(portal, "export.json", json.dumps(EXPORT).encode())
    assert added.status_code == 303, added.text
    step = await portal.http.get(added.headers["location"])
    assert step.status_code == 200 and 'id="draft-name">Ромашка<' in step.text
    names = re.findall(r'name="(\w+)\.full_name" value="([^"]*)"', step.text)
    assert [n for _, n in names] == ["Анна", "Сотрудник +79161235001", "Сотрудник p1-desk"]
    anna = names[0][0]
    assert f'name="{anna}.extension" value="301"' in step.text  # prefilled from the old short number
    listed = await portal.http.get(PAGE)
    row = re.search(r'<tr data-draft="[^"]+">.*?</tr>', listed.text, re.S)
    assert row and "Ромашка" in row.group(0) and "P-1" in row.group(0) and "Предложен список" in row.group(0)
    assert re.search(r'class="problems">0<', row.group(0))
    again = await upload(portal, "export.json", json.dumps(EXPORT).encode())  # the same customer: one draft
    assert again.status_code == 303 and await drafts_in(vats_kernel) == 1


async def test_a_file_over_the_limit_is_refused_before_it_is_read_and_bad_files_name_their_place(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    token = await portal.csrf(PAGE)
    # Not even a form: refused from its announced length alone, naming the limit.
    huge = b"x" * (wizard_pages.UPLOAD_LIMIT_MB * 1024 * 1024 + wizard_pages.FORM_OVERHEAD + 1)
    big = await portal.http.post(
        f"{PAGE}/upload", content=huge,
        headers={"content-type": "multipart/form-data; boundary=xyz", "x-csrftoken": token},
    )  # fmt: skip
    assert big.status_code == 303 and big.headers["location"] == f"{PAGE}?too_big=1", big.text[:500]
    shown = await portal.http.get(big.headers["location"])
    assert field_error(shown.text) == "Файл больше 50 МБ: не принят и не читался."

    broken = await upload(
        portal, "broken.json", b'{"format": "vats-old-cabinet-export",\n  "version": 1,\n  "customers": [}'
    )
    assert broken.status_code == 422 and field_error(broken.text).startswith("Файл не прочитан: строка 3, столбец"), (
        field_error(broken.text)
    )
    wrong = await upload(portal, "old.json", json.dumps({**EXPORT, "version": 2}).encode())
    assert wrong.status_code == 422
    assert field_error(wrong.text) == (
        "Файл не прочитан: $.version — этот vats читает выгрузку версии 1, у файла версия 2."
    )
    bad_customer = {**EXPORT, "customers": [{**EXPORT["customers"][0], "colour": "red"}]}
    unknown = await upload(portal, "x.json", json.dumps(bad_customer).encode())
    assert unknown.status_code == 422 and "$.customers[0]" in field_error(unknown.text) and "colour" in unknown.text
    csv_without = await upload(portal, "pbx.csv", b"extension,tech\n2001,pjsip\n", source="freepbx-csv")
    assert csv_without.status_code == 422
    assert field_error(csv_without.text) == "Файл не прочитан: строка 1 — в заголовке нет столбцов name."
    assert await drafts_in(vats_kernel) == 0


async def test_a_freepbx_export_is_a_draft_named_after_its_file(portal: CabinetClient) -> None:
    await sign_in(portal)
    csv = (
        "extension,name,tech,secret,email\n"
        "2001,Anna Petrova,pjsip,aK3-secret-2001,anna@office.example\n"
        "2002,Boris Ivanov,sip,bK3-secret-2002,\n"
    )
    added = await upload(portal, "office-7.csv", csv.encode(), source="freepbx-csv")
    assert added.status_code == 303, added.text
    step = (await portal.http.get(added.headers["location"])).text
    assert 'id="draft-name">office-7<' in step
    assert re.findall(r'name="\w+\.full_name" value="([^"]*)"', step) == ["Anna Petrova", "Boris Ivanov"]
    assert re.findall(r'<option value="(\d+)" selected>\1</option>', step) == ["2001", "2002"]  # their own lines


async def test_the_employee_form_saves_incomplete_rows_and_refuses_one_number_on_two_employees(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    location = (await upload(portal, "export.json", json.dumps(EXPORT).encode())).headers["location"]
    draft_url = location.split("?")[0]
    rows = {
        "row": ["a1", "b2"],
        "a1.full_name": "Анна Петрова", "a1.role": "admin", "a1.email": "anna@romashka.example",
        "a1.extension": "301", "a1.caller_id": "+74951235001",
        "a1.line": ["p1-anna"], "a1.kind": ["mobile_app"], "a1.external": ["+79161235001"],
        "b2.full_name": "", "b2.role": "user", "b2.line": [""], "b2.kind": ["softphone"],
        "b2.external": ["+7 916 123-50-01"],
    }  # fmt: skip
    token = await portal.csrf(draft_url)
    saved = await portal.http.post(draft_url, data={**rows, "step": "save", "_csrf_token": token})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    page = (await portal.http.get(saved.headers["location"])).text
    assert 'id="notice">Сохранено.<' in page
    assert re.findall(r'name="\w+\.full_name" value="([^"]*)"', page) == ["Анна Петрова", ""]
    second = re.search(r'<tr id="row-r1".*?</tr>', page, re.S)
    assert second is not None
    problems = re.findall(r"<li>([^<]+)</li>", second.group(0))
    assert problems == ["Укажите ФИО сотрудника.", "Номер +79161235001 уже внешний номер «Анна Петрова»."]
    general = re.search(r'id="general-problems".*?</section>', page, re.S)
    assert general and "Линии не закреплены ни за кем: p1-desk." in general.group(0)

    # «Создать ЛК ВАТС» saves what is typed, then refuses naming the first problem: nothing created.
    rows["b2.full_name"] = "Склад"
    token = await portal.csrf(draft_url)
    refused = await portal.http.post(draft_url, data={**rows, "step": "create", "_csrf_token": token})
    assert refused.status_code == 422
    refusal = re.search(r'id="refusal">([^<]+)<', refused.text)
    assert refusal and refusal.group(1) == (
        "ЛК ВАТС не создан: Склад: Номер +79161235001 уже внешний номер «Анна Петрова». (и ещё проблем: 1)"
    )
    assert 'value="Склад"' in refused.text  # what was typed stays on the page (and is saved)
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT employees->1->>'full_name' FROM migration_drafts") == "Склад"
        assert await conn.fetchval("SELECT count(*) FROM migration_imports") == 0
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM operator_audit ORDER BY id")]
    assert actions == ["migration_drafts_added", "migration_saved", "migration_saved"]
    confirm = await portal.http.get(f"{draft_url}/create")  # the confirmation refuses too
    assert confirm.status_code == 422 and 'id="refusal"' in confirm.text


async def test_a_field_no_row_may_carry_is_refused_naming_it_and_nothing_is_saved(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    draft_url = (await upload(portal, "export.json", json.dumps(EXPORT).encode())).headers["location"].split("?")[0]
    token = await portal.csrf(draft_url)
    form = {
        "row": ["a1", "b2"],
        "a1.full_name": "Анна",
        "b2.full_name": "Я" * 201,
        "step": "save",
        "_csrf_token": token,
    }
    refused = await portal.http.post(draft_url, data=form)
    assert refused.status_code == 422
    refusal = re.search(r'id="refusal">([^<]+)<', refused.text)
    assert refusal and refusal.group(1) == f"Не сохранено: {'Я' * 201}, ФИО: Не длиннее 200 символов."
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT employees FROM migration_drafts") is None  # still the proposal


async def test_two_confirmations_at_once_create_one_pbx_and_the_audit_log_names_each_step(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    draft_url = (await upload(portal, "export.json", json.dumps(EXPORT).encode())).headers["location"].split("?")[0]
    form = {
        "row": ["a1", "b2"],
        "a1.full_name": "Анна", "a1.line": ["p1-anna"], "a1.kind": ["softphone"], "a1.external": ["+79161235001"],
        "b2.full_name": "Склад", "b2.line": ["p1-desk"], "b2.kind": ["mobile_app"],
    }  # fmt: skip
    token = await portal.csrf(draft_url)
    to_confirm = await portal.http.post(draft_url, data={**form, "step": "create", "_csrf_token": token})
    assert to_confirm.status_code == 303 and to_confirm.headers["location"] == f"{draft_url}/create"
    token = await portal.csrf(f"{draft_url}/create")
    answers = await asyncio.gather(
        *(portal.http.post(f"{draft_url}/create", data={"_csrf_token": token}) for _ in range(2))
    )
    assert [(a.status_code, a.headers.get("location")) for a in answers] == [(303, draft_url)] * 2
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tenants WHERE name = 'Ромашка'") == 1
    shown = (await portal.http.get(draft_url)).text
    assert 'id="created-employees">3<' in shown and 'id="created-lines">2<' in shown
    audit = (await portal.http.get("/operator/audit")).text
    for text in ("миграция: загружена выгрузка", "миграция: сохранены сотрудники", "миграция: создан ЛК ВАТС"):
        assert text in audit


async def test_an_export_of_many_customers_is_listed_fifty_a_page(portal: CabinetClient) -> None:
    await sign_in(portal)
    one = EXPORT["customers"][0]
    many = {**EXPORT, "customers": [
        {**one, "id": f"M-{i:02}", "name": f"Клиент {i:02}", "lines": [], "numbers": [], "short_numbers": []}
        for i in range(51)
    ]}  # fmt: skip
    added = await upload(portal, "many.json", json.dumps(many).encode())
    assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?added=51"
    first = await portal.http.get(added.headers["location"])
    assert 'id="notice">Черновиков добавлено: 51.<' in first.text
    assert len(re.findall(r"<tr data-draft=", first.text)) == 50 and "1–50 из 51" in first.text
    rest = (await portal.http.get(f"{PAGE}?offset=50")).text
    assert re.findall(r'<a href="/operator/migrations/[^"]+">([^<]+)</a>', rest) == ["Клиент 50"]


async def test_an_email_or_a_log_in_another_pbx_uses_is_shown_beside_the_row_that_carries_it(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    other = await vats_kernel.directory.create_tenant(name="Другая АТС", admin_email="taken@other.example")
    await vats_kernel.directory.create_employee(other.tenant_id, EmployeeCreate(
        full_name="Чужой", email="someone@other.example",
        sip_lines=[SipLineCreate(kind="softphone", sip_login="p1-desk", sip_password="Other-Line-9")],
    ))  # fmt: skip
    await sign_in(portal)
    draft_url = (await upload(portal, "export.json", json.dumps(EXPORT).encode())).headers["location"].split("?")[0]
    form = {
        "row": ["a1", "b2"],
        "a1.full_name": "Анна", "a1.email": "Taken@other.example", "a1.line": ["p1-anna"], "a1.kind": ["softphone"],
        "b2.full_name": "Склад", "b2.line": ["p1-desk"], "b2.kind": ["softphone"],
    }  # fmt: skip
    token = await portal.csrf(draft_url)
    saved = await portal.http.post(draft_url, data={**form, "step": "save", "_csrf_token": token})
    page = (await portal.http.get(saved.headers["location"])).text
    anna, desk = (re.search(rf'<tr id="row-r{i}".*?</tr>', page, re.S) for i in (0, 1))
    assert anna and re.findall(r"<li>([^<]+)</li>", anna.group(0)) == [
        "E-mail taken@other.example уже логин другой учётной записи."
    ]
    email = re.search(r'<input id="r0-email"[^>]*>', anna.group(0))
    assert email and 'aria-invalid="true"' in email.group(0)
    assert desk and re.findall(r"<li>([^<]+)</li>", desk.group(0)) == [
        "SIP-логин p1-desk (линия «Склад») уже занят линией другой ВАТС."
    ]
    assert 'id="general-problems"' not in page


async def test_the_wizard_speaks_english_when_the_operator_chooses_it(portal: CabinetClient) -> None:
    await sign_in(portal)
    draft_url = (await upload(portal, "export.json", json.dumps(EXPORT).encode())).headers["location"].split("?")[0]
    chosen = await portal.post_form("/operator/language", {"lang": "en", "back": draft_url}, form_page=draft_url)
    assert chosen.status_code == 303
    token = await portal.csrf(draft_url)
    form = {"row": ["a1"], "a1.full_name": "", "step": "save", "_csrf_token": token}
    page = (await portal.http.get((await portal.http.post(draft_url, data=form)).headers["location"])).text
    assert "<h2>Employees</h2>" in page and ">Save<" in page and ">Create the PBX<" in page
    assert "<li>The employee needs a name</li>" in page and ">Migration<" in page


async def test_an_offset_or_count_that_is_no_plain_number_shows_the_first_page_not_a_server_error(
    portal: CabinetClient,
) -> None:
    await sign_in(portal)
    assert (await upload(portal, "one.json", json.dumps(EXPORT).encode())).status_code == 303
    for query in ["offset=²", "offset=1²", "offset=" + "9" * 5000, "added=²"]:  # "²".isdigit(), int("²") raises
        shown = await portal.http.get(f"{PAGE}?{query}")
        assert shown.status_code == 200, (query, shown.text[:300])
        assert re.findall(r'<a href="/operator/migrations/[^"]+">([^<]+)</a>', shown.text) == ["Ромашка"], query
        assert 'id="notice"' not in shown.text

