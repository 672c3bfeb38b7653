"""A contact added with no number is told to give one ("Укажите номер телефона."), in the API
and on Контакты → Добавить контакт, not "'' — не номер телефона."."""

from __future__ import annotations

import re

from vats.bots.web.app import create_app
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.service import TenantCreated
from vats.core.directory.validation import normalise_phone
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel

from tests.plugins.crm.cabinet_browser import office_of
from tests.plugins.crm.conftest import Clients, Company
from tests.web.cabinet.client import CabinetClient


def test_an_empty_or_blank_number_is_missing_not_malformed() -> None:
    for blank in ("", "   "):
        try:
            normalise_phone(blank, "external_number")
        except ValidationError as exc:
            assert (exc.message, exc.field) == ("a phone number is required", "external_number")
        else:
            raise AssertionError(f"{blank!r} was accepted")


async def test_the_api_asks_for_the_number_when_a_contact_has_none(company: Company, clients: Clients) -> None:
    anna = await clients.of("201")
    r = await anna.post("/api/contacts", json={"number": "", "name": "Иван"})
    assert r.status_code == 422
    assert r.json()["field"] == "number" and r.json()["detail"] == "a phone number is required"


async def test_the_contacts_page_asks_for_the_number_beside_the_field(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    await office_of(vats_kernel, vats_tenant)
    admin = CabinetClient(create_app(vats_kernel))
    try:
        assert (await admin.sign_in("admin@test.example", TEST_PASSWORD)).status_code == 303
        answer = await admin.post_form(
            "/cabinet/contacts/", {"number": " ", "name": "Иван"}, form_page="/cabinet/contacts"
        )
        assert answer.status_code == 422
        beside = re.search(r'<small class="field-error" id="number-error"[^>]*>([^<]*)</small>', answer.text)
        assert beside is not None and beside.group(1) == "Укажите номер телефона."
        assert "не номер телефона" not in answer.text
    finally:
        await admin.close()
