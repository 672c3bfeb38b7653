"""Contacts brought from another system (``import_contacts``: a migrated PBX's old contacts and
VIP lists): one contact per number, with its tags, so that the new scenarios' tag filters find
the callers. Idempotent: a number already a contact keeps its contact (a name it lacked is
filled) and gains the tags; nothing is stored twice."""

from __future__ import annotations

import uuid
from typing import Any

from vats.core.db.database import Connection


async def import_contacts(conn: Connection, tenant_id: uuid.UUID, contacts: list[dict[str, Any]]) -> int:
    tag_ids: dict[str, uuid.UUID] = {}
    stored = 0
    for contact in contacts:
        name = str(contact.get("name") or "").strip()[:200]
        for tag in contact.get("tags") or []:
            if tag not in tag_ids:
                tag_ids[tag] = await conn.fetchval(
                    "INSERT INTO tags (tenant_id, kind, name) VALUES ($1, 'contact', $2)"
                    " ON CONFLICT (tenant_id, kind, name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                    tenant_id, tag,
                )  # fmt: skip
        for number in contact.get("numbers") or []:
            contact_id = await conn.fetchval(
                "INSERT INTO crm_contacts (tenant_id, number, name, kind) VALUES ($1, $2, $3, 'business')"
                " ON CONFLICT (tenant_id, number) DO UPDATE SET name = CASE WHEN crm_contacts.name = ''"
                " THEN EXCLUDED.name ELSE crm_contacts.name END RETURNING id",
                tenant_id, number, name,
            )  # fmt: skip
            for tag in contact.get("tags") or []:
                await conn.execute(
                    "INSERT INTO crm_contact_tags (tenant_id, contact_id, tag_id) VALUES ($1, $2, $3)"
                    " ON CONFLICT DO NOTHING",
                    tenant_id, contact_id, tag_ids[tag],
                )  # fmt: skip
            stored += 1
    return stored
