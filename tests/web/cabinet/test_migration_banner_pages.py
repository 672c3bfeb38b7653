"""The migration banner and agreement pages of a migrated PBX's cabinet without a browser (httpx on
the app, signed in through the real form, a real database): the banner is for the admins of a
migrated PBX only, the agreement is accepted through its page (who and when recorded), a stale
version is refused in Russian beside the button. In a browser: test_migration_banner.py."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from vats.bots.web.testing import TEST_PASSWORD, ApiClients
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient

EXPORT: dict[str, Any] = {
    "format": "vats-old-cabinet-export",
    "version": 1,
    "customers": [
        {
            "id": "B-1", "name": "Ромашка", "admin_email": "boss@romashka.example",
            "lines": [{"login": "b1-anna", "password": "Anna-Line-1", "name": "Анна"}],
            "numbers": [{"number": "+74951236001", "forwarding": [{"to": "b1-anna"}]}],
        }
    ],
}  # fmt: skip
EMPLOYEES = [
    {"full_name": "Борис Админов", "email": "boss@romashka.example", "role": "admin"},
    {"full_name": "Анна Петрова", "email": "anna@romashka.example", "role": "user",
     "lines": [{"login": "b1-anna", "kind": "softphone"}]},
]  # fmt: skip


async def migrated_pbx(api: ApiClients, kernel: Kernel) -> dict[str, uuid.UUID]:
    """A PBX created by the migration wizard (operator API), its people given the test password;
    the ids of the tenant, its admin and its employee."""
    operator = api.operator()
    [draft] = (await operator.post("/api/operator/migrations", json=EXPORT)).json()
    url = f"/api/operator/migrations/{draft['id']}"
    saved = await operator.put(f"{url}/employees", json={"employees": EMPLOYEES})
    assert saved.json()["problems"] == [], saved.text
    created = await operator.post(f"{url}/create")
    assert created.status_code == 201, created.text
    tenant_id = uuid.UUID(created.json()["tenant_id"])
    assert kernel.db is not None
    async with kernel.db.system() as conn:
        ids = {
            r["email"]: r["id"]
            for r in await conn.fetch("SELECT id, email FROM employees WHERE tenant_id = $1", tenant_id)
        }
    for employee_id in ids.values():
        await api.as_employee(tenant_id, employee_id)  # sets the test password
    return {"tenant": tenant_id, "admin": ids["boss@romashka.example"], "employee": ids["anna@romashka.example"]}


async def publish(api: ApiClients, body: str) -> int:
    answer = await api.operator().post(
        "/api/operator/migration-agreement/versions", json={"title": "Миграционная оферта", "body": body}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["version"])


@pytest_asyncio.fixture
async def cabinet(vats_api: ApiClients) -> AsyncIterator[CabinetClient]:
    client = CabinetClient(vats_api.app)
    try:
        yield client
    finally:
        await client.close()


async def signed_in(client: CabinetClient, email: str) -> None:
    answer = await client.sign_in(email, TEST_PASSWORD)
    assert answer.status_code == 303, answer.text


async def test_a_migrated_pbxs_admin_gets_the_banner_and_an_employee_does_not(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    pbx = await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Условия перехода.")
    await signed_in(cabinet, "boss@romashka.example")
    home = await cabinet.http.get("/cabinet", follow_redirects=True)
    assert 'id="migration-banner-slot"' in home.text
    shown = await cabinet.http.get("/cabinet/migration/banner")
    assert shown.status_code == 200 and 'id="migration-banner"' in shown.text
    assert 'id="mig-read-agreement"' in shown.text and "Прочитать и принять" in shown.text
    assert "Для каждого номера есть новый сценарий, у каждого сотрудника есть e-mail." in shown.text
    assert "Кнопка появится после принятия оферты." in shown.text and 'id="mig-complete"' not in shown.text
    worker = CabinetClient(vats_api.app)
    try:
        await signed_in(worker, "anna@romashka.example")
        assert 'id="migration-banner-slot"' not in (await worker.http.get("/cabinet", follow_redirects=True)).text
        assert (await worker.http.get("/cabinet/migration/banner")).status_code == 403
        assert (await worker.http.get("/cabinet/migration/agreement")).status_code == 403
    finally:
        await worker.close()
    assert pbx["tenant"]


async def test_a_pbx_that_was_not_migrated_shows_no_banner(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    created = await vats_kernel.directory.create_tenant(name="Обычная", admin_email="admin@plain.example")
    await vats_api.as_employee(created.tenant_id, created.admin_id)
    await signed_in(cabinet, "admin@plain.example")
    assert (await cabinet.http.get("/cabinet/migration/banner")).status_code == 204


async def test_the_admin_accepts_the_agreement_on_its_page_and_the_banner_moves_on(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    pbx = await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Редакция первая.")
    await signed_in(cabinet, "boss@romashka.example")
    page = await cabinet.http.get("/cabinet/migration/agreement")
    assert "Редакция первая." in page.text and 'name="version" value="1"' in page.text
    await publish(vats_api, "Редакция вторая.")  # published while the admin reads the first
    stale = await cabinet.post_form(
        "/cabinet/migration/agreement", {"version": "1"}, form_page="/cabinet/migration/agreement"
    )
    assert stale.status_code == 422
    error = re.search(r'id="accept-error"[^>]*>([^<]+)<', stale.text)
    assert error and error.group(1) == "Опубликована новая редакция оферты: прочитайте и примите её"
    assert "Редакция вторая." in stale.text  # the page shows the version in force to accept
    accepted = await cabinet.post_form(
        "/cabinet/migration/agreement", {"version": "2"}, form_page="/cabinet/migration/agreement"
    )
    assert accepted.status_code == 303, accepted.text
    after = await cabinet.http.get(accepted.headers["location"])
    assert 'id="agreement-accepted"' in after.text and "Борис Админов (boss@romashka.example)" in after.text
    banner = (await cabinet.http.get("/cabinet/migration/banner")).text
    assert 'id="mig-read-agreement"' not in banner and "Принята редакция 2: Борис Админов" in banner
    assert "Кнопка появится после принятия оферты." not in banner and 'id="mig-complete"' in banner
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        row = await conn.fetchrow("SELECT employee_id, version FROM migration_agreement_acceptances")
    assert (row["employee_id"], row["version"]) == (pbx["admin"], 2)


async def test_a_version_that_is_no_plain_number_is_refused_beside_the_button_not_a_server_error(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Редакция первая.")
    await signed_in(cabinet, "boss@romashka.example")
    for version in ["²", "١", "1²", "9" * 5000]:  # "²".isdigit() is true, int("²") raises
        refused = await cabinet.post_form(
            "/cabinet/migration/agreement", {"version": version}, form_page="/cabinet/migration/agreement"
        )
        assert refused.status_code == 422, (version, refused.text[:300])
        assert re.search(r'id="accept-error"[^>]*>[^<]+<', refused.text), version
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await conn.fetchval("SELECT count(*) FROM migration_agreement_acceptances") == 0


async def top_up(api: ApiClients, tenant_id: uuid.UUID, kop: int = 100_000) -> None:
    answer = await api.operator().post(
        f"/api/operator/billing/tenants/{tenant_id}/adjustments",
        json={"direction": "credit", "amount_kop": kop, "reason": "Тест", "idempotency_key": f"top-{uuid.uuid4()}"},
    )
    assert answer.status_code in (200, 201), answer.text


async def test_the_confirmation_lists_every_employees_email_refuses_beside_the_button_and_then_allows_no_recreate(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    pbx = await migrated_pbx(vats_api, vats_kernel)
    await publish(vats_api, "Условия.")
    await signed_in(cabinet, "boss@romashka.example")
    confirm = await cabinet.http.get("/cabinet/migration/complete")
    assert confirm.status_code == 200
    assert re.findall(r'<td class="mig-email">([^<]+)</td>', confirm.text) == [
        "anna@romashka.example", "boss@romashka.example",
    ]  # fmt: skip
    assert 'id="complete-cancel"' in confirm.text and 'href="/cabinet/settings/employees"' in confirm.text
    # «ОК» without money on the balance (billing is installed): refused, the reason beside the button.
    poor = await cabinet.post_form("/cabinet/migration/complete", {}, form_page="/cabinet/migration/complete")
    assert poor.status_code == 422
    error = re.search(r'id="complete-error"[^>]*>([^<]+)<', poor.text)
    assert error and error.group(1) == "Баланс 0.00 ₽: пополните его, чтобы завершить миграцию"
    await top_up(vats_api, pbx["tenant"])
    # With money, before the agreement is accepted: refused too.
    first = await cabinet.post_form("/cabinet/migration/complete", {}, form_page="/cabinet/migration/complete")
    assert first.status_code == 422
    error = re.search(r'id="complete-error"[^>]*>([^<]+)<', first.text)
    assert error and error.group(1) == "Сначала примите миграционную оферту"
    await cabinet.post_form("/cabinet/migration/agreement", {"version": "1"}, form_page="/cabinet/migration/agreement")
    started = await cabinet.post_form("/cabinet/migration/complete", {}, form_page="/cabinet/migration/complete")
    assert started.status_code == 303, started.text
    after = await cabinet.http.get(started.headers["location"])
    assert "Завершение миграции запущено." in after.text and 'id="complete-form"' not in after.text
    banner = await cabinet.http.get("/cabinet/migration/banner")
    assert banner.status_code in (200, 204)  # completing (with its progress), or already completed
    # Once the completion was requested there is no going back.
    late = await cabinet.post_form("/cabinet/migration/recreate", {}, form_page="/cabinet/migration/recreate")
    assert late.status_code == 422
    error = re.search(r'id="recreate-error"[^>]*>([^<]+)<', late.text)
    assert error and error.group(1) == "Завершение миграции уже запущено: пересоздать настройки нельзя"


async def test_an_employee_cannot_open_or_post_the_completion(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    await migrated_pbx(vats_api, vats_kernel)
    await signed_in(cabinet, "anna@romashka.example")
    assert (await cabinet.http.get("/cabinet/migration/complete")).status_code == 403
    token = await cabinet.csrf("/cabinet/me")
    refused = await cabinet.http.post("/cabinet/migration/complete", data={"_csrf_token": token})
    assert refused.status_code == 403


async def test_recreate_wipes_the_new_settings_and_completing_then_names_the_numbers_without_a_scenario(
    vats_api: ApiClients, vats_kernel: Kernel, cabinet: CabinetClient
) -> None:
    pbx = await migrated_pbx(vats_api, vats_kernel)
    await signed_in(cabinet, "boss@romashka.example")
    shown = await cabinet.http.get("/cabinet/migration/recreate")
    assert shown.status_code == 200 and "кроме первого администратора" in shown.text
    assert 'id="recreate-cancel"' in shown.text
    done = await cabinet.post_form("/cabinet/migration/recreate", {}, form_page="/cabinet/migration/recreate")
    assert done.status_code == 303 and done.headers["location"] == "/cabinet/migration/recreate?done=1"
    after = await cabinet.http.get(done.headers["location"])
    assert "Звонки по-прежнему обрабатываются по правилам старого кабинета" in after.text
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        left = await conn.fetchval("SELECT array_agg(email) FROM employees WHERE tenant_id = $1", pbx["tenant"])
    assert left == ["boss@romashka.example"]
    warned = (await cabinet.http.get("/cabinet/migration/banner")).text
    assert "Номера без нового сценария: +74951236001." in warned and 'id="mig-settings-ok"' not in warned
    # The new scenarios are gone with the rest: completing now is refused, naming the numbers.
    await publish(vats_api, "Условия.")
    await top_up(vats_api, pbx["tenant"])
    await cabinet.post_form("/cabinet/migration/agreement", {"version": "1"}, form_page="/cabinet/migration/agreement")
    refused = await cabinet.post_form("/cabinet/migration/complete", {}, form_page="/cabinet/migration/complete")
    assert refused.status_code == 422
    error = re.search(r'id="complete-error"[^>]*>([^<]+)<', refused.text)
    assert error and error.group(1).startswith("У этих номеров нет нового сценария (он удалён): +74951236001")
