"""Who a request acts for: a leaf module, so the session cache and the frontends can name it
without importing the accounts service."""

from __future__ import annotations

import uuid

import msgspec
from vats.core.directory.models import Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in employee, as every request sees them."""

    session_id: uuid.UUID
    tenant_id: uuid.UUID
    employee_id: uuid.UUID
    role: Role
    email: str
    full_name: str
