"""The migration agreement's page in the operator portal (httpx on the app, the operator signed in
through the real form, a real database): saving publishes a new version and keeps the old ones
readable, an empty or over-long text is refused beside its field (a long one is kept whole), and
the page lists who accepted which version when."""

from __future__ import annotations

import re

from vats.core.kernel import Kernel
from vats.plugins.migration import agreement

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_operator_pages import portal, sign_in

__all__ = ["portal"]

PAGE = "/operator/migration-agreement"


async def test_each_save_publishes_a_version_and_the_old_ones_stay_readable(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    empty = await portal.http.get(PAGE)
    assert empty.status_code == 200 and "Оферта ещё не опубликована." in empty.text
    first = await portal.post_form(PAGE, {"title": "Оферта", "body": "Условия один."}, form_page=PAGE)
    assert first.status_code == 303 and first.headers["location"] == f"{PAGE}?published=1"
    shown = await portal.http.get(first.headers["location"])
    assert "Опубликована редакция 1." in shown.text
    assert "Условия один.</textarea>" in shown.text  # the text in force, to edit into the next version
    await portal.post_form(PAGE, {"title": "Оферта", "body": "Условия два."}, form_page=PAGE)
    listed = await portal.http.get(PAGE)
    assert re.findall(r'<tr data-version="(\d+)">', listed.text) == ["2", "1"]
    old = await portal.http.get(f"{PAGE}/1")
    assert old.status_code == 200 and "Условия один." in old.text and "<textarea" not in old.text
    assert (await portal.http.get(f"{PAGE}/7")).status_code == 404
    audit = await portal.http.get("/operator/audit")
    assert audit.text.count("миграция: опубликована редакция оферты") == 2


async def test_an_empty_text_is_refused_beside_its_field_and_nothing_is_published(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    refused = await portal.post_form(PAGE, {"title": "Оферта", "body": "   "}, form_page=PAGE)
    assert refused.status_code == 422
    error = re.search(r'id="body-error">([^<]+)<', refused.text)
    assert error and error.group(1) == "Введите текст оферты"
    assert 'value="Оферта"' in refused.text  # what was typed stays
    no_title = await portal.post_form(PAGE, {"title": "", "body": "Условия"}, form_page=PAGE)
    assert no_title.status_code == 422 and 'id="title-error">Укажите заголовок оферты<' in no_title.text
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert await agreement.versions(conn) == []


async def test_an_over_long_title_or_text_is_refused_beside_its_field_not_a_server_error(
    portal: CabinetClient, vats_kernel: Kernel
) -> None:
    await sign_in(portal)
    long_title = await portal.post_form(PAGE, {"title": "О" * 201, "body": "Условия"}, form_page=PAGE)
    assert long_title.status_code == 422, long_title.text[:300]
    assert 'id="title-error">Не длиннее 200 символов.<' in long_title.text
    long_body = await portal.post_form(PAGE, {"title": "Оферта", "body": "у" * 200_001}, form_page=PAGE)
    assert long_body.status_code == 422, long_body.text[:300]
    assert 'id="body-error">Не длиннее 200000 символов.<' in long_body.text
    assert 'value="Оферта"' in long_body.text  # what was typed stays
    # At the limits (spaces around are not counted: they are not stored) it is published.
    fits = await portal.post_form(PAGE, {"title": " " + "О" * 200 + " ", "body": "у" * 200_000}, form_page=PAGE)
    assert fits.status_code == 303, fits.text[:300]
    assert vats_kernel.db is not None
    async with vats_kernel.db.system() as conn:
        assert [v.version for v in await agreement.versions(conn)] == [1]
        stored = await agreement.latest(conn)
    assert stored is not None and (len(stored.title), len(stored.body)) == (200, 200_000)  # whole, not cut


async def test_the_page_lists_who_accepted_which_version_and_when(portal: CabinetClient, vats_kernel: Kernel) -> None:
    await sign_in(portal)
    await portal.post_form(PAGE, {"title": "Оферта", "body": "Условия."}, form_page=PAGE)
    created = await vats_kernel.directory.create_tenant(name="Ромашка", admin_email="boss@romashka.example")
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(created.tenant_id) as conn:
        await agreement.accept(conn, created.tenant_id, created.admin_id, 1)
    shown = await portal.http.get(PAGE)
    row = re.search(rf'<tr data-tenant="{created.tenant_id}">.*?</tr>', shown.text, re.S)
    assert row and "Ромашка" in row.group(0) and "&lt;boss@romashka.example&gt;" in row.group(0)
    assert "<td>1</td>" in row.group(0)
