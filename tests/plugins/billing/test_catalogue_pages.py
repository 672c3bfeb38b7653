"""The operator portal's number catalogue through the real operator sign-in form (no browser):
numbers added as a range and a pasted list with every refused row reported, prices changed,
a free number taken off sale and a sold one refused naming it; each change audited with the
operator's account, as the operator API audits it."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from vats.bots.web.app import create_app
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel
from vats.plugins.billing import ledger, numbers_shop
from vats.plugins.billing.numbers_shop import CatalogueNumber

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_operator_portal import OP_PASSWORD, OPERATOR, make_operator

PAGE = "/operator/billing/numbers"


@pytest_asyncio.fixture
async def operator(vats_kernel: Kernel) -> AsyncIterator[CabinetClient]:
    await make_operator(vats_kernel)
    client = CabinetClient(create_app(vats_kernel))
    token = await client.csrf("/operator/signin")
    signed = await client.http.post(
        "/operator/signin", data={"email": OPERATOR, "password": OP_PASSWORD, "_csrf_token": token}
    )
    assert signed.status_code in (302, 303), signed.text[:500]
    try:
        yield client
    finally:
        await client.close()


async def _put(kernel: Kernel, e164: str, price_kop: int = 300_000) -> None:
    async with kernel.db.system() as conn:
        entry = CatalogueNumber(e164=e164, city="Москва", category="gold", price_kop=price_kop, monthly_kop=50_000)
        await numbers_shop.put_entry(conn, entry)


async def _sell(kernel: Kernel, tenant_id: uuid.UUID, e164: str) -> None:
    async with kernel.db.tenant(tenant_id) as conn:
        await ledger.post(conn, tenant_id, kind="adjustment", amount_kop=1_000_000, idempotency_key=f"gift-{e164}")
        await numbers_shop.buy(conn, kernel, tenant_id, e164, idempotency_key=f"buy-{e164}", actor="test")


async def _audit(kernel: Kernel) -> list[Any]:
    async with kernel.db.system() as conn:
        return await conn.fetch(
            "SELECT actor, action, detail FROM operator_audit WHERE action LIKE 'billing_%' ORDER BY id"
        )


async def _catalogue(kernel: Kernel) -> dict[str, CatalogueNumber]:
    async with kernel.db.system() as conn:
        return {n.e164: n for n in await numbers_shop.catalogue(conn)}


def _refused(html: str) -> list[tuple[str, str, str]]:
    body = html.split('id="refused-rows"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*><code>([^<]*)</code></td><td[^>]*>([^<]*)</td></tr>", body)
    return [(line, typed, reason) for line, typed, reason in cells]


async def test_a_range_and_a_pasted_list_are_added_and_each_refused_row_is_reported(
    operator: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await _put(vats_kernel, "+74957770705")  # already on sale
    held = "+74951112233"
    await vats_kernel.directory.assign_number(vats_tenant.tenant_id, held, "Основной")  # a PBX's own number
    pasted = "\n".join([
        "+74957770700..+74957770706",  # 7 numbers, one of them already on sale
        "8 (495) 123-45-67, не номер",  # a number in local writing and garbage on one line
        "+74957770701",  # repeated from the range
        held,
        "+74957770709..+74957770708",  # a reversed range
    ])  # fmt: skip
    form = {"numbers": pasted, "city": "Москва", "category": "silver", "price": "3 000", "monthly": "500,50"}
    r = await operator.post_form(PAGE, form, form_page=PAGE)
    assert r.status_code == 200, r.text[:3000]
    added = {f"+7495777070{i}" for i in (0, 1, 2, 3, 4, 6)} | {"+74951234567"}
    assert "Добавлено номеров: 7." in r.text
    refused = _refused(r.text)
    assert [(line, typed) for line, typed, _ in refused] == [
        ("1", "+74957770700..+74957770706"), ("2", "не номер"), ("3", "+74957770701"),
        ("4", held), ("5", "+74957770709..+74957770708"),
    ]  # fmt: skip
    reasons = [reason for _, _, reason in refused]
    assert "уже в каталоге" in reasons[0] and reasons[1] == "не номер телефона" and "уже есть в списке" in reasons[2]
    assert "диапазон" in reasons[-1]
    assert "уже подключён у клиента" in reasons[3]
    catalogue = await _catalogue(vats_kernel)
    assert added <= set(catalogue) and catalogue["+74957770700"].price_kop == 300_000
    assert (catalogue["+74957770700"].monthly_kop, catalogue["+74957770700"].category) == (50_050, "silver")
    assert catalogue["+74957770705"].category == "gold"  # the one on sale before is left as it was
    rows = [r for r in await _audit(vats_kernel) if r["action"].startswith("billing_")]
    assert len(rows) == 7 and {r["actor"] for r in rows} == {OPERATOR}
    assert {r["action"] for r in rows} == {"billing_catalogue_number_put"}
    assert {r["detail"]["e164"] for r in rows} == added
    # The refused rows come back in the field, to be corrected; bad prices are refused beside their fields.
    assert "+74957770709..+74957770708" in r.text.split('id="add-numbers"', 1)[1].split("</textarea>", 1)[0]
    bad = await operator.post_form(
        PAGE, {**form, "numbers": "+74957770800", "price": "-1", "city": " "}, form_page=PAGE
    )
    assert bad.status_code == 422 and 'id="add-price-error"' in bad.text and 'id="add-city-error"' in bad.text
    assert "+74957770800" not in await _catalogue(vats_kernel)


async def test_prices_change_a_free_number_leaves_sale_and_a_sold_one_is_refused_naming_it(
    operator: CabinetClient, vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await _put(vats_kernel, "+74957770707")
    await _put(vats_kernel, "+74957770708", price_kop=100)
    await _sell(vats_kernel, vats_tenant.tenant_id, "+74957770708")
    page = await operator.http.get(PAGE)
    assert page.status_code == 200 and "Всего 2, свободно 1." in page.text
    sold_row = page.text.split('data-number="+74957770708"', 1)[1].split("</tr>", 1)[0]
    assert "Продан" in sold_row and "Снять с продажи" not in sold_row

    edit = {"e164": "+74957770707", "city": "Санкт-Петербург", "category": "bronze", "price": "1500,5", "monthly": "0"}
    r = await operator.post_form(f"{PAGE}/edit", {**edit, "monthly": "много"}, form_page=PAGE)
    assert r.status_code == 422 and 'id="n74957770707-monthly-error"' in r.text
    r = await operator.post_form(f"{PAGE}/edit", edit, form_page=PAGE)
    assert r.status_code == 303 and r.headers["location"].endswith("done=saved&number=%2B74957770707")
    changed = (await _catalogue(vats_kernel))["+74957770707"]
    assert (changed.city, changed.category, changed.price_kop, changed.monthly_kop) == (
        "Санкт-Петербург", "bronze", 150_050, 0
    )  # fmt: skip
    r = await operator.post_form(f"{PAGE}/edit", {**edit, "e164": "+74957770708"}, form_page=PAGE)
    assert r.status_code == 409 and "Номер +74957770708 продан: его цену менять нельзя" in r.text

    r = await operator.post_form(f"{PAGE}/remove", {"e164": "+74957770708"}, form_page=PAGE)
    assert r.status_code == 409
    problem = re.search(r'id="catalogue-problem">([^<]+)<', r.text)
    assert problem and "+74957770708 продан" in problem.group(1) and "снять с продажи нельзя" in problem.group(1)
    r = await operator.post_form(f"{PAGE}/remove", {"e164": "+74957770707"}, form_page=PAGE)
    assert r.status_code == 303
    shown = await operator.http.get(r.headers["location"])
    assert "Номер +74957770707 снят с продажи." in shown.text
    assert set(await _catalogue(vats_kernel)) == {"+74957770708"}
    rows = [(r["actor"], r["action"]) for r in await _audit(vats_kernel)]
    assert rows == [(OPERATOR, "billing_catalogue_number_put"), (OPERATOR, "billing_catalogue_number_removed")]
    was = (await _audit(vats_kernel))[0]["detail"]["was"]
    assert (was["city"], was["price_kop"]) == ("Москва", 300_000)


async def test_two_operators_adding_the_same_numbers_at_once_add_each_once_at_one_price(
    operator: CabinetClient, vats_kernel: Kernel
) -> None:
    other = CabinetClient(create_app(vats_kernel))
    token = await other.csrf("/operator/signin")
    await other.http.post("/operator/signin", data={"email": OPERATOR, "password": OP_PASSWORD, "_csrf_token": token})
    form = {"numbers": "+74957771000..+74957771049", "city": "Москва", "category": "ordinary", "monthly": "100"}
    try:
        backwards = "\n".join(f"+749577710{i:02d}" for i in reversed(range(50)))  # the same numbers, listed in reverse
        answers = await asyncio.gather(
            operator.post_form(PAGE, {**form, "price": "1000"}, form_page=PAGE),
            other.post_form(PAGE, {**form, "price": "2000", "numbers": backwards}, form_page=PAGE),
        )
    finally:
        await other.close()
    added = [int(re.search(r"Добавлено номеров: (\d+)\.", a.text).group(1)) for a in answers]  # type: ignore[union-attr]
    assert sorted(added) == [0, 50]  # one list went in whole, the other found every number there
    prices = {n.price_kop for e164, n in (await _catalogue(vats_kernel)).items() if e164.startswith("+749577710")}
    assert len(prices) == 1
    puts = [r for r in await _audit(vats_kernel) if r["action"] == "billing_catalogue_number_put"]
    assert len(puts) == 50


async def test_a_page_add_racing_an_api_put_of_the_same_number_never_replaces_its_prices(
    operator: CabinetClient, vats_kernel: Kernel
) -> None:
    """The API's put (its transaction still open) and the portal's add of the same number: the
    add waits, then finds the number there and reports it; the API's prices stand (before the
    fix the add saw no number, wrote over the API's prices and said it added it)."""
    form = {"numbers": "+74957772000", "city": "Тверь", "category": "ordinary", "price": "1000", "monthly": "100"}
    async with vats_kernel.db.system() as conn:  # the API's request, as operator.py's put_number runs it
        entry = CatalogueNumber(e164="+74957772000", city="Москва", category="gold", price_kop=300_000, monthly_kop=50_000)
        await numbers_shop.put_entry(conn, entry)
        adding = asyncio.create_task(operator.post_form(PAGE, form, form_page=PAGE))
        for _ in range(500):  # until the add is answered, or waits for this transaction
            async with vats_kernel.db.system() as probe:
                if adding.done() or await probe.fetchval("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)"):
                    break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the add neither answered nor waited")
    added = await asyncio.wait_for(adding, 10)
    assert "Добавлено номеров: 0." in added.text and [r[1] for r in _refused(added.text)] == ["+74957772000"]
    kept = (await _catalogue(vats_kernel))["+74957772000"]
    assert (kept.city, kept.price_kop) == ("Москва", 300_000)
