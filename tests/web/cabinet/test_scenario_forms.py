"""The scenario editor's form without a browser: form parts from plugins (hook
``register_block_forms``), reading the form back into a scenario body, and where problems
are shown."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from vats.bots.web.app import create_app
from vats.bots.web.cabinet.scenarios import editor
from vats.bots.web.cabinet.scenarios.pages import draw, form_parts
from vats.bots.web.cabinet.scenarios.texts import RU
from vats.bots.web.cabinet.texts import texts
from vats.bots.web.testing import TEST_PASSWORD
from vats.core import hookimpl
from vats.core.directory.models import EmployeeCreate
from vats.core.directory.service import TenantCreated
from vats.core.engine import scenarios as repo
from vats.core.engine.forms import BlockFormPart, Choice, FormField
from vats.core.engine.scenarios import check_body
from vats.core.errors import ValidationError
from vats.core.kernel import Kernel
from vats.core.snapshot import TenantSnapshot

from tests.web.cabinet.client import CabinetClient
from tests.web.cabinet.test_browser import give_password

T = {**texts("ru"), **RU}


def _webhook_fields(snapshot: TenantSnapshot) -> list[FormField]:
    people = [Choice(value=str(e.id), label=e.full_name) for e in snapshot.employees.values()]
    return [
        FormField(path="url", label="Адрес вебхука"),
        FormField(path="retry.times", label="Повторов", kind="number"),
        FormField(path="notify", label="Кому сообщить", kind="choice", choices=people),
    ]


class WebhookForms:
    @hookimpl
    def register_block_forms(self) -> list[BlockFormPart]:
        return [BlockFormPart(tag="webhook", label="Вебхук", stages=frozenset({"handling"}), fields=_webhook_fields)]


def _choices(kernel: Kernel) -> editor.Choices:
    return editor.Choices(media=[], schedules=[], calendars=[], regions=[], parts=form_parts(kernel))


def _post(view: editor.Editor, changes: dict[str, Any]) -> editor.Form:
    """What the browser posts for ``view`` (each input's current value), with ``changes``."""
    items: list[tuple[str, str]] = [("filter_count", str(view.filter_count))]
    for section in view.sections:
        for branch in (section.working, section.off_hours):
            for stage in branch.stages:
                items += [(f"{stage.path}.type", stage.tag), (f"{stage.path}.base", stage.base)]
                for part in stage.parts:
                    for i in part.inputs:
                        if i.kind in ("text", "number"):
                            items.append((i.name, "" if i.value is None else str(i.value)))
                        elif i.kind == "choice" and i.value is not None:
                            items.append((i.name, i.encoded))
    posted = dict(items)
    posted.update(changes)
    return editor.Form(posted.items())


async def test_hook_register_block_forms(
    vats_kernel: Kernel, vats_tenant: TenantCreated, vats_register_plugin: Any
) -> None:
    vats_register_plugin(WebhookForms(), name="webhook-forms")
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    stored = {"default": {"handling": {"type": "webhook", "url": "https://crm.example/a", "secret": "kept"}}}
    view = editor.build(stored, snapshot, _choices(vats_kernel), "ru", T)
    handling = view.sections[-1].working.stages[1]
    assert handling.tag == "webhook" and {p.tag for p in handling.parts} == {"forward", "voicemail", "hangup", "webhook"}
    webhook = next(p for p in handling.parts if p.tag == "webhook")
    assert [(i.name, i.label, i.value) for i in webhook.inputs] == [
        ("default.handling@webhook.url", "Адрес вебхука", "https://crm.example/a"),
        ("default.handling@webhook.retry.times", "Повторов", None),
        ("default.handling@webhook.notify", "Кому сообщить", None),
    ]
    assert [label for _, label in webhook.inputs[2].choices] == ["Администратор"]
    # The menu stage does not offer it (the form part names the stages it fits).
    assert "webhook" not in [p.tag for p in view.sections[-1].working.stages[0].parts]

    admin = f'"{vats_tenant.admin_id}"'
    form = _post(view, {"default.handling@webhook.url": "https://crm.example/b",
                        "default.handling@webhook.retry.times": "3", "default.handling@webhook.notify": admin})  # fmt: skip
    reader = editor.Reader(form, form_parts(vats_kernel), snapshot, "ru")
    body = reader.body()
    assert reader.errors == {}
    assert body["default"]["handling"] == {
        "type": "webhook", "url": "https://crm.example/b", "retry": {"times": 3}, "notify": str(vats_tenant.admin_id),
        "secret": "kept",  # what no field names stays as stored
    }  # fmt: skip


async def test_a_block_without_a_form_part_is_edited_as_json_and_bad_json_is_named(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    stored = {"default": {"insurance": {"type": "teleport", "to": "Марс"}}}
    view = editor.build(stored, snapshot, _choices(vats_kernel), "ru", T)
    insurance = view.sections[-1].working.stages[2]
    teleport = next(p for p in insurance.parts if p.tag == "teleport")
    assert [i.kind for i in teleport.inputs] == ["json"] and '"Марс"' in teleport.inputs[0].value
    form = _post(view, {"default.insurance@teleport.json": '{"type": "teleport", "to": "Луна"}'})
    assert editor.Reader(form, form_parts(vats_kernel), snapshot, "ru").body()["default"]["insurance"] == {
        "type": "teleport", "to": "Луна"
    }
    broken = editor.Reader(_post(view, {"default.insurance@teleport.json": "{"}), form_parts(vats_kernel), snapshot, "ru")
    broken.body()
    assert list(broken.errors) == ["default.insurance"]


async def test_a_problem_is_placed_beside_the_input_it_names_or_the_nearest_part(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    scenario = {"default": {"handling": {"type": "forward", "targets": [{"kind": "employee", "id": str(vats_tenant.admin_id)}]}}}
    view = editor.build(scenario, snapshot, _choices(vats_kernel), "ru", T)
    view.place("default.handling.ring_s", "ring")
    view.place("default.handling.targets[0].id", "target")
    view.place("default.options.greeting", "greeting")
    view.place("nowhere", "general")
    branch = view.sections[-1].working
    forward = next(p for p in branch.stages[1].parts if p.tag == "forward")
    errors = {i.path: i.error for i in forward.inputs if i.error}
    assert errors == {"default.handling.ring_s": "ring", "default.handling.targets": "target"}
    assert next(i for i in branch.options if i.path == "default.options.greeting").error == "greeting"
    assert view.general == ["general"]


async def test_a_voice_menu_picked_without_a_menu_is_named_at_its_stage(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """No IVR menu exists yet, so the picker posts none: the API's check names the stage, and the
    editor shows the problem under that stage's block picker."""
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    view = editor.build({"default": {}}, snapshot, _choices(vats_kernel), "ru", T)
    form = _post(view, {"default.menu.type": "ivr"})
    body = editor.Reader(form, form_parts(vats_kernel), snapshot, "ru").body()
    with pytest.raises(ValidationError) as problem:
        check_body(body, vats_kernel.blocks)
    assert problem.value.field == "body.default.menu" and "menu_id" in problem.value.message
    shown = editor.build(body, snapshot, _choices(vats_kernel), "ru", T)
    shown.place(problem.value.field.removeprefix("body."), problem.value.message)
    menu = shown.sections[-1].working.stages[0]
    assert menu.tag == "ivr" and menu.error and shown.first_error == menu.id


async def test_a_posted_filter_count_is_capped(vats_kernel: Kernel, vats_tenant: TenantCreated) -> None:
    """The count is the client's word: a huge one reads no filters instead of looping for ever."""
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    for count, expected in (("1000000000", 0), ("250", editor.MAX_FILTERS), ("-1", 0)):
        body = editor.Reader(editor.Form([("filter_count", count)]), [], snapshot, "ru").body()
        assert len(body["filters"]) == expected


async def test_a_stored_scenario_that_no_longer_decodes_is_drawn_as_a_note(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """A block of a plugin since removed: the editor still opens (the block as JSON) and the
    diagram says why it cannot be drawn instead of failing the page."""
    snapshot = await vats_kernel.snapshots.get(vats_tenant.tenant_id)
    stored = repo.Scenario(id=uuid.uuid4(), name="Старый", is_default=False,
                           body={"default": {"handling": {"type": "teleport"}}})  # fmt: skip
    svg = draw(stored, vats_kernel, snapshot)
    assert svg.startswith("<svg") and "Схему не нарисовать" in svg and "teleport" in svg


async def test_scenarios_and_schedules_are_for_admins_only_in_the_menu_and_at_the_door(
    vats_kernel: Kernel, vats_tenant: TenantCreated
) -> None:
    """The API's rule (scenario and schedule changes are an admin's): a head neither sees the
    entries nor may open the pages (the diagram included); an admin sees both, in English too."""
    app = create_app(vats_kernel)
    head, _ = await vats_kernel.directory.create_employee(
        vats_tenant.tenant_id, EmployeeCreate(full_name="Глеб Руководитель", email="head@test.example", role="head")
    )
    admin, other = CabinetClient(app), CabinetClient(app)
    assert vats_kernel.db is not None
    async with vats_kernel.db.tenant(vats_tenant.tenant_id) as conn:
        scenario = next(s for s in await repo.scenarios_of(conn, vats_tenant.tenant_id) if s.is_default)
    pages = ("/cabinet/settings/scenarios/", f"/cabinet/settings/scenarios/{scenario.id}",
             f"/cabinet/settings/scenarios/{scenario.id}/diagram.svg", "/cabinet/settings/schedules/")  # fmt: skip
    try:
        email = await give_password(vats_kernel, vats_tenant.tenant_id, vats_tenant.admin_id)
        assert (await admin.sign_in(email, TEST_PASSWORD)).status_code == 303
        menu = (await admin.http.get("/cabinet/me")).text
        assert 'href="/cabinet/settings/scenarios"' in menu and 'href="/cabinet/settings/schedules"' in menu
        for path in pages:
            assert (await admin.http.get(path)).status_code == 200, path
        english = await admin.http.get(pages[1], headers={"accept-language": "en"})
        assert "Check a call" in english.text and "Numbers not in filters" in english.text
        email = await give_password(vats_kernel, vats_tenant.tenant_id, head.id)
        assert (await other.sign_in(email, TEST_PASSWORD)).status_code == 303
        menu = (await other.http.get("/cabinet/me")).text
        assert "/cabinet/settings/scenarios" not in menu and "/cabinet/settings/schedules" not in menu
        for path in pages:
            refused = await other.http.get(path)
            assert refused.status_code == 403 and "Нет доступа" in refused.text, path
    finally:
        await admin.close()
        await other.close()
