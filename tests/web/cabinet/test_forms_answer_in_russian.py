"""The cabinet's forms leave checking to the server (``novalidate``: no browser pop-up in the
browser's own language): each form posted with its required field empty gets a 4xx page with
the server's message beside that field, in Russian, and nothing saved."""

from __future__ import annotations

import re

import pytest
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.texts import texts
from vats.bots.web.testing import TEST_PASSWORD
from vats.core.directory.service import TenantCreated
from vats.core.kernel import Kernel

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

# (the page with the form, where it posts, what is posted, the table that must stay empty of it)
EMPTY_REQUIRED = [
    ("/cabinet/settings/conferences", "/cabinet/settings/conferences", {"name": ""}, "conference_rooms"),
    ("/cabinet/settings/groups", "/cabinet/settings/groups", {"name": "", "strategy": "all"}, "groups"),
    ("/cabinet/settings/calendars", "/cabinet/settings/calendars", {"name": ""}, "calendars"),
    ("/cabinet/settings/media", "/cabinet/settings/media/chains", {"chain_name": ""}, None),
    ("/cabinet/settings/ivr/new", "/cabinet/settings/ivr", {"name": ""}, None),
    ("/cabinet/settings/crm-webhook", "/cabinet/settings/crm-webhook", {"url": ""}, None),
    ("/cabinet/me", "/cabinet/me/password", {"current_password": "", "new_password": ""}, None),
]


@pytest.mark.parametrize(("page", "action", "data", "table"), EMPTY_REQUIRED, ids=[e[1] for e in EMPTY_REQUIRED])
async def test_a_form_with_its_required_field_empty_gets_the_servers_russian_message_beside_it(
    vats_kernel: Kernel, vats_tenant: TenantCreated, page: str, action: str, data: dict[str, str], table: str | None
) -> None:
    client = CabinetClient(create_app(vats_kernel))
    try:
        email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
        assert (await client.sign_in(email, TEST_PASSWORD)).status_code == 303
        form = (await client.http.get(page)).text
        opening = re.search(rf'<form[^>]*action="{re.escape(action)}/?"[^>]*>', form)
        assert opening, f"no form posting to {action} on {page}"
        assert "novalidate" in opening.group(0)
        answer = await client.post_form(action, data, form_page=page)
        assert 400 <= answer.status_code < 500, answer.status_code
        assert 'aria-invalid="true"' in answer.text
        message = re.search(r'class="field-error"[^>]*>([^<]+)<', answer.text)
        assert message and re.search("[а-яё]", message.group(1).lower()), message
        if table:
            assert vats_kernel.db is not None
            async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
                assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE name = ''") == 0
    finally:
        await client.close()


@pytest.mark.parametrize("page", ["/signin", "/signin/forgot", "/operator/signin"])
async def test_a_sign_in_or_recovery_form_left_empty_is_answered_beside_its_fields(
    vats_kernel: Kernel, vats_tenant: TenantCreated, page: str
) -> None:
    client = CabinetClient(create_app(vats_kernel))
    try:
        form = (await client.http.get(page)).text
        assert re.search(rf'<form[^>]*action="{re.escape(page)}"[^>]*novalidate', form)
        answer = await client.post_form(page, {"email": "", "password": ""}, form_page=page)
        assert answer.status_code == 422
        assert 'id="email-error">Заполните это поле.<' in answer.text
        assert 'aria-invalid="true" aria-describedby="email-error"' in answer.text
        assert "signin-message" not in answer.text  # not "wrong e-mail or password": nothing was tried
        assert texts("ru")["reset_sent"] not in answer.text  # nor "the link is sent" to nobody
    finally:
        await client.close()
