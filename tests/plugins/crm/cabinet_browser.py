"""What the CRM's cabinet tests share: the cabinet's browser fixtures (tests/web/cabinet), a
company with an admin and two employees who can sign in, and data put in through the CRM's
own services (as the API would)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait
from vats.core.directory.models import EmployeeCreate, TagCreate
from vats.core.directory.numbers import create_tag
from vats.core.directory.service import TenantCreated
from vats.core.directory.tenants import load_tenant
from vats.core.kernel import Kernel
from vats.plugins.crm import contacts, deals
from vats.plugins.crm.models import ContactIn, DealIn
from vats.plugins.crm.viewer import viewer_for

from tests.web.cabinet import test_browser
from tests.web.cabinet.conftest import Server
from tests.web.cabinet.test_browser import give_password, page_id

__all__ = ["Office", "Server", "office_of", "overflow", "page_id", "phone_width", "shoot", "sign_in", "text_of", "wait"]


@dataclass
class Office:
    kernel: Kernel
    tenant_id: uuid.UUID
    admin_id: uuid.UUID
    olga_id: uuid.UUID  # a user
    pavel_id: uuid.UUID  # a user

    async def contact(self, number: str, name: str, *, kind: str = "business", company: str = "") -> uuid.UUID:
        """A contact saved as the admin saves one (POST /api/contacts)."""
        assert self.kernel.db is not None
        async with self.kernel.db.tenant(self.tenant_id) as conn:
            tenant = await load_tenant(conn, self.tenant_id)
            data = ContactIn(number=number, name=name, kind=kind, company=company)  # type: ignore[arg-type]
            saved, _ = await contacts.create(conn, self.tenant_id, data, admin=True, settings=tenant.settings)
        return saved.id

    async def deal(self, contact_id: uuid.UUID, title: str, *, by: uuid.UUID, private: bool = False) -> uuid.UUID:
        """A deal made by ``by`` for themselves (POST /api/deals)."""
        assert self.kernel.db is not None
        async with self.kernel.db.tenant(self.tenant_id) as conn:
            role = await conn.fetchval("SELECT role FROM employees WHERE id = $1", by)
            tenant = await load_tenant(conn, self.tenant_id)
            viewer = await viewer_for(conn, self.kernel, self.tenant_id, by, role, tenant.settings)
            made = await deals.create(conn, viewer, DealIn(contact_id=contact_id, title=title, private=private))
        return made.id

    async def tag(self, name: str) -> uuid.UUID:
        assert self.kernel.db is not None
        async with self.kernel.db.tenant(self.tenant_id) as conn:
            return (await create_tag(conn, self.tenant_id, TagCreate(kind="contact", name=name))).id


async def office_of(kernel: Kernel, tenant: TenantCreated) -> Office:
    """The admin, Ольга and Павел (users), each with the test password."""
    olga, _ = await kernel.directory.create_employee(
        tenant.tenant_id, EmployeeCreate(full_name="Ольга Смирнова", email="olga@test.example")
    )
    pavel, _ = await kernel.directory.create_employee(
        tenant.tenant_id, EmployeeCreate(full_name="Павел Орлов", email="pavel@test.example")
    )
    for who in (tenant.admin_id, olga.id, pavel.id):
        await give_password(kernel, tenant.tenant_id, who)
    return Office(
        kernel=kernel, tenant_id=tenant.tenant_id, admin_id=tenant.admin_id, olga_id=olga.id, pavel_id=pavel.id
    )


def wait(driver: Any) -> WebDriverWait[Any]:
    """Up to 30 s: a form that saves, announces a task and renders a card takes a while on a
    busy two-core machine; an element htmx swaps out meanwhile is looked up again."""
    return WebDriverWait(driver, 30, ignored_exceptions=[StaleElementReferenceException])


def sign_in(driver: Any, server: Server, email: str, path: str = "/") -> None:
    """Sign in and land on ``path``, with htmx loaded (a click before it would post the form the
    old way, racing the script's start)."""
    test_browser.sign_in(driver, server, email, path)
    wait(driver).until(lambda d: d.execute_script("return !!(window.htmx)"))


def phone_width(driver: Any) -> None:
    driver.set_window_size(375, 812)
    wait(driver).until(lambda d: d.execute_script("return window.innerWidth") <= 375)


def shoot(driver: Any, folder: Path, name: str) -> None:
    """A screenshot of the whole page (its full height) for a person to look at."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    original = driver.get_window_size()
    driver.set_window_size(original["width"], max(original["height"], min(height + 140, 4000)))
    driver.save_screenshot(str(folder / f"{name}.png"))
    driver.set_window_size(original["width"], original["height"])
    assert width > 0


def overflow(driver: Any) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the page as it is now."""
    sw, iw = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return int(sw), int(iw)


def text_of(driver: Any, css: str) -> str:
    """The element's visible text, read in one script (htmx may be swapping the region right now)."""
    return str(driver.execute_script("return document.querySelector(arguments[0])?.innerText?.trim() || ''", css))
